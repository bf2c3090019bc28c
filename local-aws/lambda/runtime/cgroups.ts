// Where the endpoint may create cgroups for execution environments, shared by the CPU and memory
// limits. cgroup v1 is found per controller (cpu.ts, memory.ts). cgroup v2 needs the controllers
// delegated by the group the groups are created in, and a v2 group that delegates may hold no
// processes itself ("no internal processes"). The endpoint's own group rarely delegates (systemd
// scopes, containers), so, as container runtimes do, the endpoint moves itself into a leaf child
// (`<own>/local-aws-server`), enables `+cpu +memory` in its own group and creates the environments'
// groups beside that leaf. Failing that, the cgroup2 mount root (exempt from the rule) if writable.
// Every step is guarded and never fatal; callers still probe (create a group, write a limit) before
// they claim anything is enforced. The decision is pure over a small fs interface, so it is tested
// with a fake cgroup2 tree (this project's test machine is cgroup v1).
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Mount {
  root: string;
  point: string;
  fstype: string;
  superOptions: string[];
}

/** Parses /proc/self/mountinfo. */
export function parseMountInfo(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    // "<id> <parent> <maj:min> <root> <mount point> <opts> [optional...] - <fstype> <source> <super opts>"
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const f = left.split(' ');
    const [fstype, , superOpts] = right.split(' ');
    if (!fstype || f.length < 5) continue;
    const unescape = (s: string) => s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    out.push({ root: unescape(f[3]!), point: unescape(f[4]!), fstype, superOptions: (superOpts ?? '').split(',') });
  }
  return out;
}

export function mounts(): Mount[] {
  try {
    return parseMountInfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return [];
  }
}

/** The folder of a group (path as in /proc/self/cgroup) inside a hierarchy mounted at `m`. */
export function ownGroupDir(m: Mount, rel: string): string {
  const inside = m.root !== '/' && rel.startsWith(m.root) ? rel.slice(m.root.length) : rel;
  return path.resolve(m.point, '.' + (inside.startsWith('/') ? inside : '/' + inside));
}

/** The few file operations the v2 set-up needs; the real one is node:fs, tests give a fake tree. */
export interface CgroupFs {
  read(file: string): string;
  write(file: string, value: string): void;
  /** Creates a folder; true if it was created, false if it existed. */
  mkdir(dir: string): boolean;
  rmdir(dir: string): void;
}

export const nodeCgroupFs: CgroupFs = {
  read: (file) => fs.readFileSync(file, 'utf8'),
  write: (file, value) => fs.writeFileSync(file, value),
  mkdir: (dir) => {
    try {
      fs.mkdirSync(dir);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  },
  rmdir: (dir) => fs.rmdirSync(dir),
};

/** The controllers the environments' groups need. */
export const V2_CONTROLLERS = ['cpu', 'memory'] as const;
export type V2Controller = (typeof V2_CONTROLLERS)[number];
/** The leaf the endpoint moves itself into so that its own group may delegate. */
export const SERVER_LEAF = 'local-aws-server';

export interface V2Base {
  /** Folder in which environment groups are created (it delegates `controllers`). */
  dir: string;
  controllers: Set<V2Controller>;
  /** How it got there, for status output. */
  how: 'delegated' | 'enabled' | 'leaf' | 'mount-root';
  /** The leaf the endpoint moved itself into, when it did. */
  leaf?: string;
}

export interface V2Input {
  /** Contents of /proc/self/cgroup. */
  procSelfCgroup: string;
  mounts: Mount[];
  pid: number;
}

function words(cfs: CgroupFs, file: string): Set<string> {
  try {
    return new Set(cfs.read(file).split(/\s+/).filter(Boolean));
  } catch {
    return new Set();
  }
}

function delegated(cfs: CgroupFs, dir: string): Set<V2Controller> {
  const on = words(cfs, path.join(dir, 'cgroup.subtree_control'));
  return new Set(V2_CONTROLLERS.filter((c) => on.has(c)));
}

/** Writes `+c` for each wanted controller the group has and does not delegate yet; what it delegates after. */
function enable(cfs: CgroupFs, dir: string): Set<V2Controller> {
  const available = words(cfs, path.join(dir, 'cgroup.controllers'));
  const already = delegated(cfs, dir);
  for (const c of V2_CONTROLLERS) {
    if (!available.has(c) || already.has(c)) continue;
    try {
      cfs.write(path.join(dir, 'cgroup.subtree_control'), `+${c}`);
    } catch {
      // EBUSY (processes in the group), EACCES, or not ours: see what is on afterwards
    }
  }
  return delegated(cfs, dir);
}

/** The controllers available to a group (those its parent delegates). */
function available(cfs: CgroupFs, dir: string): V2Controller[] {
  const has = words(cfs, path.join(dir, 'cgroup.controllers'));
  return V2_CONTROLLERS.filter((c) => has.has(c));
}

/** Can this process make groups in `dir`? (The root may delegate already, yet not be ours to write.) */
function mayCreateGroups(cfs: CgroupFs, dir: string, pid: number): boolean {
  const probe = path.join(dir, `local-aws-probe-${pid}`);
  try {
    if (cfs.mkdir(probe)) cfs.rmdir(probe);
    return true;
  } catch {
    return false;
  }
}

/**
 * Decides (and prepares) where environment groups go in cgroup v2, or null. Moves this process into
 * `<own>/local-aws-server` only when that is what lets its own group delegate; undone otherwise.
 */
export function prepareV2Base(cfs: CgroupFs, input: V2Input): V2Base | null {
  const rel = /^0::(.*)$/m.exec(input.procSelfCgroup)?.[1];
  const unified = input.mounts.find((m) => m.fstype === 'cgroup2');
  if (rel === undefined || !unified) return null;
  const own = ownGroupDir(unified, rel);
  const wanted = available(cfs, own);

  if (wanted.length > 0) {
    // 1. Already delegated (a systemd unit with Delegate=yes, a prepared container).
    const on = delegated(cfs, own);
    if (wanted.every((c) => on.has(c))) return { dir: own, controllers: on, how: 'delegated' };
    // 2. Our group may be empty of processes already (we are elsewhere): enable directly.
    const direct = enable(cfs, own);
    if (wanted.every((c) => direct.has(c))) return { dir: own, controllers: direct, how: 'enabled' };
    // 3. Move ourselves into a leaf, then enable in our (now process-free) group.
    const leaf = path.join(own, SERVER_LEAF);
    let created = false;
    let moved = false;
    try {
      created = cfs.mkdir(leaf);
      cfs.write(path.join(leaf, 'cgroup.procs'), String(input.pid));
      moved = true;
      const after = enable(cfs, own);
      if (after.size > 0) return { dir: own, controllers: after, how: 'leaf', leaf };
    } catch {
      // not allowed to create or move: undone below
    }
    // Others still live in our group (or we may not write): put things back as they were.
    let back = !moved;
    if (moved) {
      try {
        cfs.write(path.join(own, 'cgroup.procs'), String(input.pid));
        back = true;
      } catch {
        // stays in the leaf: harmless, it has the same limits as its parent
      }
    }
    if (created && back) {
      try {
        cfs.rmdir(leaf);
      } catch {
        // leave it
      }
    }
    if (direct.size > 0) return { dir: own, controllers: direct, how: 'enabled' };
  }

  // 4. The mount root: exempt from "no internal processes", usable where we may write there.
  if (path.resolve(unified.point) !== path.resolve(own)) {
    const root = enable(cfs, unified.point);
    if (root.size > 0 && mayCreateGroups(cfs, unified.point, input.pid))
      return { dir: unified.point, controllers: root, how: 'mount-root' };
  }
  return null;
}

let prepared: V2Base | null | undefined;

/** The v2 base of this process, prepared once (CPU and memory share it: the move happens once). */
export function cgroupV2Base(): V2Base | null {
  if (prepared !== undefined) return prepared;
  prepared = null;
  if (process.platform !== 'linux') return prepared;
  let self: string;
  try {
    self = fs.readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return prepared;
  }
  prepared = prepareV2Base(nodeCgroupFs, { procSelfCgroup: self, mounts: mounts(), pid: process.pid });
  return prepared;
}

// Memory limits for execution environments. Two layers:
//  - a watchdog on the child's resident set (/proc/<pid>/status, any Linux): sampled while the
//    environment works, plus a final check of the peak (VmHWM) when an invocation ends;
//  - a cgroup memory limit, where this machine lets us create one (cgroup v1 memory controller
//    writable by us, or a cgroup v2 group that delegates `memory`, made so if need be: cgroups.ts). Detected,
//    never required: on macOS or as a non-root user only the watchdog applies (or nothing, without /proc).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { processAlive } from '../../core/data-lock.ts';
import { cgroupV2Base } from './cgroups.ts';

export interface MemorySample {
  /** Current resident set, kB. */
  rssKb: number;
  /** Peak resident set since the process started, kB. */
  hwmKb: number;
}

function parseStatus(text: string): MemorySample | undefined {
  const rss = /VmRSS:\s+(\d+)/.exec(text);
  const hwm = /VmHWM:\s+(\d+)/.exec(text);
  if (!rss || !hwm) return undefined;
  return { rssKb: Number(rss[1]), hwmKb: Number(hwm[1]) };
}

/** Reads VmRSS/VmHWM of a process; undefined where /proc is missing or the process is gone. */
export function readMemory(pid: number): MemorySample | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return undefined;
  }
  return parseStatus(text);
}

/**
 * The watchdog's reader for one process: /proc/<pid>/status stays open and each sample re-reads it
 * from offset 0 (the kernel regenerates it), one pread instead of open, fstat, read and close (about
 * 7 us instead of 70 on a small VM, several times per invocation). Falls back to readMemory.
 */
export class MemoryReader {
  private fd: number | undefined;
  private readonly buf = Buffer.alloc(8192);

  constructor(private readonly pid: number) {
    try {
      this.fd = fs.openSync(`/proc/${pid}/status`, 'r');
    } catch {
      this.fd = undefined;
    }
  }

  read(): MemorySample | undefined {
    if (this.fd === undefined) return readMemory(this.pid);
    try {
      const n = fs.readSync(this.fd, this.buf, 0, this.buf.length, 0);
      return parseStatus(this.buf.toString('latin1', 0, n));
    } catch {
      return undefined; // the process has gone (ESRCH)
    }
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Environments the kernel refused a memory cgroup (process-wide, as one endpoint runs per process). */
const refused = new Set<string>();

/** One line on stderr naming the environment and the error; the watchdog still applies. */
export function memoryLimitFailed(envId: string, what: string, err: unknown): void {
  refused.add(envId);
  const why = err instanceof Error ? err.message : String(err);
  console.error(
    `[local-aws] lambda: memory cgroup not applied to environment ${envId}: ${what} failed (${why}); ` +
      'only the watchdog limits its memory',
  );
}

/** One line for status output: how function memory sizes are enforced on this machine. */
export function describeMemoryEnforcement(): string {
  const watchdog = fs.existsSync('/proc/self/status') ? "a watchdog on each runtime's resident set (/proc)" : undefined;
  const cgroup = cgroupSupport();
  const kernel = cgroup
    ? `a cgroup ${cgroup.kind} memory limit per environment` +
      (refused.size > 0 ? ` (not for all: refused for ${refused.size} environment(s))` : '')
    : undefined;
  const parts = [kernel, watchdog].filter(Boolean);
  if (parts.length === 0)
    return "Lambda memory sizes are not enforced here (no /proc, no usable cgroup); only V8's heap limit applies.";
  return `Lambda memory sizes are enforced by ${parts.join(' and ')}.`;
}

type CgroupKind = 'v1' | 'v2';

interface CgroupRoot {
  kind: CgroupKind;
  /** Folder under which this process may create groups. */
  dir: string;
}

let detected: CgroupRoot | null | undefined;

/** Where (if anywhere) this process can create memory-limited cgroups. Probed once. */
export function cgroupSupport(): CgroupRoot | null {
  if (detected !== undefined) return detected;
  detected = probe();
  return detected;
}

function probe(): CgroupRoot | null {
  if (process.platform !== 'linux') return null;
  let self: string;
  try {
    self = fs.readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return null;
  }
  // v1: "4:memory:/some/path"; v2: "0::/some/path".
  for (const line of self.split('\n')) {
    const [, controllers, rel] = line.split(':');
    if (rel === undefined || !controllers?.split(',').includes('memory')) continue;
    const dir = path.join('/sys/fs/cgroup/memory', rel);
    if (canCreateGroup(dir, 'memory.limit_in_bytes')) return { kind: 'v1', dir };
  }
  // v2: a group that delegates memory (made so if need be, see cgroups.ts), then a real probe.
  const base = cgroupV2Base();
  if (base?.controllers.has('memory') && canCreateGroup(base.dir, 'memory.max')) return { kind: 'v2', dir: base.dir };
  return null;
}

function canCreateGroup(dir: string, limitFile: string): boolean {
  const probeDir = path.join(dir, `local-aws-probe-${process.pid}`);
  try {
    fs.mkdirSync(probeDir);
  } catch {
    return false;
  }
  try {
    return fs.existsSync(path.join(probeDir, limitFile));
  } finally {
    try {
      fs.rmdirSync(probeDir);
    } catch {
      // leave it; an empty group costs nothing
    }
  }
}

/** Groups of this endpoint live under `local-aws-lambda-<pid>`; a crashed endpoint's leftovers are removed. */
function parentGroupName(pid: number): string {
  return `local-aws-lambda-${pid}`;
}

/** Removes a group and its (empty) children; a group that still has processes stays. */
export function removeEmptyGroup(dir: string): void {
  try {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) removeEmptyGroup(path.join(dir, entry.name));
    }
    fs.rmdirSync(dir);
  } catch {
    // still has processes, or already gone
  }
}

/** This endpoint's parent group under `rootDir` (made if missing), after sweeping those of dead endpoints. */
export function endpointGroup(rootDir: string): string {
  sweepStaleGroups(rootDir);
  const parent = path.join(rootDir, parentGroupName(process.pid));
  fs.mkdirSync(parent, { recursive: true });
  return parent;
}

/** An environment's group under `rootDir`. */
export function environmentGroupDir(rootDir: string, envId: string): string {
  return path.join(rootDir, parentGroupName(process.pid), envId);
}

/**
 * Removes an environment's group (its processes must have exited), and the endpoint's parent once its
 * last environment is gone.
 */
export function removeEnvironmentGroup(dir: string): void {
  removeEmptyGroup(dir);
  try {
    fs.rmdirSync(path.dirname(dir));
  } catch {
    // other environments still use it
  }
}

/** Moves a process (all its threads) into a cgroup; on refusal tells `failed` what and why. */
export function joinGroup(dir: string, pid: number, failed: (what: string, err: unknown) => void): boolean {
  try {
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
    return true;
  } catch (err) {
    failed(`moving its runtime (pid ${pid}) into ${dir}`, err);
    return false;
  }
}

const sweptDirs = new Set<string>();

/** Removes, once per cgroup folder, the groups of endpoints that are gone (crash, kill -9). */
function sweepStaleGroups(rootDir: string): void {
  if (sweptDirs.has(rootDir)) return;
  sweptDirs.add(rootDir);
  try {
    for (const name of fs.readdirSync(rootDir)) {
      const m = /^local-aws-lambda-(\d+)$/.exec(name);
      if (m && Number(m[1]) !== process.pid && !processAlive(Number(m[1]))) removeEmptyGroup(path.join(rootDir, name));
    }
  } catch {
    // best effort
  }
}

/** One environment's memory cgroup. */
export class MemoryCgroup {
  private constructor(
    readonly kind: CgroupKind,
    readonly dir: string,
  ) {}

  /** Creates a group limited to `limitBytes`, or returns undefined where cgroups are not available. */
  static create(envId: string, limitBytes: number): MemoryCgroup | undefined {
    const root = cgroupSupport();
    if (!root) return undefined;
    const dir = environmentGroupDir(root.dir, envId);
    try {
      const parent = endpointGroup(root.dir);
      if (root.kind === 'v2') {
        // The intermediate group must delegate memory to its children too.
        writeQuiet(path.join(parent, 'cgroup.subtree_control'), '+memory');
      }
      fs.mkdirSync(dir);
      if (root.kind === 'v1') {
        fs.writeFileSync(path.join(dir, 'memory.limit_in_bytes'), String(limitBytes));
        // No swap escape hatch; move what the child already charged when it joins.
        writeQuiet(path.join(dir, 'memory.memsw.limit_in_bytes'), String(limitBytes));
        writeQuiet(path.join(dir, 'memory.swappiness'), '0');
        writeQuiet(path.join(dir, 'memory.move_charge_at_immigrate'), '3');
      } else {
        fs.writeFileSync(path.join(dir, 'memory.max'), String(limitBytes));
        writeQuiet(path.join(dir, 'memory.swap.max'), '0');
      }
      return new MemoryCgroup(root.kind, dir);
    } catch (err) {
      memoryLimitFailed(envId, `creating its cgroup ${dir}`, err);
      removeEmptyGroup(dir);
      return undefined;
    }
  }

  /** Moves a process into the group. False (and logged) if the kernel refused. */
  attach(pid: number): boolean {
    return joinGroup(this.dir, pid, (what, err) => memoryLimitFailed(path.basename(this.dir), what, err));
  }

  /** Did the kernel's OOM killer act in this group? */
  oomKilled(): boolean {
    try {
      const file = this.kind === 'v1' ? 'memory.oom_control' : 'memory.events';
      const m = /oom_kill (\d+)/.exec(fs.readFileSync(path.join(this.dir, file), 'utf8'));
      if (m && Number(m[1]) > 0) return true;
      if (this.kind === 'v1') return Number(fs.readFileSync(path.join(this.dir, 'memory.failcnt'), 'utf8')) > 0;
    } catch {
      // group gone
    }
    return false;
  }

  /** Removes the group (its processes must have exited). */
  remove(): void {
    removeEnvironmentGroup(this.dir);
  }
}

function writeQuiet(file: string, value: string): void {
  try {
    fs.writeFileSync(file, value);
  } catch {
    // optional knob missing on this kernel
  }
}

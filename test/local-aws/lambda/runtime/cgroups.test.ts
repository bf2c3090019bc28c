// Where CPU and memory groups go under cgroup v2 (local-aws/lambda/runtime/cgroups.ts), against a fake
// cgroup2 tree in a temp folder that keeps the kernel's rules that matter here: a group offers the
// controllers its parent delegates, `+c` in cgroup.subtree_control needs `c` offered and (below the
// root) no processes in the group, and a process cannot join a group that delegates. This machine is
// cgroup v1, so the real v2 path is exercised only through this fake.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ownGroupDir,
  parseMountInfo,
  prepareV2Base,
  SERVER_LEAF,
  type CgroupFs,
  type Mount,
} from '../../../../local-aws/lambda/runtime/cgroups.ts';
import { tempDir } from '../../../support/local-aws.ts';

const PID = 4242;
const folders: string[] = [];
after(() => folders.forEach((f) => fs.rmSync(f, { recursive: true, force: true })));

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code} (fake cgroupfs)`), { code });
}

/** A cgroup2 hierarchy in a folder: each group a folder with the interface files the kernel has. */
class FakeCgroup2 implements CgroupFs {
  readonly root = tempDir('fake-cgroup2-');
  readonly writes: string[] = [];

  constructor(
    opts: { controllers?: string; realRoot?: boolean; readOnly?: string[] } = {},
    private readonly realRoot = opts.realRoot ?? true,
    private readonly readOnly = new Set((opts.readOnly ?? []).map((g) => this.dir(g))),
  ) {
    folders.push(this.root);
    this.files(this.root, opts.controllers ?? 'cpuset cpu io memory pids');
  }

  dir(group: string): string {
    return path.join(this.root, group);
  }

  private files(dir: string, controllers: string): void {
    fs.writeFileSync(path.join(dir, 'cgroup.controllers'), controllers);
    fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), '');
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), '');
  }

  /** Makes a group (and its parents) as the set-up of the host would have. */
  group(rel: string, opts: { delegates?: string; procs?: number[] } = {}): this {
    const dir = this.dir(rel);
    if (!fs.existsSync(dir)) {
      this.group(path.dirname(rel) === '.' ? '' : path.dirname(rel));
      if (dir !== this.root) {
        fs.mkdirSync(dir);
        this.files(dir, this.read(path.join(path.dirname(dir), 'cgroup.subtree_control')));
      }
    }
    if (opts.delegates !== undefined) fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), opts.delegates);
    for (const pid of opts.procs ?? []) this.move(dir, pid);
    return this;
  }

  list(rel: string, file: string): string[] {
    return this.read(path.join(this.dir(rel), file))
      .split(/\s+/)
      .filter(Boolean);
  }

  private move(dir: string, pid: number): void {
    for (const f of fs
      .readdirSync(this.root, { recursive: true, encoding: 'utf8' })
      .filter((x) => path.basename(x) === 'cgroup.procs')) {
      const file = path.join(this.root, f);
      fs.writeFileSync(
        file,
        this.read(file)
          .split(/\s+/)
          .filter((p) => p && p !== String(pid))
          .join('\n'),
      );
    }
    const file = path.join(dir, 'cgroup.procs');
    fs.writeFileSync(file, [...this.read(file).split(/\s+/).filter(Boolean), String(pid)].join('\n'));
  }

  read(file: string): string {
    return fs.readFileSync(file, 'utf8');
  }

  write(file: string, value: string): void {
    const dir = path.dirname(file);
    this.writes.push(`${path.relative(this.root, file) || '.'} < ${value}`);
    if (this.readOnly.has(dir)) throw errno('EACCES');
    const isRoot = dir === this.root && this.realRoot;
    const name = path.basename(file);
    if (name === 'cgroup.subtree_control') {
      const offered = this.list(path.relative(this.root, dir), 'cgroup.controllers');
      const on = new Set(this.list(path.relative(this.root, dir), 'cgroup.subtree_control'));
      for (const token of value.split(/\s+/).filter(Boolean)) {
        const c = token.slice(1);
        if (!offered.includes(c)) throw errno('ENOENT');
        if (token[0] === '+') {
          if (!isRoot && this.read(path.join(dir, 'cgroup.procs')).trim() !== '') throw errno('EBUSY');
          on.add(c);
        } else on.delete(c);
      }
      fs.writeFileSync(file, [...on].join(' '));
      return;
    }
    if (name === 'cgroup.procs') {
      if (!isRoot && this.read(path.join(dir, 'cgroup.subtree_control')).trim() !== '') throw errno('EBUSY');
      this.move(dir, Number(value));
      return;
    }
    fs.writeFileSync(file, value);
  }

  mkdir(dir: string): boolean {
    if (this.readOnly.has(path.dirname(dir))) throw errno('EACCES');
    if (fs.existsSync(dir)) return false;
    fs.mkdirSync(dir);
    this.files(dir, this.read(path.join(path.dirname(dir), 'cgroup.subtree_control')));
    return true;
  }

  rmdir(dir: string): void {
    if (this.read(path.join(dir, 'cgroup.procs')).trim() !== '') throw errno('EBUSY');
    fs.rmSync(dir, { recursive: true });
  }

  /** Input for prepareV2Base: this process in `rel`, the hierarchy mounted at the folder. */
  input(rel: string, mountRoot = '/'): { procSelfCgroup: string; mounts: Mount[]; pid: number } {
    return {
      procSelfCgroup: `0::${rel}\n`,
      mounts: [
        { root: '/', point: '/proc', fstype: 'proc', superOptions: ['rw'] },
        { root: mountRoot, point: this.root, fstype: 'cgroup2', superOptions: ['rw', 'nsdelegate'] },
      ],
      pid: PID,
    };
  }
}

describe('cgroup v2: where environment groups go', () => {
  it('uses its own group when that already delegates cpu and memory, moving nothing', () => {
    const t = new FakeCgroup2()
      .group('', { delegates: 'cpu memory' })
      .group('system.slice', { delegates: 'cpu memory' })
      .group('system.slice/local-aws.service', { delegates: 'cpu memory' });
    const base = prepareV2Base(t, t.input('/system.slice/local-aws.service'));
    assert.deepEqual(base && { ...base, controllers: [...base.controllers] }, {
      dir: t.dir('system.slice/local-aws.service'),
      controllers: ['cpu', 'memory'],
      how: 'delegated',
    });
    assert.deepEqual(t.writes, []);
  });

  it(
    'systemd session: moves itself into a leaf, enables +cpu ' + '+memory in its own group, groups go beside the leaf',
    () => {
      const t = new FakeCgroup2()
        .group('', { delegates: 'cpu memory pids' })
        .group('user.slice', { delegates: 'cpu memory pids' })
        .group('user.slice/session-3.scope', { procs: [PID] });
      const base = prepareV2Base(t, t.input('/user.slice/session-3.scope'))!;
      const own = t.dir('user.slice/session-3.scope');
      assert.equal(base.dir, own);
      assert.equal(base.how, 'leaf');
      assert.equal(base.leaf, path.join(own, SERVER_LEAF));
      assert.deepEqual([...base.controllers].sort(), ['cpu', 'memory']);
      assert.deepEqual(t.list(`user.slice/session-3.scope/${SERVER_LEAF}`, 'cgroup.procs'), [String(PID)]);
      assert.deepEqual(t.list('user.slice/session-3.scope', 'cgroup.procs'), []);
      assert.deepEqual(t.list('user.slice/session-3.scope', 'cgroup.subtree_control').sort(), ['cpu', 'memory']);
      // Enabling in place is refused (EBUSY: we live there); then the order the kernel needs: move, enable.
      assert.deepEqual(t.writes, [
        'user.slice/session-3.scope/cgroup.subtree_control < +cpu',
        'user.slice/session-3.scope/cgroup.subtree_control < +memory',
        `user.slice/session-3.scope/${SERVER_LEAF}/cgroup.procs < ${PID}`,
        'user.slice/session-3.scope/cgroup.subtree_control < +cpu',
        'user.slice/session-3.scope/cgroup.subtree_control < +memory',
      ]);
      // An environment's group beside the leaf now offers both controllers.
      assert.equal(t.mkdir(path.join(own, 'local-aws-lambda-1')), true);
      assert.deepEqual(t.list('user.slice/session-3.scope/local-aws-lambda-1', 'cgroup.controllers').sort(), [
        'cpu',
        'memory',
      ]);
    },
  );

  it('container with its own cgroup namespace: the mount root is its group, and it too gets the leaf', () => {
    const t = new FakeCgroup2({ controllers: 'cpu memory pids', realRoot: false }).group('', { procs: [PID] });
    const base = prepareV2Base(t, t.input('/'))!;
    assert.equal(base.dir, t.root);
    assert.equal(base.how, 'leaf');
    assert.deepEqual(t.list(SERVER_LEAF, 'cgroup.procs'), [String(PID)]);
    assert.deepEqual(t.list('', 'cgroup.subtree_control').sort(), ['cpu', 'memory']);
  });

  it(
    'other processes in its group: puts itself back, removes ' + 'the leaf, and falls back to the writable mount root',
    () => {
      const t = new FakeCgroup2()
        .group('', { delegates: 'cpu memory' })
        .group('user.slice', { delegates: 'cpu memory' })
        .group('user.slice/session-3.scope', { procs: [1, PID] });
      const base = prepareV2Base(t, t.input('/user.slice/session-3.scope'))!;
      assert.deepEqual(t.list('user.slice/session-3.scope', 'cgroup.procs').sort(), ['1', String(PID)]);
      assert.equal(fs.existsSync(t.dir(`user.slice/session-3.scope/${SERVER_LEAF}`)), false);
      assert.deepEqual(t.list('user.slice/session-3.scope', 'cgroup.subtree_control'), []);
      assert.equal(base.how, 'mount-root');
      assert.equal(base.dir, t.root);
      assert.deepEqual([...base.controllers].sort(), ['cpu', 'memory']);
    },
  );

  it(
    'the mount root enables what it offers when nothing below ' + 'delegates (root is exempt from the no-process rule)',
    () => {
      const t = new FakeCgroup2({ controllers: 'cpu memory' })
        .group('', { procs: [1] })
        .group('init.scope', { procs: [PID] });
      // init.scope is offered nothing (the root delegates nothing yet): only the root can help.
      const base = prepareV2Base(t, t.input('/init.scope'))!;
      assert.equal(base.how, 'mount-root');
      assert.deepEqual(t.list('', 'cgroup.subtree_control').sort(), ['cpu', 'memory']);
      assert.deepEqual(t.list('init.scope', 'cgroup.procs'), [String(PID)]);
    },
  );

  it('gives up, changing nothing, where it may not write (a non-root user) or no controller is offered', () => {
    const t = new FakeCgroup2({ readOnly: ['', 'user.slice', 'user.slice/user@1000.service'] })
      .group('', { delegates: 'cpu memory' })
      .group('user.slice', { delegates: 'cpu memory' })
      .group('user.slice/user@1000.service', { procs: [PID] });
    assert.equal(prepareV2Base(t, t.input('/user.slice/user@1000.service')), null);
    assert.deepEqual(t.list('user.slice/user@1000.service', 'cgroup.procs'), [String(PID)]);
    assert.equal(fs.existsSync(t.dir(`user.slice/user@1000.service/${SERVER_LEAF}`)), false);
    assert.deepEqual(t.list('user.slice/user@1000.service', 'cgroup.subtree_control'), []);

    // A hybrid host (this one): the unified hierarchy offers no controller, they are all v1's.
    const hybrid = new FakeCgroup2({ controllers: '' }).group('', { procs: [PID] });
    assert.equal(prepareV2Base(hybrid, hybrid.input('/')), null);
    assert.deepEqual(hybrid.writes, []);
  });

  it('needs a v2 line in /proc/self/cgroup and a cgroup2 mount', () => {
    const t = new FakeCgroup2().group('', { delegates: 'cpu memory' });
    assert.equal(prepareV2Base(t, { ...t.input('/'), procSelfCgroup: '4:memory:/\n1:cpu:/\n' }), null);
    assert.equal(prepareV2Base(t, { ...t.input('/'), mounts: [] }), null);
  });
});

describe('mountinfo', () => {
  it('parses cgroup mounts (escaped paths too) and finds the own group under a mount whose root is not /', () => {
    const text = [
      '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
      '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
      '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate',
      '50 23 0:40 /docker/abc /mnt/my\\040cgroup rw - cgroup2 cgroup2 rw',
      'garbage',
    ].join('\n');
    const m = parseMountInfo(text);
    assert.deepEqual(
      m.map((x) => [x.point, x.fstype, x.superOptions.at(-1)]),
      [
        ['/sys/fs/cgroup', 'tmpfs', 'mode=755'],
        ['/sys/fs/cgroup/cpu', 'cgroup', 'cpu'],
        ['/sys/fs/cgroup/unified', 'cgroup2', 'nsdelegate'],
        ['/mnt/my cgroup', 'cgroup2', 'rw'],
      ],
    );
    assert.equal(ownGroupDir(m[3]!, '/docker/abc/sub'), '/mnt/my cgroup/sub');
    assert.equal(ownGroupDir(m[2]!, '/user.slice'), '/sys/fs/cgroup/unified/user.slice');
  });
});

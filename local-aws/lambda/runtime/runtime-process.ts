// The Node.js child process of one execution environment: spawned in its own process group (and
// memory cgroup where available), its output read line by line, its memory watched, killed as a
// group so nothing it started outlives it.
import { spawn, type ChildProcess } from 'node:child_process';
import { CpuCgroup } from './cpu.ts';
import { MemoryCgroup, MemoryReader } from './memory.ts';
import type { ExitInfo } from './outcome.ts';
import { LineReader } from './output.ts';

/** How often the memory watchdog samples the child while it works. */
const WATCHDOG_MS = 25;
/** How long to wait for output still in the pipes once a phase ended. */
const DRAIN_MS = 1_000;

export type KillReason = 'timeout' | 'oom' | 'stop';

export interface RuntimeProcessOptions {
  /** argv after the node binary. */
  args: string[];
  cwd: string;
  env: Record<string, string>;
  memorySizeMb: number;
  /** Name of the memory (and CPU) cgroup to create for it. */
  groupName: string;
  /** Give it a CPU cgroup whose share follows its memory, where the OS allows. */
  cpuLimits: boolean;
  onLine(line: string): void;
  onExit(exit: ExitInfo): void;
}

/** Process groups of live runtimes: killed if the endpoint exits without stopping them. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function track(pid: number): void {
  liveGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const group of liveGroups) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export class RuntimeProcess {
  exit: ExitInfo | undefined;
  killReason: KillReason | undefined;
  /** Peak resident set seen (VmHWM), kB. */
  peakKb = 0;
  private readonly limitKb: number;
  private readers: LineReader[] = [];
  private closed: Promise<void>;
  private watchdog: NodeJS.Timeout | undefined;
  private memory: MemoryReader | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly cgroup: MemoryCgroup | undefined,
    private readonly cpu: CpuCgroup | undefined,
    private readonly opts: RuntimeProcessOptions,
  ) {
    this.limitKb = opts.memorySizeMb * 1024;
    let closedResolve!: () => void;
    this.closed = new Promise((resolve) => (closedResolve = resolve));
    child.on('close', () => closedResolve());
    child.on('exit', (code, signal) => this.exited({ code, signal }));
    this.readers = [new LineReader(child.stdout!, opts.onLine), new LineReader(child.stderr!, opts.onLine)];
  }

  /** Spawns this machine's node (every nodejs* runtime runs on it); rejects if it cannot start. */
  static async start(opts: RuntimeProcessOptions): Promise<RuntimeProcess> {
    const cgroup = MemoryCgroup.create(opts.groupName, opts.memorySizeMb * 1024 * 1024);
    // After the memory group: in cgroup v2 both are the same folder.
    const cpu = opts.cpuLimits ? CpuCgroup.create(opts.groupName, opts.memorySizeMb) : undefined;
    const child = spawn(process.execPath, opts.args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so stopping it also stops whatever the handler spawned.
      detached: true,
    });
    if (child.pid !== undefined) {
      // A refusal is logged (naming the environment) and shows in the health route; the runtime still runs.
      cgroup?.attach(child.pid);
      cpu?.attach(child.pid);
      track(child.pid);
    }
    const proc = new RuntimeProcess(child, cgroup, cpu, opts);
    await new Promise<void>((resolve, reject) => {
      let spawned = false;
      child.once('spawn', () => {
        spawned = true;
        resolve();
      });
      // Later errors (a kill that failed) are harmless: the exit event tells the rest.
      child.on('error', (e) => {
        if (spawned) return;
        proc.exited({ code: null, signal: null });
        cgroup?.remove();
        cpu?.remove();
        reject(e);
      });
    });
    return proc;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private exited(exit: ExitInfo): void {
    if (this.exit) return;
    this.exit = exit;
    this.stopWatchdog();
    this.memory?.close();
    this.memory = undefined;
    if (this.child.pid !== undefined) liveGroups.delete(this.child.pid);
    this.opts.onExit(exit);
  }

  /** SIGKILL to the whole process group; the first reason decides what the invocation reports. */
  kill(reason: KillReason): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    if (!this.exit) this.killReason ??= reason;
    // Also after the runtime itself exited: whatever it spawned may still run in its group.
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      if (!this.exit) this.child.kill('SIGKILL');
    }
  }

  /** Samples VmRSS/VmHWM; a resident set over the memory size ends the process. */
  sample(): void {
    const pid = this.child.pid;
    if (pid === undefined || this.exit) return;
    this.memory ??= new MemoryReader(pid);
    const m = this.memory.read();
    if (!m) return;
    this.peakKb = Math.max(this.peakKb, m.hwmKb);
    if (m.rssKb > this.limitKb) this.kill('oom');
  }

  /** Did it use more than its memory size at some point (even between two samples)? */
  get overLimit(): boolean {
    return this.peakKb > this.limitKb;
  }

  /** Did the kernel kill it for memory (cgroup OOM killer), rather than us? */
  get oomKilledByKernel(): boolean {
    return this.exit?.signal === 'SIGKILL' && this.killReason === undefined && this.cgroup?.oomKilled() === true;
  }

  startWatchdog(): void {
    this.sample();
    this.watchdog ??= setInterval(() => this.sample(), WATCHDOG_MS);
  }

  stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  /** Both pipes delivered their flush marker for `key` (or a second passed). */
  async drain(key: string): Promise<void> {
    await withDeadline(Promise.all(this.readers.map((r) => r.waitMark(key))));
  }

  /** The process has gone: wait for its pipes to close so its last lines are in. */
  async drainClosed(): Promise<void> {
    await withDeadline(this.closed);
  }

  /** INIT is over: from now on the CPU share its memory buys (no-op where not enforced; a refusal is logged). */
  limitCpu(): void {
    this.cpu?.limit();
  }

  /** After exit: removes its cgroups. */
  release(): void {
    this.cgroup?.remove();
    this.cpu?.remove();
  }
}

async function withDeadline(p: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_MS)))]);
  clearTimeout(timer);
}

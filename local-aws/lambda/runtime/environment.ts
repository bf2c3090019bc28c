// One execution environment: a Node.js child process running our runtime interface client
// (bootstrap.mjs), fed through its own Runtime API server. It starts (INIT) when its first
// invocation needs it, then serves one invocation at a time while it stays warm. The timeout and
// the memory limit end the whole environment, as on AWS.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Backend } from '../../backend.ts';
import type { Session } from '../../sts/store.ts';
import { sessionCaller } from '../../sts/store.ts';
import type { FunctionSpec, InvokeRequest, InvokeResult } from './contract.ts';
import { environmentVariables, nodeMemoryFlags } from './env-vars.ts';
import { LogSink } from './log-sink.ts';
import { MemoryCgroup, readMemory } from './memory.ts';
import * as out from './outcome.ts';
import { LineReader } from './output.ts';
import * as lines from './platform-lines.ts';
import { RuntimeApi, type PostResult } from './runtime-api.ts';
import { clientContextHeader, logStreamName, newTraceId, runtimeVersion } from './naming.ts';

/** AWS gives INIT 10 s; a slower init goes on inside the first invocation's own timeout. */
const INIT_GRACE_MS = 10_000;
/** How often the memory watchdog samples the child while it works. */
const WATCHDOG_MS = 25;
/** How long to wait for output still in the pipes once a phase ended. */
const DRAIN_MS = 1_000;

export interface EnvironmentContext {
  backend: Backend;
  bootstrapPath: string;
  runtimeDir: string;
  envsDir: string;
  endpointUrl: string;
  /** Called once when the child process has gone (crash, kill, stop). */
  onExit(env: Environment): void;
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

interface Current {
  requestId: string;
  outcome?: out.Outcome;
}

export class Environment {
  readonly id = randomBytes(16).toString('hex');
  readonly logStreamName: string;
  readonly dir: string;
  leased = false;
  idleTimer: NodeJS.Timeout | undefined;
  private readonly api: RuntimeApi;
  private sink!: LogSink;
  private child: ChildProcess | undefined;
  private cgroup: MemoryCgroup | undefined;
  private started = false;
  private exit: out.ExitInfo | undefined;
  private closed: Promise<void> = Promise.resolve();
  private killReason: 'timeout' | 'oom' | 'stop' | undefined;
  private initFailure: out.Outcome | undefined;
  private current: Current | undefined;
  /** Lines of the phase in progress (init or one invocation), for InvokeResult.logLines. */
  private collecting: string[] | undefined;
  private readers: LineReader[] = [];
  private wakers: Array<() => void> = [];
  private watchdog: NodeJS.Timeout | undefined;
  private peakKb = 0;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly spec: FunctionSpec,
    readonly session: Session,
    private readonly ctx: EnvironmentContext,
  ) {
    this.logStreamName = logStreamName(this.id);
    this.dir = path.join(ctx.envsDir, this.id);
    this.api = new RuntimeApi({
      onNext: () => this.wake(),
      onResult: (kind, id, body, type, tooLarge) => this.onResult(kind, id, body, type, tooLarge),
      onInitError: (body, type) => {
        this.initFailure ??= out.initError(body, type);
        this.wake();
      },
    });
  }

  get alive(): boolean {
    return this.exit === undefined && this.stopping === undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Credentials expire: an environment is not reused in its session's last 5 minutes. */
  get credentialsFresh(): boolean {
    return Date.parse(this.session.expiration) - Date.now() > 5 * 60_000;
  }

  /** Runs one invocation: INIT first on a cold start. 'undelivered' when a warm environment died before taking the event. */
  async run(req: InvokeRequest): Promise<InvokeResult | 'undelivered'> {
    let initDurationMs: number | undefined;
    if (!this.started) {
      const init = await this.init(req.requestId);
      initDurationMs = init.durationMs;
      if (init.failure) return this.finishInitFailure(req, init.failure, init.durationMs);
    } else {
      // Normally the runtime is already back in `next`; one that never comes back is replaced.
      const timer = setTimeout(() => this.kill('stop'), this.spec.timeout * 1000);
      await this.until(() => this.api.waiting || !this.alive);
      clearTimeout(timer);
      if (!this.api.waiting || !this.alive) return 'undelivered';
    }
    return this.invoke(req, initDurationMs);
  }

  /** Spawns the runtime and waits until it asks for its first event (or fails). */
  private async init(requestId: string): Promise<{ durationMs: number; failure?: out.Outcome }> {
    this.started = true;
    const { backend } = this.ctx;
    this.sink = new LogSink(backend, this.spec.region, this.spec.logGroup, this.logStreamName, sessionCaller(this.session));
    this.collecting = [];
    const [version, versionArn] = runtimeVersion(this.spec.region);
    this.log(lines.initStartLine(this.spec.logFormat, version, versionArn));
    const began = performance.now();
    try {
      await this.spawn();
    } catch (e) {
      return { durationMs: performance.now() - began, failure: { kind: 'platform', errorType: 'Runtime.ExitError', errorMessage: `Error: ${(e as Error).message}`, status: 'error' } };
    }
    this.startWatchdog();
    const graceTimer = setTimeout(() => this.kill('timeout'), INIT_GRACE_MS + this.spec.timeout * 1000);
    await this.until(() => this.api.waiting || this.initFailure !== undefined || this.exit !== undefined);
    clearTimeout(graceTimer);
    const durationMs = performance.now() - began;
    this.stopWatchdog();
    if (this.api.waiting && this.alive && !this.initFailure) {
      // Lines printed during INIT go before the first START.
      await this.drain('init');
      this.collecting = undefined;
      return { durationMs };
    }
    return { durationMs, failure: await this.deathOrInitError(requestId) };
  }

  private async spawn(): Promise<void> {
    const { spec } = this;
    const tmpDir = path.join(this.dir, 'tmp');
    fs.mkdirSync(tmpDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(this.dir, '.owner'), String(process.pid));
    await this.api.listen();
    const env = environmentVariables({
      spec,
      session: this.session,
      logStreamName: this.logStreamName,
      runtimeApi: `127.0.0.1:${this.api.port}`,
      runtimeDir: this.ctx.runtimeDir,
      tmpDir,
      endpointUrl: this.ctx.endpointUrl,
    });
    this.cgroup = MemoryCgroup.create(this.id, spec.memorySize * 1024 * 1024);
    // Every nodejs* runtime runs on this machine's Node.js (process.execPath).
    const child = spawn(process.execPath, [...nodeMemoryFlags(spec.memorySize), this.ctx.bootstrapPath], {
      cwd: spec.codeDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so stopping it also stops whatever the handler spawned.
      detached: true,
    });
    this.child = child;
    if (child.pid !== undefined) {
      this.cgroup?.attach(child.pid);
      track(child.pid);
    }
    let closedResolve!: () => void;
    this.closed = new Promise((resolve) => (closedResolve = resolve));
    const onLine = (line: string) => {
      if (line.length > 0) this.log(line);
    };
    this.readers = [new LineReader(child.stdout!, onLine), new LineReader(child.stderr!, onLine)];
    child.on('exit', (code, signal) => this.onChildExit({ code, signal }));
    child.on('close', () => closedResolve());
    await new Promise<void>((resolve, reject) => {
      let spawned = false;
      child.once('spawn', () => {
        spawned = true;
        resolve();
      });
      // Later errors (a kill that failed) are harmless: the exit event tells the rest.
      child.on('error', (e) => {
        if (spawned) return;
        this.onChildExit({ code: null, signal: null });
        closedResolve();
        reject(e);
      });
    });
  }

  private async invoke(req: InvokeRequest, initDurationMs: number | undefined): Promise<InvokeResult> {
    const { spec } = this;
    const requestId = req.requestId;
    const collected: string[] = [];
    this.collecting = collected;
    this.log(lines.startLine(spec.logFormat, requestId));
    const current: Current = { requestId };
    this.current = current;
    const began = performance.now();
    this.api.deliver({
      requestId,
      payload: req.payload.length > 0 ? req.payload : Buffer.from('{}'),
      deadlineMs: Date.now() + spec.timeout * 1000,
      invokedFunctionArn: req.invokedFunctionArn,
      traceId: req.traceId || newTraceId(),
      clientContext: req.clientContext ? clientContextHeader(req.clientContext) : undefined,
    });
    this.startWatchdog();
    const timer = setTimeout(() => this.kill('timeout'), spec.timeout * 1000);
    await this.until(() => current.outcome !== undefined || this.exit !== undefined);
    let durationMs = performance.now() - began;
    clearTimeout(timer);
    this.stopWatchdog();

    let outcome: out.Outcome;
    if (current.outcome) {
      outcome = current.outcome;
      this.sample();
      // A peak past the limit between two samples still ends the environment, as the kernel would have.
      if (this.alive && this.peakKb > spec.memorySize * 1024) {
        this.kill('oom');
        outcome = out.outOfMemory(requestId);
      }
      await this.drain(requestId);
    } else {
      outcome = await this.deathOrInitError(requestId);
      if (this.killReason === 'timeout') durationMs = spec.timeout * 1000;
    }
    this.current = undefined;

    const failed = outcome.kind === 'platform' ? outcome : undefined;
    if (failed?.status === 'timeout') this.log(lines.timeoutLine(requestId, spec.timeout));
    if (spec.logFormat === 'Text') this.log(lines.endLine(requestId));
    const maxMemoryUsedMb = failed?.errorType === 'Runtime.OutOfMemory' ? spec.memorySize : Math.round(this.peakKb / 1024);
    const billedDurationMs = lines.billed(durationMs);
    this.log(
      lines.reportLine(spec.logFormat, {
        requestId,
        durationMs,
        billedDurationMs,
        memorySizeMb: spec.memorySize,
        maxMemoryUsedMb,
        initDurationMs,
        status: failed?.status,
        errorType: failed && failed.status === 'error' ? failed.errorType : undefined,
      }),
    );
    if (failed && failed.status === 'error' && failed.errorType !== 'Function.ResponseSizeTooLarge')
      this.log(`${failed.errorMessage}\n${failed.errorType}`);
    this.collecting = undefined;
    await this.sink.flush();
    return this.result(requestId, outcome, collected, durationMs, billedDurationMs, maxMemoryUsedMb, initDurationMs);
  }

  private async finishInitFailure(req: InvokeRequest, failure: out.Outcome, initDurationMs: number): Promise<InvokeResult> {
    const { spec } = this;
    const requestId = req.requestId;
    const collected = this.collecting ?? [];
    const errorType = failure.kind === 'platform' ? failure.errorType : 'Runtime.Unknown';
    const status = failure.kind === 'platform' ? failure.status : 'error';
    if (spec.logFormat === 'Text')
      this.log(`INIT_REPORT Init Duration: ${initDurationMs.toFixed(2)} ms\tPhase: init\tStatus: ${status}\tError Type: ${errorType}`);
    this.log(lines.startLine(spec.logFormat, requestId));
    if (status === 'timeout') this.log(lines.timeoutLine(requestId, spec.timeout));
    if (spec.logFormat === 'Text') this.log(lines.endLine(requestId));
    const durationMs = initDurationMs;
    const billedDurationMs = lines.billed(durationMs);
    const maxMemoryUsedMb = errorType === 'Runtime.OutOfMemory' ? spec.memorySize : Math.round(this.peakKb / 1024);
    this.log(
      lines.reportLine(spec.logFormat, {
        requestId,
        durationMs,
        billedDurationMs,
        memorySizeMb: spec.memorySize,
        maxMemoryUsedMb,
        initDurationMs,
        status,
        errorType: status === 'error' ? errorType : undefined,
      }),
    );
    this.collecting = undefined;
    await this.sink.flush();
    // A failed INIT leaves nothing to reuse.
    if (this.alive) this.kill('stop');
    return this.result(requestId, failure, collected, durationMs, billedDurationMs, maxMemoryUsedMb, initDurationMs);
  }

  private result(
    requestId: string,
    outcome: out.Outcome,
    logLines: string[],
    durationMs: number,
    billedDurationMs: number,
    maxMemoryUsedMb: number,
    initDurationMs: number | undefined,
  ): InvokeResult {
    const base = { requestId, logLines, durationMs, billedDurationMs, maxMemoryUsedMb, initDurationMs, logStreamName: this.logStreamName };
    switch (outcome.kind) {
      case 'response':
        return { ...base, payload: outcome.body };
      case 'error':
        return { ...base, payload: outcome.body, functionError: 'Unhandled', errorType: outcome.errorType };
      case 'platform':
        return { ...base, payload: out.platformPayload(outcome), functionError: 'Unhandled', errorType: outcome.errorType };
    }
  }

  /** Why the runtime is gone (or said its init failed); waits for its last output first. */
  private async deathOrInitError(requestId: string): Promise<out.Outcome> {
    if (this.initFailure && this.killReason === undefined) {
      await this.drain('init');
      return this.initFailure;
    }
    await this.drainClosed();
    if (this.killReason === 'timeout') return out.timedOut(requestId, this.spec.timeout);
    const exit = this.exit ?? { code: null, signal: 'SIGKILL' };
    if (this.killReason === 'oom' || (exit.signal === 'SIGKILL' && this.killReason === undefined && this.cgroup?.oomKilled()))
      return out.outOfMemory(requestId);
    if (this.initFailure) return this.initFailure;
    return out.runtimeExited(requestId, exit);
  }

  private onResult(kind: 'response' | 'error', requestId: string, body: Buffer, errorType: string | undefined, tooLarge: boolean): PostResult {
    const current = this.current;
    if (!current || current.requestId !== requestId) return 'unknown-id';
    if (current.outcome) return 'already-reported';
    if (tooLarge) current.outcome = out.responseTooLarge();
    else if (kind === 'response') current.outcome = { kind: 'response', body };
    else current.outcome = { kind: 'error', body, errorType: out.postedErrorType(body, errorType) };
    this.wake();
    return 'accepted';
  }

  private onChildExit(exit: out.ExitInfo): void {
    if (this.exit) return;
    this.exit = exit;
    if (this.child?.pid !== undefined) liveGroups.delete(this.child.pid);
    this.stopWatchdog();
    this.wake();
    this.ctx.onExit(this);
  }

  /** Both pipes delivered their flush marker for `key` (or gave up waiting). */
  private async drain(key: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.readers.map((r) => r.waitMark(key))),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_MS))),
    ]);
    clearTimeout(timer);
  }

  /** The process has gone: wait for the pipes to close so its last lines are in. */
  private async drainClosed(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_MS)))]);
    clearTimeout(timer);
  }

  private log(message: string): void {
    this.sink.add(message);
    this.collecting?.push(message);
  }

  private sample(): void {
    const pid = this.child?.pid;
    if (pid === undefined || this.exit) return;
    const m = readMemory(pid);
    if (!m) return;
    this.peakKb = Math.max(this.peakKb, m.hwmKb);
    if (m.rssKb > this.spec.memorySize * 1024) this.kill('oom');
  }

  private startWatchdog(): void {
    this.sample();
    this.watchdog ??= setInterval(() => this.sample(), WATCHDOG_MS);
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  /** SIGKILL to the runtime's whole process group; `reason` decides what the invocation reports. */
  private kill(reason: 'timeout' | 'oom' | 'stop'): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    if (!this.exit) this.killReason ??= reason;
    // Also after the runtime itself exited: whatever it spawned may still run in its group.
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      if (!this.exit) this.child?.kill('SIGKILL');
    }
  }

  /** Stops the process, its Runtime API server, its cgroup and its temp folder. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.kill('stop');
      this.wake();
      await this.drainClosed();
      await this.api.close();
      await this.sink?.flush();
      this.cgroup?.remove();
      fs.rmSync(this.dir, { recursive: true, force: true });
    })();
    return this.stopping;
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const w of wakers) w();
  }

  private async until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise<void>((resolve) => this.wakers.push(resolve));
  }
}

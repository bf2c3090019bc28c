// One execution environment: a Node.js child process running our runtime interface client
// (bootstrap.mjs), fed through its own Runtime API server. It starts (INIT) when its first
// invocation needs it, then serves one invocation at a time while it stays warm. The timeout and
// the memory limit end the whole environment, as on AWS.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineServices, FunctionSpec, InvokeRequest, InvokeResult, RoleSession } from './contract.ts';
import { environmentVariables, nodeMemoryFlags } from './env-vars.ts';
import { LogSink } from './log-sink.ts';
import { clientContextHeader, logStreamName, newTraceId, runtimeVersion } from './naming.ts';
import * as out from './outcome.ts';
import * as lines from './platform-lines.ts';
import { RuntimeApi, type PostResult } from './runtime-api.ts';
import { RuntimeProcess, type KillReason } from './runtime-process.ts';

/** AWS gives INIT 10 s; a slower init goes on inside the first invocation's own timeout. */
const INIT_GRACE_MS = 10_000;

export interface EnvironmentContext {
  services: EngineServices;
  /** LocalAwsConfig.lambdaCpuLimits */
  cpuLimits: boolean;
  bootstrapPath: string;
  runtimeDir: string;
  envsDir: string;
  endpointUrl: string;
  /** Called once when the child process has gone (crash, kill, stop). */
  onExit(env: Environment): void;
}

interface Current {
  requestId: string;
  outcome?: out.Outcome;
}

interface Timing {
  durationMs: number;
  initDurationMs?: number;
}

export class Environment {
  readonly id = randomBytes(16).toString('hex');
  readonly logStreamName: string;
  readonly dir: string;
  leased = false;
  idleTimer: NodeJS.Timeout | undefined;
  private readonly api: RuntimeApi;
  private sink!: LogSink;
  private proc: RuntimeProcess | undefined;
  private started = false;
  private initFailure: out.Outcome | undefined;
  private current: Current | undefined;
  /** Lines of the phase in progress (init or one invocation), for InvokeResult.logLines. */
  private collecting: string[] | undefined;
  private wakers: Array<() => void> = [];
  private stopping: Promise<void> | undefined;

  constructor(
    readonly spec: FunctionSpec,
    readonly session: RoleSession,
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
    return this.proc?.exit === undefined && this.stopping === undefined;
  }

  /** Credentials expire: an environment is not reused in its session's last 5 minutes. */
  get credentialsFresh(): boolean {
    return Date.parse(this.session.expiration) - Date.now() > 5 * 60_000;
  }

  /**
   * Runs one invocation: INIT first on a cold start. 'undelivered' when the environment died before
   * taking the event.
   */
  async run(req: InvokeRequest): Promise<InvokeResult | 'undelivered'> {
    // Stopped (engine closing) between being leased and being used.
    if (this.stopping) return 'undelivered';
    let initDurationMs: number | undefined;
    if (!this.started) {
      const init = await this.init(req.requestId);
      initDurationMs = init.durationMs;
      if (init.failure && this.stopping) return 'undelivered';
      if (init.failure) return this.finishInitFailure(req.requestId, init.failure, init.durationMs);
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
    this.sink = new LogSink(this.ctx.services, this.spec.region, this.spec.logGroup, this.logStreamName, this.session);
    this.collecting = [];
    const [version, versionArn] = runtimeVersion(this.spec.region);
    this.platformInfo(lines.initStartLine(this.spec.logFormat, version, versionArn));
    const began = performance.now();
    let proc: RuntimeProcess;
    try {
      proc = await this.spawn();
    } catch (e) {
      const failure: out.Outcome = {
        kind: 'platform',
        errorType: 'Runtime.ExitError',
        errorMessage: `Error: ${(e as Error).message}`,
        status: 'error',
      };
      return { durationMs: performance.now() - began, failure };
    }
    proc.startWatchdog();
    const graceTimer = setTimeout(() => proc.kill('timeout'), INIT_GRACE_MS + this.spec.timeout * 1000);
    await this.until(() => this.api.waiting || this.initFailure !== undefined || proc.exit !== undefined);
    clearTimeout(graceTimer);
    const durationMs = performance.now() - began;
    proc.stopWatchdog();
    if (this.api.waiting && this.alive && !this.initFailure) {
      // INIT ran with a CPU burst; invocations get the share the memory size buys.
      proc.limitCpu();
      // Lines printed during INIT go before the first START.
      await proc.drain('init');
      this.collecting = undefined;
      return { durationMs };
    }
    return { durationMs, failure: await this.failure(requestId) };
  }

  private async spawn(): Promise<RuntimeProcess> {
    const { spec } = this;
    const tmpDir = path.join(this.dir, 'tmp');
    fs.mkdirSync(tmpDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(this.dir, '.owner'), String(process.pid));
    await this.api.listen();
    if (this.stopping) {
      await this.api.close();
      throw new Error('The environment was stopped while starting.');
    }
    const env = environmentVariables({
      spec,
      session: this.session,
      logStreamName: this.logStreamName,
      runtimeApi: `127.0.0.1:${this.api.port}`,
      runtimeDir: this.ctx.runtimeDir,
      tmpDir,
      endpointUrl: this.ctx.endpointUrl,
    });
    const start = RuntimeProcess.start({
      // The layer folder is passed to bootstrap.mjs (not in the environment: AWS has no such variable).
      args: [...nodeMemoryFlags(spec.memorySize), this.ctx.bootstrapPath, ...(spec.optDir ? [spec.optDir] : [])],
      cwd: spec.codeDir,
      env,
      memorySizeMb: spec.memorySize,
      groupName: this.id,
      cpuLimits: this.ctx.cpuLimits,
      onLine: (line) => {
        if (line.length > 0) this.log(line);
      },
      onExit: () => {
        this.wake();
        this.ctx.onExit(this);
      },
    });
    this.proc = await start;
    return this.proc;
  }

  private async invoke(req: InvokeRequest, initDurationMs: number | undefined): Promise<InvokeResult> {
    const { spec } = this;
    const proc = this.proc!;
    const requestId = req.requestId;
    this.collecting = [];
    this.platformInfo(lines.startLine(spec.logFormat, requestId));
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
    proc.startWatchdog();
    const timer = setTimeout(() => proc.kill('timeout'), spec.timeout * 1000);
    await this.until(() => current.outcome !== undefined || proc.exit !== undefined);
    let durationMs = performance.now() - began;
    clearTimeout(timer);
    proc.stopWatchdog();

    let outcome: out.Outcome;
    if (current.outcome) {
      outcome = current.outcome;
      proc.sample();
      // A peak past the limit between two samples still ends the environment, as the kernel would have.
      if (this.alive && proc.overLimit) {
        proc.kill('oom');
        outcome = out.outOfMemory(requestId);
      }
      await proc.drain(requestId);
    } else {
      outcome = await this.failure(requestId);
      if (proc.killReason === 'timeout') durationMs = spec.timeout * 1000;
    }
    this.current = undefined;
    return this.finish(requestId, outcome, { durationMs, initDurationMs });
  }

  private async finishInitFailure(
    requestId: string,
    failure: out.Outcome,
    initDurationMs: number,
  ): Promise<InvokeResult> {
    if (this.spec.logFormat === 'Text' && failure.kind === 'platform')
      this.log(
        `INIT_REPORT Init Duration: ${initDurationMs.toFixed(2)} ms\tPhase: init\t` +
          `Status: ${failure.status}\tError Type: ${failure.errorType}`,
      );
    this.platformInfo(lines.startLine(this.spec.logFormat, requestId));
    const result = await this.finish(requestId, failure, { durationMs: initDurationMs, initDurationMs });
    // A failed INIT leaves nothing to reuse.
    if (this.alive) this.kill('stop');
    return result;
  }

  /** Writes the closing lines (timeout, END, REPORT), flushes the log, and shapes the result. */
  private async finish(requestId: string, outcome: out.Outcome, timing: Timing): Promise<InvokeResult> {
    const { spec } = this;
    const failed = outcome.kind === 'platform' ? outcome : undefined;
    if (failed?.status === 'timeout') this.log(lines.timeoutLine(requestId, spec.timeout));
    if (spec.logFormat === 'Text') this.log(lines.endLine(requestId));
    const maxMemoryUsedMb =
      failed?.errorType === 'Runtime.OutOfMemory' ? spec.memorySize : Math.round((this.proc?.peakKb ?? 0) / 1024);
    const billedDurationMs = lines.billed(timing.durationMs);
    this.platformInfo(
      lines.reportLine(spec.logFormat, {
        requestId,
        durationMs: timing.durationMs,
        billedDurationMs,
        memorySizeMb: spec.memorySize,
        maxMemoryUsedMb,
        initDurationMs: timing.initDurationMs,
        status: failed?.status,
        errorType: failed?.status === 'error' ? failed.errorType : undefined,
      }),
    );
    // Lambda follows a runtime failure's REPORT with its message and type.
    if (failed?.status === 'error' && failed.errorMessage.startsWith('RequestId:'))
      this.log(`${failed.errorMessage}\n${failed.errorType}`);
    const logLines = this.collecting ?? [];
    this.collecting = undefined;
    await this.sink.flush();
    const base = {
      requestId,
      logLines,
      billedDurationMs,
      maxMemoryUsedMb,
      logStreamName: this.logStreamName,
      ...timing,
    };
    switch (outcome.kind) {
      case 'response':
        return { ...base, payload: outcome.body };
      case 'error':
        return { ...base, payload: outcome.body, functionError: 'Unhandled', errorType: outcome.errorType };
      case 'platform':
        return {
          ...base,
          payload: out.platformPayload(outcome),
          functionError: 'Unhandled',
          errorType: outcome.errorType,
        };
    }
  }

  /** Why the runtime is gone (or said its init failed); waits for its last output first. */
  private async failure(requestId: string): Promise<out.Outcome> {
    const proc = this.proc!;
    if (this.initFailure && proc.killReason === undefined) {
      await proc.drain('init');
      return this.initFailure;
    }
    await proc.drainClosed();
    if (proc.killReason === 'timeout') return out.timedOut(requestId, this.spec.timeout);
    if (proc.killReason === 'oom' || proc.oomKilledByKernel) return out.outOfMemory(requestId);
    if (this.initFailure) return this.initFailure;
    return out.runtimeExited(requestId, proc.exit ?? { code: null, signal: 'SIGKILL' });
  }

  private onResult(
    kind: 'response' | 'error',
    requestId: string,
    body: Buffer,
    errorType: string | undefined,
    tooLarge: boolean,
  ): PostResult {
    const current = this.current;
    if (!current || current.requestId !== requestId) return 'unknown-id';
    if (current.outcome) return 'already-reported';
    if (tooLarge) current.outcome = out.responseTooLarge();
    else if (kind === 'response') current.outcome = { kind: 'response', body };
    else current.outcome = { kind: 'error', body, errorType: out.postedErrorType(body, errorType) };
    this.wake();
    return 'accepted';
  }

  /** A platform record of level INFO (start, report, ...): dropped when SystemLogLevel is WARN (JSON format only). */
  private platformInfo(message: string): void {
    if (this.spec.logFormat === 'JSON' && this.spec.systemLogLevel === 'WARN') return;
    this.log(message);
  }

  private log(message: string): void {
    this.sink.add(message);
    this.collecting?.push(message);
  }

  private kill(reason: KillReason): void {
    this.proc?.kill(reason);
  }

  /** Stops the process, its Runtime API server, its cgroup and its temp folder. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.kill('stop');
      this.wake();
      await this.proc?.drainClosed();
      await this.api.close();
      await this.sink?.flush();
      this.proc?.release();
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

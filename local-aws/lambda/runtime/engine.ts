// The execution engine: a pool of execution environments per function. A warm, idle environment of
// the function's current revision takes the invocation; otherwise a new one starts, up to
// `lambdaMaxConcurrency` per function, beyond which synchronous invocations are throttled (429, as on
// AWS) and queued asynchronous ones wait for one to free up. Idle
// environments stop after `lambdaIdleMs`; environments of an older revision, or whose role
// credentials are about to expire, are not reused.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { endpointUrl, type LocalAwsConfig } from '../../config.ts';
import { AwsError } from '../../core/errors.ts';
import type { EngineServices, ExecutionEngine, FunctionSpec, InvokeRequest, InvokeResult } from './contract.ts';
import { prepareRuntimeDir } from './env-vars.ts';
import { Environment, type EnvironmentContext } from './environment.ts';

const BOOTSTRAP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bootstrap.mjs');
/** Role sessions of environments last this long; an environment is replaced in its last 5 minutes. */
const SESSION_SECONDS = 3600;
/** A warm environment that died before taking the event: try again on another (at most this often). */
const MAX_ATTEMPTS = 3;

interface Pool {
  envs: Set<Environment>;
  /** Environments being created (credentials being minted): they count toward the limit. */
  starting: number;
  waiters: Array<() => void>;
  /** Revision of the newest invocation seen: other revisions are not reused. */
  revisionId: string;
  /** Bumped by retire(): environments created before it are not reused. */
  generation: number;
}

export function createExecutionEngine(config: LocalAwsConfig, services: EngineServices): ExecutionEngine {
  return new Engine(config, services);
}

/** AWS's answer to a synchronous invoke beyond the concurrency available to the function. */
function tooManyRequests(): AwsError {
  return new AwsError('TooManyRequestsException', 'Rate Exceeded.', 429, {
    Reason: 'ConcurrentInvocationLimitExceeded',
  });
}

function roleNotAssumable(): AwsError {
  return new AwsError(
    'InvalidParameterValueException',
    'The role defined for the function cannot be assumed by Lambda.',
    400,
  );
}

class Engine implements ExecutionEngine {
  private readonly pools = new Map<string, Pool>();
  private readonly generationOf = new WeakMap<Environment, number>();
  private readonly retiredEnvs = new WeakSet<Environment>();
  private readonly ctx: EnvironmentContext;
  private runtimeDir: string | undefined;
  private closed = false;

  constructor(
    private readonly config: LocalAwsConfig,
    private readonly services: EngineServices,
  ) {
    const envsDir = path.join(config.dataDir, 'lambda', 'envs');
    sweepStaleEnvironments(envsDir);
    this.ctx = {
      services,
      cpuLimits: config.lambdaCpuLimits,
      bootstrapPath: BOOTSTRAP,
      runtimeDir: '',
      envsDir,
      endpointUrl: endpointUrl(config),
      onExit: (env) => this.onExit(env),
    };
  }

  async invoke(req: InvokeRequest): Promise<InvokeResult> {
    const { spec } = req;
    if (!spec.runtime.startsWith('nodejs'))
      throw new AwsError(
        'InvalidRuntimeException',
        `The runtime ${spec.runtime} is not supported by the local endpoint (Node.js only).`,
        502,
      );
    // Lambda assumes the role for every new environment; a deleted role fails the invocation at once.
    if (!this.services.roleExists(spec.roleArn)) throw roleNotAssumable();
    for (let attempt = 1; ; attempt++) {
      const env = await this.acquire(spec, req.throttle === true);
      let result: InvokeResult | 'undelivered';
      try {
        result = await env.run(req);
      } finally {
        this.release(env);
      }
      if (result !== 'undelivered') return result;
      if (attempt >= MAX_ATTEMPTS)
        throw new AwsError('ServiceException', 'The execution environment failed to start the invocation.', 500);
    }
  }

  async retire(functionArn: string): Promise<void> {
    const pool = this.pools.get(functionArn);
    if (!pool) return;
    pool.generation++;
    const idle: Environment[] = [];
    for (const env of pool.envs) {
      // Busy ones finish their invocation first, then stop.
      if (env.leased) this.retiredEnvs.add(env);
      else idle.push(env);
    }
    await Promise.all(idle.map((env) => this.stopEnv(pool, env)));
  }

  async close(): Promise<void> {
    this.closed = true;
    const stops: Promise<void>[] = [];
    for (const pool of this.pools.values()) {
      wake(pool);
      for (const env of pool.envs) stops.push(this.stopEnv(pool, env));
    }
    await Promise.all(stops);
  }

  private pool(spec: FunctionSpec): Pool {
    let pool = this.pools.get(spec.functionArn);
    if (!pool) {
      pool = { envs: new Set(), starting: 0, waiters: [], revisionId: spec.revisionId, generation: 0 };
      this.pools.set(spec.functionArn, pool);
    }
    return pool;
  }

  private reusable(pool: Pool, env: Environment): boolean {
    return (
      env.alive &&
      !this.retiredEnvs.has(env) &&
      this.generationOf.get(env) === pool.generation &&
      env.spec.revisionId === pool.revisionId &&
      env.credentialsFresh &&
      // Revoked (role deleted or recreated) sessions are useless to the function.
      this.services.sessionValid(env.session)
    );
  }

  private async acquire(spec: FunctionSpec, throttle: boolean): Promise<Environment> {
    const pool = this.pool(spec);
    if (pool.revisionId !== spec.revisionId) pool.revisionId = spec.revisionId;
    const limit = Math.max(1, this.config.lambdaMaxConcurrency);
    for (;;) {
      if (this.closed) throw new AwsError('ServiceException', 'The local endpoint is shutting down.', 500);
      let warm: Environment | undefined;
      for (const env of pool.envs) {
        if (env.leased) continue;
        if (!this.reusable(pool, env)) void this.stopEnv(pool, env);
        // The most recently added idle one is the warmest.
        else warm = env;
      }
      if (warm) {
        this.lease(warm);
        return warm;
      }
      if (pool.envs.size + pool.starting < limit) return this.create(pool, spec);
      if (throttle) throw tooManyRequests();
      await new Promise<void>((resolve) => pool.waiters.push(resolve));
    }
  }

  private async create(pool: Pool, spec: FunctionSpec): Promise<Environment> {
    pool.starting++;
    try {
      const session = await this.services.assumeRole(spec.roleArn, spec.functionName, SESSION_SECONDS);
      if (!session) throw roleNotAssumable();
      this.runtimeDir ??= prepareRuntimeDir(this.config.dataDir);
      const env = new Environment(spec, session, { ...this.ctx, runtimeDir: this.runtimeDir });
      this.generationOf.set(env, pool.generation);
      pool.envs.add(env);
      this.lease(env);
      return env;
    } finally {
      pool.starting--;
      // A slot that did not become an environment is free again.
      wake(pool);
    }
  }

  private lease(env: Environment): void {
    env.leased = true;
    if (env.idleTimer) clearTimeout(env.idleTimer);
    env.idleTimer = undefined;
  }

  private release(env: Environment): void {
    env.leased = false;
    const pool = this.pools.get(env.spec.functionArn);
    if (!pool || !pool.envs.has(env)) {
      void env.stop();
      return;
    }
    if (!this.reusable(pool, env) || this.closed) void this.stopEnv(pool, env);
    else {
      env.idleTimer = setTimeout(() => void this.stopEnv(pool, env), this.config.lambdaIdleMs);
      env.idleTimer.unref();
    }
    wake(pool);
  }

  private onExit(env: Environment): void {
    const pool = this.pools.get(env.spec.functionArn);
    // A busy environment is cleaned up when its invocation hands it back.
    if (pool && !env.leased) void this.stopEnv(pool, env);
    else if (pool) {
      pool.envs.delete(env);
      wake(pool);
    }
  }

  private stopEnv(pool: Pool, env: Environment): Promise<void> {
    pool.envs.delete(env);
    wake(pool);
    return env.stop();
  }
}

function wake(pool: Pool): void {
  const waiters = pool.waiters;
  pool.waiters = [];
  for (const w of waiters) w();
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Temp folders of environments whose endpoint process is gone (crash, kill -9). */
function sweepStaleEnvironments(envsDir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(envsDir);
  } catch {
    return;
  }
  for (const name of names) {
    const dir = path.join(envsDir, name);
    let owner = NaN;
    try {
      owner = Number(fs.readFileSync(path.join(dir, '.owner'), 'utf8'));
    } catch {
      // no owner file: an interrupted start
    }
    if (owner === process.pid || (Number.isInteger(owner) && processAlive(owner))) continue;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

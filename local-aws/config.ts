// Settings of the local endpoint: LOCAL_AWS_* variables from `.env` in the working directory, overridden
// by the environment (see env.example). Every value is checked at start, with a message naming the variable.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEnv } from 'node:util';

/** The file that marks a folder as this endpoint's data folder (so reset never wipes anything else). */
export const DATA_MARKER = 'local-aws.json';
/** What `local:start` and `local:status` ask to tell this endpoint from anything else on the port. */
export const HEALTH_PATH = '/_localaws/health';
export const SERVER_NAME = 'local-aws';

export interface LocalAwsConfig {
  host: string;
  port: number;
  dataDir: string;
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  /** Region used where a request carries none (internal calls, Lambda environments). */
  defaultRegion: string;
  /** Host name under which virtual-hosted-style buckets are addressed: `<bucket>.<hostname>`. */
  hostname: string;
  /** Stop an idle Lambda execution environment after this long. */
  lambdaIdleMs: number;
  /** At most this many environments per function. */
  lambdaMaxConcurrency: number;
  /** Delays before the retries of a failed asynchronous invocation (AWS: about 1 and 2 minutes). */
  lambdaRetryDelaysMs: [number, number];
  /** Shortest time a new or updated function stays Pending / InProgress (default 250 ms). */
  lambdaTransitionMs?: number;
  /** Limit each environment's CPU share by its memory size where the OS allows it (default on). */
  lambdaCpuLimits: boolean;
  /** Print one line per request to stderr. */
  logRequests: boolean;
}

/** A setting the user got wrong: entry points print the message alone, without a stack trace. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * The LOCAL_AWS_* variables the endpoint sees: those in `.env` (as env.example tells users to write
 * them), overridden by the environment. Only LOCAL_AWS_* names are taken from the file.
 */
export function localEnv(env: NodeJS.ProcessEnv = process.env, envFile = path.resolve('.env')): NodeJS.ProcessEnv {
  let fromFile: NodeJS.ProcessEnv = {};
  try {
    // Node's own .env parser, as the walkthrough's settings read the same file (zx's costs ~0.1 s to load).
    fromFile = parseEnv(fs.readFileSync(envFile, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new ConfigError(`Cannot read ${envFile}: ${(e as Error).message}`);
  }
  const merged: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(fromFile))
    if (value !== undefined && name.startsWith('LOCAL_AWS_')) merged[name] = value;
  for (const [name, value] of Object.entries(env)) if (value !== undefined && value !== '') merged[name] = value;
  return merged;
}

function int(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
  accepts: string,
): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new ConfigError(`${name} must be ${accepts}, got "${raw}".`);
  return n;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (raw !== '0' && raw !== '1') throw new ConfigError(`${name} must be 0 or 1, got "${raw}".`);
  return raw === '1';
}

function retryDelays(env: NodeJS.ProcessEnv): [number, number] {
  const name = 'LOCAL_AWS_LAMBDA_RETRY_DELAYS_MS';
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return [1000, 2000];
  const parts = raw.split(',').map((p) => p.trim());
  const ok = parts.length === 2 && parts.every((p) => /^\d+$/.test(p) && Number(p) <= 86_400_000);
  if (!ok)
    throw new ConfigError(
      `${name} must be two delays in milliseconds (0-86400000) separated by a comma, e.g. 1000,2000; got "${raw}".`,
    );
  return [Number(parts[0]), Number(parts[1])];
}

/** Reads and checks the settings; `env` defaults to `.env` in the working directory overridden by the environment. */
export function loadConfig(
  env: NodeJS.ProcessEnv = localEnv(),
  overrides: Partial<LocalAwsConfig> = {},
): LocalAwsConfig {
  const accountId = env.LOCAL_AWS_ACCOUNT_ID || '000000000000';
  if (!/^\d{12}$/.test(accountId)) throw new ConfigError(`LOCAL_AWS_ACCOUNT_ID must be 12 digits, got "${accountId}".`);
  return {
    host: env.LOCAL_AWS_HOST || '127.0.0.1',
    port: int(env, 'LOCAL_AWS_PORT', 4599, 0, 65535, 'a TCP port (1-65535, or 0 for any free port)'),
    dataDir: path.resolve(env.LOCAL_AWS_DATA || '.local-aws'),
    accessKeyId: env.LOCAL_AWS_ACCESS_KEY_ID || 'test',
    secretAccessKey: env.LOCAL_AWS_SECRET_ACCESS_KEY || 'test',
    accountId,
    defaultRegion: env.LOCAL_AWS_REGION || 'us-east-1',
    hostname: env.LOCAL_AWS_HOSTNAME || 'localhost',
    lambdaIdleMs: int(
      env,
      'LOCAL_AWS_LAMBDA_IDLE_MS',
      5 * 60 * 1000,
      0,
      86_400_000,
      'a time in milliseconds (0-86400000)',
    ),
    lambdaMaxConcurrency: int(
      env,
      'LOCAL_AWS_LAMBDA_MAX_CONCURRENCY',
      10,
      1,
      1000,
      'a number of execution environments (1-1000)',
    ),
    lambdaRetryDelaysMs: retryDelays(env),
    logRequests: flag(env, 'LOCAL_AWS_LOG_REQUESTS', false),
    lambdaCpuLimits: flag(env, 'LOCAL_AWS_LAMBDA_CPU_LIMITS', true),
    ...overrides,
  };
}

export function endpointUrl(config: Pick<LocalAwsConfig, 'host' | 'port'>): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host}:${config.port}`;
}

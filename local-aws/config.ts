// Settings of the local endpoint, from the environment (see env.example).
import * as path from 'node:path';

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

function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}".`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<LocalAwsConfig> = {}): LocalAwsConfig {
  const accountId = env.LOCAL_AWS_ACCOUNT_ID || '000000000000';
  if (!/^\d{12}$/.test(accountId)) throw new Error(`LOCAL_AWS_ACCOUNT_ID must be 12 digits, got "${accountId}".`);
  const port = int('LOCAL_AWS_PORT', 4599);
  if (port > 65535) throw new Error(`LOCAL_AWS_PORT must be a TCP port (1-65535), got ${port}.`);
  const retryDelays = (env.LOCAL_AWS_LAMBDA_RETRY_DELAYS_MS || '1000,2000').split(',').map(Number);
  return {
    host: env.LOCAL_AWS_HOST || '127.0.0.1',
    port,
    dataDir: path.resolve(env.LOCAL_AWS_DATA || '.local-aws'),
    accessKeyId: env.LOCAL_AWS_ACCESS_KEY_ID || 'test',
    secretAccessKey: env.LOCAL_AWS_SECRET_ACCESS_KEY || 'test',
    accountId,
    defaultRegion: env.LOCAL_AWS_REGION || 'us-east-1',
    hostname: env.LOCAL_AWS_HOSTNAME || 'localhost',
    lambdaIdleMs: int('LOCAL_AWS_LAMBDA_IDLE_MS', 5 * 60 * 1000),
    lambdaMaxConcurrency: int('LOCAL_AWS_LAMBDA_MAX_CONCURRENCY', 10),
    lambdaRetryDelaysMs: [retryDelays[0] ?? 1000, retryDelays[1] ?? 2000],
    logRequests: env.LOCAL_AWS_LOG_REQUESTS === '1',
    lambdaCpuLimits: env.LOCAL_AWS_LAMBDA_CPU_LIMITS !== '0',
    ...overrides,
  };
}

export function endpointUrl(config: Pick<LocalAwsConfig, 'host' | 'port'>): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host}:${config.port}`;
}

// Test harness: a real local endpoint per test file (own port, own temp data folder), SDK client
// settings for it, and the real aws-cli pointed at it.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type LocalAwsConfig } from '../../local-aws/config.ts';
import { startLocalAws, type LocalAwsServer } from '../../local-aws/server.ts';
import { AWS_CLI } from './aws-cli.ts';
import { tempDir } from './temp.ts';

export { tempDir } from './temp.ts';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

export const ROOT: Credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
export const ACCOUNT = '000000000000';

export interface TestServer extends LocalAwsServer {
  dataDir: string;
  /** Settings for any SDK v3 client: `new S3Client(server.clientConfig())`. */
  clientConfig(overrides?: { region?: string; credentials?: Credentials }): ClientSettings;
  stopAndRemove(): Promise<void>;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface ClientSettings {
  endpoint: string;
  region: string;
  credentials: Credentials;
  forcePathStyle: boolean;
  maxAttempts: number;
}

export async function startTestServer(overrides: Partial<LocalAwsConfig> = {}): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? tempDir();
  const config = loadConfig({}, { port: 0, dataDir, ...overrides });
  const local = await startLocalAws(config);
  return {
    ...local,
    dataDir,
    clientConfig(o = {}) {
      return {
        endpoint: local.url,
        region: o.region ?? 'us-east-1',
        credentials: o.credentials ?? ROOT,
        forcePathStyle: true,
        // One attempt: a test must see the server's first answer, not a retried one.
        maxAttempts: 1,
      };
    },
    async stopAndRemove() {
      await local.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export { AWS_CLI, HAS_AWS_CLI, needsAwsCli } from './aws-cli.ts';

/** Runs the real aws-cli against `url` with the local root credentials and no user config. */
export function awsCli(
  url: string,
  args: string[],
  opts: { region?: string; credentials?: Credentials; cwd?: string; input?: string; cli?: string } = {},
): Promise<CliResult> {
  const creds = opts.credentials ?? ROOT;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_DEFAULT_REGION: opts.region ?? 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
    AWS_MAX_ATTEMPTS: '1',
  };
  if (creds.sessionToken) env.AWS_SESSION_TOKEN = creds.sessionToken;
  return new Promise((resolve, reject) => {
    const child = spawn(opts.cli ?? AWS_CLI, ['--endpoint-url', url, '--output', 'json', ...args], {
      env,
      cwd: opts.cwd,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Like awsCli but fails the test with the CLI's own words when it exits non-zero. */
export async function awsCliOk(url: string, args: string[], opts: Parameters<typeof awsCli>[2] = {}): Promise<string> {
  const r = await awsCli(url, args, opts);
  if (r.code !== 0) throw new Error(`aws ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** The endpoint as its own process (`local-aws/cli.ts serve`): for tests that kill it. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** What it printed on stderr so far. */
  stderr(): string;
  /** Sends the signal and waits for the process to exit. */
  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/**
 * Starts `serve` on `port` with its data in `dataDir`, and waits (polling, with a deadline) until it
 * answers. It runs in `dataDir`, so no .env of the project is read; `env` adds LOCAL_AWS_* settings.
 */
export async function spawnServer(port: number, dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LOCAL_AWS_')) clean[k] = v;
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), path.join(PROJECT_ROOT, 'local-aws', 'cli.ts'), 'serve'],
    {
      cwd: dataDir,
      env: { ...clean, LOCAL_AWS_PORT: String(port), LOCAL_AWS_DATA: dataDir, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (let delay = 20; ; delay = Math.min(delay * 2, 200)) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}): ${stderr}`);
    try {
      if ((await fetch(`${url}/_localaws/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server did not come up: ${stderr}`);
    await new Promise((r) => setTimeout(r, delay));
  }
  return {
    url,
    child,
    stderr: () => stderr,
    stop: async (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
  };
}

/** What is written to stderr while `fn` runs (for an endpoint running in the test's own process). */
export async function stderrDuring(fn: () => Promise<void>): Promise<string> {
  const original = process.stderr.write.bind(process.stderr);
  let captured = '';
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return (original as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stderr.write = original;
  }
  return captured;
}

/** `npm run local:<command>` as a user runs it (local-aws/cli.ts), with only PATH and HOME of this environment. */
export function localCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'local-aws', 'cli.ts');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), cli, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

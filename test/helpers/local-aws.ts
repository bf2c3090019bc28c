// Test harness: a real local endpoint per test file (own port, own temp data folder), SDK client
// settings for it, and the real aws-cli pointed at it.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, type LocalAwsConfig } from '../../local-aws/config.ts';
import { startLocalAws, type LocalAwsServer } from '../../local-aws/server.ts';

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

export function tempDir(prefix = 'local-aws-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
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

/** The aws-cli under test: `AWS_CLI` if set, else `aws` on PATH (v1 or v2). */
export const AWS_CLI = process.env.AWS_CLI || 'aws';

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
    const child = spawn(opts.cli ?? AWS_CLI, ['--endpoint-url', url, '--output', 'json', ...args], { env, cwd: opts.cwd });
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

// Start, stop, inspect and reset the local endpoint running in the background.
// Used by `npm run local:*` and by the walkthrough, which starts it when it is not running.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
// Only config.ts: the scripts that import this must not load the whole server.
import { DATA_MARKER, endpointUrl, HEALTH_PATH, SERVER_NAME, type LocalAwsConfig } from './config.ts';

export interface Health {
  server: string;
  status: string;
  pid: number;
  dataDir: string;
}

export class ControlError extends Error {}

const CLI_PATH = fileURLToPath(new URL('./cli.ts', import.meta.url));

export function logFile(config: Pick<LocalAwsConfig, 'dataDir'>): string {
  return path.join(config.dataDir, 'server.log');
}

/**
 * Asks the configured port who is there: our endpoint, something else, or nobody. With node:http, which
 * every step loads anyway for the SDK (fetch would load undici, ~20 ms, on each step's start).
 */
export function probe(
  config: Pick<LocalAwsConfig, 'host' | 'port'>,
  timeoutMs = 1000,
): Promise<Health | 'other' | undefined> {
  return new Promise((resolve) => {
    // A fresh connection each time (agent: false): a kept-alive socket the server has just closed would
    // read as "nobody there".
    const req = http.get(endpointUrl(config) + HEALTH_PATH, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => settle('other'));
      res.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Health | undefined;
          settle(body?.server === SERVER_NAME ? body : 'other');
        } catch {
          settle('other');
        }
      });
    });
    // A deadline for the whole exchange: something that accepts and answers slowly, or never, is not ours.
    const deadline = setTimeout(() => settle('other'), timeoutMs);
    function settle(answer: Health | 'other' | undefined): void {
      clearTimeout(deadline);
      req.destroy();
      resolve(answer);
    }
    req.on('error', () => settle(undefined));
  });
}

async function waitFor<T>(check: () => Promise<T | undefined>, deadlineMs: number, what: string): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  let delay = 25;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new ControlError(`Timed out after ${deadlineMs / 1000} s waiting for ${what}.`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 500);
  }
}

export interface StartResult {
  url: string;
  pid: number;
  alreadyRunning: boolean;
}

/** Starts the endpoint in the background unless it already runs; resolves once it answers. */
export async function startInBackground(config: LocalAwsConfig): Promise<StartResult> {
  const url = endpointUrl(config);
  const found = await probe(config);
  if (found === 'other')
    throw new ControlError(
      `Port ${config.port} on ${config.host} is used by another program. ` +
        'Stop it, or pick another port with LOCAL_AWS_PORT.',
    );
  if (found) return { url, pid: found.pid, alreadyRunning: true };

  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const log = fs.openSync(logFile(config), 'a', 0o600);
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), CLI_PATH, 'serve'], {
    detached: true,
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      LOCAL_AWS_DATA: config.dataDir,
      LOCAL_AWS_PORT: String(config.port),
      LOCAL_AWS_HOST: config.host,
    },
  });
  fs.closeSync(log);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  child.unref();
  const health = await waitFor(
    async () => {
      if (exited !== undefined) {
        const tail = fs.readFileSync(logFile(config), 'utf8').trim().split('\n').slice(-5).join('\n');
        throw new ControlError(
          `The local endpoint exited at start (code ${exited}). Last lines of ${logFile(config)}:\n${tail}`,
        );
      }
      const h = await probe(config);
      return h && h !== 'other' ? h : undefined;
    },
    20_000,
    `the local endpoint at ${url}`,
  );
  return { url, pid: health.pid, alreadyRunning: false };
}

/** Stops a running endpoint; false when none was running. */
export async function stop(config: LocalAwsConfig): Promise<boolean> {
  const found = await probe(config);
  if (found === 'other')
    throw new ControlError(`Port ${config.port} is used by another program, not the local endpoint.`);
  if (!found) return false;
  process.kill(found.pid, 'SIGTERM');
  const gone = async () => ((await probe(config, 300)) === undefined ? true : undefined);
  try {
    await waitFor(gone, 10_000, 'the local endpoint to stop');
  } catch {
    process.kill(found.pid, 'SIGKILL');
    await waitFor(gone, 5_000, 'the local endpoint to stop after SIGKILL');
  }
  return true;
}

/** Deletes all local state. Refuses a folder that does not carry the endpoint's marker. */
export function wipeData(config: Pick<LocalAwsConfig, 'dataDir'>): boolean {
  const dir = config.dataDir;
  if (!fs.existsSync(dir)) return false;
  const entries = fs.readdirSync(dir);
  if (entries.length > 0 && !entries.includes(DATA_MARKER))
    throw new ControlError(
      `${dir} does not look like a local endpoint data folder (no ${DATA_MARKER} in it); ` +
        'not deleting it. Check LOCAL_AWS_DATA.',
    );
  fs.rmSync(dir, { recursive: true, force: true });
  return true;
}

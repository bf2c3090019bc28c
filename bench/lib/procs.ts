// Child processes and temp folders of the benchmarks: every server runs in a process of its own
// (never the load generator's), in a temp folder of its own, and everything started is stopped and
// removed at the end, also on Ctrl-C.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT = fileURLToPath(new URL('../../', import.meta.url));
export const TSX = import.meta.resolve('tsx');

const cleanups = new Set<() => Promise<void> | void>();
/** Last-resort versions of the cleanups, run synchronously when the process exits anyway (a crash). */
const lastResort = new Set<() => void>();
let handlersInstalled = false;

/**
 * Registers something to undo at the end (or on Ctrl-C); returns a function that runs it once.
 * `sync` is what to do instead if the process exits before it ran (kill -9 a child, rm a folder).
 */
export function onCleanup(fn: () => Promise<void> | void, sync?: () => void): () => Promise<void> {
  installSignalHandlers();
  let done = false;
  const run = async () => {
    if (done) return;
    done = true;
    cleanups.delete(run);
    if (sync) lastResort.delete(sync);
    await fn();
  };
  cleanups.add(run);
  if (sync) lastResort.add(sync);
  return run;
}

export async function cleanupAll(): Promise<void> {
  for (const fn of [...cleanups].reverse()) {
    try {
      await fn();
    } catch (e) {
      console.error(`cleanup failed: ${(e as Error).message}`);
    }
  }
}

function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const fn of [...lastResort].reverse()) {
      try {
        fn();
      } catch {
        // best effort: the process is going away
      }
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      console.error(`\n${sig}: stopping the servers and removing the temp folders...`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
}

/** A temp folder that is removed at the end. */
export function tempDir(prefix: string): { dir: string; remove: () => Promise<void> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const rm = () => fs.rmSync(dir, { recursive: true, force: true });
  const remove = onCleanup(rm, rm);
  return { dir, remove };
}

/** Sends SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  dataDir: string;
  stop(): Promise<void>;
}

/** Spawns a server and waits for the line that gives its URL (`pattern`'s first group). */
export async function startServerProcess(opts: {
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  pattern: RegExp;
  dataDir: { dir: string; remove: () => Promise<void> };
  timeoutMs?: number;
}): Promise<ServerProcess> {
  // Runs in its own data folder: a developer's .env in the project is never read by a benchmarked server.
  const child = spawn(process.execPath, opts.args, {
    cwd: opts.dataDir.dir,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stopIt = onCleanup(
    async () => {
      await stopChild(child);
      await opts.dataDir.remove();
    },
    () => child.kill('SIGKILL'),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${opts.name} did not start within ${(opts.timeoutMs ?? 30_000) / 1000} s:\n${output}`)),
      opts.timeoutMs ?? 30_000,
    );
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = opts.pattern.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${opts.name} exited at start (code ${code}):\n${output}`));
    });
  }).catch(async (e: unknown) => {
    await stopIt();
    throw e;
  });
  // Keep draining its output (a full pipe would block the server); show internal errors.
  child.stdout!.removeAllListeners('data');
  child.stderr!.removeAllListeners('data');
  child.stdout!.resume();
  child.stderr!.on('data', (d: Buffer) => {
    const text = d.toString();
    if (/error/i.test(text)) process.stderr.write(`[${opts.name}] ${text}`);
  });
  return { url, pid: child.pid!, child, dataDir: opts.dataDir.dir, stop: stopIt };
}

/**
 * The project's local endpoint as a child process (`node --import tsx local-aws/cli.ts serve`), on a
 * free port, with its own temp data folder.
 */
export async function startLocalEndpoint(
  opts: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<ServerProcess> {
  const data = tempDir('bench-local-aws-');
  const env: NodeJS.ProcessEnv = {};
  // Nothing of the developer's endpoint settings leaks in: port 0 = a free port, own data folder.
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LOCAL_AWS_')) env[k] = v;
  Object.assign(env, { LOCAL_AWS_PORT: '0', LOCAL_AWS_HOST: '127.0.0.1', LOCAL_AWS_DATA: data.dir }, opts.env);
  return startServerProcess({
    name: 'local-aws',
    args: [...(opts.nodeArgs ?? []), '--import', TSX, path.join(PROJECT, 'local-aws', 'cli.ts'), 'serve'],
    env,
    pattern: /listening on (http:\/\/[\d.]+:\d+)/,
    dataDir: data,
  });
}

const CLK_TCK = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** CPU time (user + system) a process has used so far, in ms (Linux /proc; NaN elsewhere). */
export function processCpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 after the command name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

export function run(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  return (r.stdout + r.stderr).trim();
}

/**
 * The environment of a child that must see no AWS settings of this machine (no config or credentials
 * file, none of its variables), plus the given variables.
 */
export function isolatedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    ...extra,
  };
}

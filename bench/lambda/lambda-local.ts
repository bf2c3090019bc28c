// The peer: lambda-local running the same handler file, in a plain Node process of its own (no
// tsx), as its API is used: `lambdaLocal.execute({ lambdaPath, esm: true, ... })` in-process.
import { spawn } from 'node:child_process';
import { PROJECT } from '../lib/procs.ts';
import { summarize, type Summary } from '../lib/stats.ts';

/** Runs in the child: prints one JSON line with its timings. */
const SCRIPT = `
const started = performance.now();
const { createRequire } = await import('node:module');
const require = createRequire(process.cwd() + '/');
const lambdaLocal = require('lambda-local');
const loaded = performance.now();
const [mode, lambdaPath, warmup, count] = process.argv.slice(1);
const execute = () =>
  lambdaLocal.execute({
    event: {}, lambdaPath, lambdaHandler: 'handler', esm: true, verboseLevel: 0, timeoutMs: 3000,
  });
const t0 = performance.now();
await execute();
const first = performance.now() - t0;
const latencies = [];
if (mode === 'warm') {
  for (let i = 0; i < Number(warmup); i++) await execute();
  for (let i = 0; i < Number(count); i++) {
    const t = performance.now();
    await execute();
    latencies.push(performance.now() - t);
  }
}
const out = { startedMs: started, loadMs: loaded - started, firstMs: first, latencies };
process.stdout.write(JSON.stringify(out) + '\\n');
`;

interface ChildOutput {
  /** When the script began, in ms since the process started (Node's own boot). */
  startedMs: number;
  /** require('lambda-local'). */
  loadMs: number;
  /** The first execute(): imports the handler module, then runs it. */
  firstMs: number;
  latencies: number[];
}

function runChild(args: string[]): Promise<ChildOutput & { wallMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT, ...args], {
      cwd: PROJECT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      const line = out.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve({ ...(JSON.parse(line) as ChildOutput), wallMs });
      } catch (e) {
        reject(new Error(`lambda-local run failed (${(e as Error).message}):\n${err}${out}`));
      }
    });
  });
}

export interface LambdaLocalWarm {
  latency: Summary;
}

export async function lambdaLocalWarm(handlerFile: string, warmup: number, count: number): Promise<LambdaLocalWarm> {
  const r = await runChild(['warm', handlerFile, String(warmup), String(count)]);
  return { latency: summarize(r.latencies) };
}

export interface LambdaLocalCold {
  /** Node's own start until the script runs. */
  nodeBootMs: number;
  loadMs: number;
  firstExecuteMs: number;
  /** spawn() until the process exited, from the parent. */
  wallMs: number;
}

/** One fresh process per run: what a cold start costs lambda-local. */
export async function lambdaLocalCold(handlerFile: string): Promise<LambdaLocalCold> {
  const r = await runChild(['cold', handlerFile]);
  return { nodeBootMs: r.startedMs, loadMs: r.loadMs, firstExecuteMs: r.firstMs, wallMs: r.wallMs };
}

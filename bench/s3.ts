// S3 benchmark (issue 2): PutObject and GetObject of 1 KB and 1 MB objects through
// @aws-sdk/client-s3 with 1 and 16 concurrent clients, against the local endpoint and s3rver in the
// same run, each server in a process of its own and the load generator in a third.
//   npm run bench:s3        (writes its section of bench/RESULTS.md)
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LoadJob, LoadResult, Reply, Request, Target } from './s3/load.ts';
import { PROJECT, TSX, onCleanup, processCpuMs, startLocalEndpoint, startServerProcess, stopChild, tempDir, type ServerProcess } from './lib/procs.ts';
import { isMain, runAlone } from './lib/main.ts';
import { progress, type Goal, type Section } from './lib/report.ts';
import { int, ms, ratio, table } from './lib/stats.ts';

export interface S3BenchOptions {
  /** Measured operations per cell, by object size. */
  ops?: { small1: number; small16: number; large1: number; large16: number };
  /** Extra node flags for the local endpoint (e.g. --cpu-prof). */
  localNodeArgs?: string[];
}

export interface Cell {
  op: 'put' | 'get';
  size: number;
  concurrency: number;
}

export interface CellResult extends Cell {
  byTarget: Record<string, LoadResult & { serverCpuMs: number }>;
}

const KB = 1024;
const MB = 1024 * 1024;
const DEFAULT_OPS = { small1: 3000, small16: 8000, large1: 400, large16: 800 };

class LoadGenerator {
  private readonly child: ChildProcess;
  private pending: ((r: Reply) => void) | undefined;
  readonly stop: () => Promise<void>;

  constructor() {
    this.child = fork(path.join(PROJECT, 'bench', 's3', 'load.ts'), [], {
      execArgv: ['--import', TSX],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (r: Reply) => {
      const p = this.pending;
      this.pending = undefined;
      p?.(r);
    });
    this.stop = onCleanup(
      () => stopChild(this.child),
      () => this.child.kill('SIGKILL'),
    );
  }

  request(req: Request): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const onExit = () => reject(new Error('the load generator exited'));
      this.child.once('exit', onExit);
      this.pending = (r) => {
        this.child.off('exit', onExit);
        resolve(r);
      };
      this.child.send(req);
    });
  }

  async run(job: LoadJob): Promise<LoadResult> {
    const r = await this.request({ kind: 'run', job });
    if (r.kind === 'error') throw new Error(`${job.target.name} ${job.op} ${job.size} B x${job.concurrency}: ${r.message}`);
    return r.result!;
  }
}

async function startS3rver(): Promise<ServerProcess> {
  const data = tempDir('bench-s3rver-');
  return startServerProcess({
    name: 's3rver',
    args: ['--import', TSX, path.join(PROJECT, 'bench', 's3', 's3rver-server.ts'), data.dir],
    env: process.env,
    pattern: /listening on (http:\/\/[\d.]+:\d+)/,
    dataDir: data,
  });
}

const sizeName = (size: number) => (size >= MB ? `${size / MB} MB` : `${size / KB} KB`);

export async function runS3Bench(options: S3BenchOptions = {}): Promise<Omit<Section, 'command' | 'startedAt' | 'durationMs'> & { cells: CellResult[] }> {
  const ops = options.ops ?? DEFAULT_OPS;
  progress('S3: starting the local endpoint, s3rver and the load generator (three processes)');
  const local = await startLocalEndpoint({ nodeArgs: options.localNodeArgs });
  const peer = await startS3rver();
  const load = new LoadGenerator();
  const servers: Array<{ target: Target; proc: ServerProcess }> = [
    { target: { name: 'local', endpoint: local.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }, proc: local },
    { target: { name: 's3rver', endpoint: peer.url, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }, proc: peer },
  ];
  const bucket = 'bench-s3';
  const cells: CellResult[] = [];
  try {
    for (const s of servers) {
      const r = await load.request({ kind: 'setup', target: s.target, bucket });
      if (r.kind === 'error') throw new Error(`${s.target.name}: CreateBucket failed: ${r.message}`);
    }
    // JIT warm-up of all three processes before anything is measured (the first cell would pay for it).
    progress('S3: warming up (1 KB and 1 MB PutObject/GetObject on both servers, not measured)');
    for (const s of servers)
      for (const op of ['put', 'get'] as const)
        for (const size of [KB, MB]) await load.run({ target: s.target, bucket, op, size, concurrency: 4, warmup: size === KB ? 1500 : 100, ops: 1 });
    const plan: Cell[] = [];
    for (const op of ['put', 'get'] as const)
      for (const size of [KB, MB])
        for (const concurrency of [1, 16]) plan.push({ op, size, concurrency });
    for (const [index, cell] of plan.entries()) {
      const n = cell.size === KB ? (cell.concurrency === 1 ? ops.small1 : ops.small16) : cell.concurrency === 1 ? ops.large1 : ops.large16;
      const result: CellResult = { ...cell, byTarget: {} };
      // Alternate which server goes first, so neither always runs on a warmer (or busier) machine.
      const order = index % 2 === 0 ? servers : [...servers].reverse();
      for (const s of order) {
        const job: LoadJob = { target: s.target, bucket, ...cell, ops: n, warmup: Math.max(50, Math.round(n / 10)) };
        const cpu0 = processCpuMs(s.proc.pid);
        const r = await load.run(job);
        const serverCpuMs = processCpuMs(s.proc.pid) - cpu0;
        result.byTarget[s.target.name] = { ...r, serverCpuMs };
        progress(
          `S3: ${cell.op === 'put' ? 'PutObject' : 'GetObject'} ${sizeName(cell.size)} x${cell.concurrency} ${s.target.name}: ` +
            `${int(r.opsPerSec)} ops/s, p50 ${ms(r.latency.p50)} ms, p99 ${ms(r.latency.p99)} ms (${r.latency.n} ops${r.errors ? `, ${r.errors} errors: ${r.firstError}` : ''})`,
        );
      }
      cells.push(result);
    }
  } finally {
    await load.stop();
    await local.stop();
    await peer.stop();
  }
  const { markdown, goals } = render(cells);
  return { id: 's3', title: 'S3: local endpoint vs s3rver (issue 2)', markdown, goals, cells };
}

function render(cells: CellResult[]): { markdown: string; goals: Goal[] } {
  const opName = (c: Cell) => `${c.op === 'put' ? 'PutObject' : 'GetObject'} ${sizeName(c.size)}`;
  const get = (c: CellResult, t: string) => c.byTarget[t]!;
  const throughput = table(
    ['operation', 'clients:', 'local ops/s:', 's3rver ops/s:', 'local / s3rver:', 'local p50 ms:', 's3rver p50 ms:', 'local p99 ms:', 's3rver p99 ms:', 'ops measured:'],
    cells.map((c) => {
      const l = get(c, 'local');
      const p = get(c, 's3rver');
      return [
        opName(c),
        String(c.concurrency),
        int(l.opsPerSec),
        int(p.opsPerSec),
        ratio(l.opsPerSec / p.opsPerSec),
        ms(l.latency.p50),
        ms(p.latency.p50),
        ms(l.latency.p99),
        ms(p.latency.p99),
        String(l.latency.n),
      ];
    }),
  );
  const cpu = table(
    ['operation', 'clients:', 'client CPU ms/op (local):', 'server CPU ms/op (local):', 'client CPU ms/op (s3rver):', 'server CPU ms/op (s3rver):', 'errors (local / s3rver):'],
    cells.map((c) => {
      const l = get(c, 'local');
      const p = get(c, 's3rver');
      const per = (x: number, r: LoadResult) => (x / r.latency.n).toFixed(3);
      return [opName(c), String(c.concurrency), per(l.clientCpuMs, l), per(l.serverCpuMs, l), per(p.clientCpuMs, p), per(p.serverCpuMs, p), `${l.errors} / ${p.errors}`];
    }),
  );
  const key = cells.find((c) => c.op === 'put' && c.size === KB && c.concurrency === 16)!;
  const serial = cells.find((c) => c.op === 'put' && c.size === KB && c.concurrency === 1)!;
  const kl = get(key, 'local');
  const kp = get(key, 's3rver');
  const sl = get(serial, 'local');
  const speedup = kl.opsPerSec / kp.opsPerSec;
  // Little's law: with 16 requests always in flight, mean latency = 16 / throughput. On 2 cores the
  // throughput is bounded by the CPU that client AND server spend per request.
  const cpuPerOp = (kl.clientCpuMs + kl.serverCpuMs) / kl.latency.n;
  const bound = (16 / ((os2Cores() * 1000) / cpuPerOp)) * 1000;
  const goals: Goal[] = [
    {
      goal: "at least 2x s3rver's ops/s on 1 KB PutObject with 16 clients",
      met: speedup >= 2,
      detail:
        `${int(kl.opsPerSec)} vs ${int(kp.opsPerSec)} ops/s = ${ratio(speedup)}. ` +
        `Server CPU per request: ${(kl.serverCpuMs / kl.latency.n).toFixed(2)} vs ${(kp.serverCpuMs / kp.latency.n).toFixed(2)} ms = ` +
        `${ratio(kp.serverCpuMs / kp.latency.n / (kl.serverCpuMs / kl.latency.n))} less for ours.` +
        (speedup >= 2
          ? ''
          : ` Throughput is shared-machine bound: the load generator (one thread, ${(kl.clientCpuMs / kl.latency.n).toFixed(2)} ms per request) and the server ` +
            `share ${os2Cores()} cores, so the client alone caps any server at ${int(1000 / (kl.clientCpuMs / kl.latency.n))} ops/s here; 2x s3rver would need ${int(2 * kp.opsPerSec)}.`),
    },
    {
      goal: 'p50 under 2 ms on 1 KB PutObject with 16 clients',
      met: kl.latency.p50 < 2,
      detail:
        `p50 ${ms(kl.latency.p50)} ms with 16 clients (s3rver: ${ms(kp.latency.p50)} ms); with 1 client p50 is ${ms(sl.latency.p50)} ms. ` +
        (kl.latency.p50 < 2
          ? ''
          : `Infeasible on ${os2Cores()} cores with the SDK as client: each request costs ${cpuPerOp.toFixed(2)} ms of CPU in total ` +
            `(client ${(kl.clientCpuMs / kl.latency.n).toFixed(2)} + server ${(kl.serverCpuMs / kl.latency.n).toFixed(2)}), so at most ` +
            `${int((os2Cores() * 1000) / cpuPerOp)} requests/s fit on ${os2Cores()} cores, and with 16 requests always in flight ` +
            `(Little's law) the mean latency cannot go below 16 / that = ${ms(bound)} ms — whatever the server does. ` +
            `The client alone spends ${(kl.clientCpuMs / kl.latency.n).toFixed(2)} ms per request, so even a server that cost nothing would leave ` +
            `a floor of ${ms(16 * (kl.clientCpuMs / kl.latency.n))} ms for 16 queued requests on the client's one thread. The 1-client p50 (${ms(sl.latency.p50)} ms) is the round trip without queueing.`),
    },
  ];
  const markdown = `${throughput}
CPU time per operation, measured from the processes themselves (client: \`process.cpuUsage()\` in the
load generator; server: utime+stime of the server process from \`/proc/<pid>/stat\`, 10 ms ticks):

${cpu}
How it was measured:
- Three processes: the local endpoint (\`node --import tsx local-aws/cli.ts serve\`, own temp data
  folder), s3rver ${s3rverVersion()} (\`new S3rver({ address: '127.0.0.1', directory: <temp> })\`,
  \`silent\`), and one load generator (\`bench/s3/load.ts\`) that drives both in turn, alternating which goes
  first. Each of the N clients is its own \`S3Client\` with one keep-alive connection, sending one request
  after the other; latency is the time of \`send()\` (GetObject: until the body is read).
- Same client settings for both servers: path-style, 1 attempt, and
  \`requestChecksumCalculation\`/\`responseChecksumValidation: 'WHEN_REQUIRED'\` — no CRC32 on PutObject
  and no checksum validation on GetObject, because s3rver supports neither flexible checksums nor
  aws-chunked uploads, and validating our CRC32s on GetObject would charge the client for a feature the
  peer lacks. Both verify SigV4 signatures (s3rver with its own S3RVER keys).
- Warm-up of 10% of the measured count (at least 50 operations) before each measurement; keys rotate
  over 8 per client (PutObject overwrites).
- Not the same work: the local endpoint writes each object durably (group-committed fsync of the data and
  its journal before answering, so an acknowledged write survives \`kill -9\`); s3rver writes files
  without fsync.
`;
  return { markdown, goals };
}

function os2Cores(): number {
  return os.cpus().length;
}

function s3rverVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(PROJECT, 'node_modules', 's3rver', 'package.json'), 'utf8')) as { version: string }).version;
}

export async function s3Section(): Promise<Section> {
  const startedAt = new Date();
  const r = await runS3Bench();
  return { ...r, command: 'npm run bench:s3', startedAt, durationMs: Date.now() - startedAt.getTime() };
}

if (isMain(import.meta.url)) await runAlone(s3Section);

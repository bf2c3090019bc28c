// S3 benchmark (issue 2): PutObject and GetObject of 1 KB and 1 MB objects through
// @aws-sdk/client-s3 with 1 and 16 concurrent clients, against the local endpoint and s3rver in the
// same run, each server in a process of its own and the load generators (one per core) in others.
//   npm run bench:s3        (writes its section of bench/RESULTS.md)
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LoadJob, LoadResult, Reply, Request, Target } from './s3/load.ts';
import {
  PROJECT,
  TSX,
  onCleanup,
  processCpuMs,
  startLocalEndpoint,
  startServerProcess,
  stopChild,
  tempDir,
  type ServerProcess,
} from './lib/procs.ts';
import { isMain, runAlone } from './lib/main.ts';
import { progress, type Goal, type Section } from './lib/report.ts';
import { int, ms, ratio, summarize, table, type Summary } from './lib/stats.ts';

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
  byTarget: Record<string, LoadRun & { serverCpuMs: number }>;
}

const KB = 1024;
const MB = 1024 * 1024;
const DEFAULT_OPS = { small1: 3000, small16: 8000, large1: 400, large16: 800 };

/** What one cell measured on one server, over all load generator processes. */
export interface LoadRun {
  latency: Summary;
  /** From `go` to the last process's answer. */
  wallMs: number;
  opsPerSec: number;
  /** All load generator processes together. */
  clientCpuMs: number;
  errors: number;
  firstError?: string;
  processes: number;
}

/** One load generator process (bench/s3/load.ts). */
class LoadGenerator {
  private readonly child: ChildProcess;
  private readonly inbox: Reply[] = [];
  private waiter: ((r: Reply) => void) | undefined;
  readonly stop: () => Promise<void>;

  constructor() {
    this.child = fork(path.join(PROJECT, 'bench', 's3', 'load.ts'), [], {
      execArgv: ['--import', TSX],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (r: Reply) => {
      const w = this.waiter;
      this.waiter = undefined;
      if (w) w(r);
      else this.inbox.push(r);
    });
    this.stop = onCleanup(
      () => stopChild(this.child),
      () => this.child.kill('SIGKILL'),
    );
  }

  send(req: Request): void {
    this.child.send(req);
  }

  /** The next message from the process. */
  next(): Promise<Reply> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const onExit = () => reject(new Error('the load generator exited'));
      this.child.once('exit', onExit);
      this.waiter = (r) => {
        this.child.off('exit', onExit);
        resolve(r);
      };
    });
  }
}

/** `total` split into `parts` near-equal whole shares. */
const share = (total: number, parts: number, i: number) => Math.floor(total / parts) + (i < total % parts ? 1 : 0);

/**
 * Runs a job with its clients split over the load generators (16 clients on 2 processes: 8 each),
 * all measuring the same interval: each warms up, says ready, and starts on the same `go`.
 */
async function runSplit(gens: LoadGenerator[], job: LoadJob): Promise<LoadRun> {
  const used = gens.slice(0, Math.min(gens.length, job.concurrency));
  used.forEach((g, i) =>
    g.send({
      kind: 'run',
      job: {
        ...job,
        concurrency: share(job.concurrency, used.length, i),
        ops: share(job.ops, used.length, i),
        warmup: share(job.warmup, used.length, i),
      },
    }),
  );
  const readies = await Promise.all(used.map((g) => g.next()));
  const t0 = performance.now();
  for (const [i, g] of used.entries()) if (readies[i]!.kind === 'ready') g.send({ kind: 'go' });
  const replies = await Promise.all(
    used.map((g, i) => (readies[i]!.kind === 'ready' ? g.next() : Promise.resolve(readies[i]!))),
  );
  const wallMs = performance.now() - t0;
  const failed = replies.find((r) => r.kind === 'error');
  if (failed?.kind === 'error')
    throw new Error(`${job.target.name} ${job.op} ${job.size} B x${job.concurrency}: ${failed.message}`);
  const results = replies
    .map((r) => (r.kind === 'ok' ? r.result! : undefined))
    .filter((r): r is LoadResult => r !== undefined);
  const latency = summarize(results.flatMap((r) => r.latencies));
  return {
    latency,
    wallMs,
    opsPerSec: (latency.n / wallMs) * 1000,
    clientCpuMs: results.reduce((a, r) => a + r.clientCpuMs, 0),
    errors: results.reduce((a, r) => a + r.errors, 0),
    firstError: results.find((r) => r.firstError)?.firstError,
    processes: used.length,
  };
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

export async function runS3Bench(
  options: S3BenchOptions = {},
): Promise<Omit<Section, 'command' | 'startedAt' | 'durationMs'> & { cells: CellResult[] }> {
  const ops = options.ops ?? DEFAULT_OPS;
  // One load generator process per core (at most 4): the clients are split over them.
  const generators = Math.min(4, os.cpus().length);
  progress(`S3: starting the local endpoint, s3rver and ${generators} load generator process(es)`);
  const local = await startLocalEndpoint({ nodeArgs: options.localNodeArgs });
  const peer = await startS3rver();
  const gens = Array.from({ length: generators }, () => new LoadGenerator());
  const servers: Array<{ target: Target; proc: ServerProcess }> = [
    {
      target: { name: 'local', endpoint: local.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
      proc: local,
    },
    {
      target: { name: 's3rver', endpoint: peer.url, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
      proc: peer,
    },
  ];
  const bucket = 'bench-s3';
  const cells: CellResult[] = [];
  try {
    for (const s of servers) {
      gens[0]!.send({ kind: 'setup', target: s.target, bucket });
      const r = await gens[0]!.next();
      if (r.kind === 'error') throw new Error(`${s.target.name}: CreateBucket failed: ${r.message}`);
    }
    // JIT warm-up of every process before anything is measured (the first cell would pay for it).
    progress('S3: warming up (1 KB and 1 MB PutObject/GetObject on both servers, not measured)');
    for (const s of servers)
      for (const op of ['put', 'get'] as const)
        for (const size of [KB, MB])
          await runSplit(gens, {
            target: s.target,
            bucket,
            op,
            size,
            concurrency: 4,
            warmup: size === KB ? 1500 : 100,
            ops: 2,
          });
    const plan: Cell[] = [];
    for (const op of ['put', 'get'] as const)
      for (const size of [KB, MB]) for (const concurrency of [1, 16]) plan.push({ op, size, concurrency });
    for (const [index, cell] of plan.entries()) {
      const n =
        cell.size === KB
          ? cell.concurrency === 1
            ? ops.small1
            : ops.small16
          : cell.concurrency === 1
            ? ops.large1
            : ops.large16;
      const result: CellResult = { ...cell, byTarget: {} };
      // Alternate which server goes first, so neither always runs on a warmer (or busier) machine.
      const order = index % 2 === 0 ? servers : [...servers].reverse();
      for (const s of order) {
        const job: LoadJob = { target: s.target, bucket, ...cell, ops: n, warmup: Math.max(50, Math.round(n / 10)) };
        const cpu0 = processCpuMs(s.proc.pid);
        const r = await runSplit(gens, job);
        const serverCpuMs = processCpuMs(s.proc.pid) - cpu0;
        result.byTarget[s.target.name] = { ...r, serverCpuMs };
        const errors = r.errors ? `, ${r.errors} errors: ${r.firstError}` : '';
        const what = `${cell.op === 'put' ? 'PutObject' : 'GetObject'} ${sizeName(cell.size)} x${cell.concurrency}`;
        progress(
          `S3: ${what} ${s.target.name}: ` +
            `${int(r.opsPerSec)} ops/s, p50 ${ms(r.latency.p50)} ms, p99 ${ms(r.latency.p99)} ms ` +
            `(${r.latency.n} ops${errors})`,
        );
      }
      cells.push(result);
    }
  } finally {
    await Promise.all(gens.map((g) => g.stop()));
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
    [
      'operation',
      'clients:',
      'local ops/s:',
      's3rver ops/s:',
      'ratio:',
      'local p50:',
      's3rver p50:',
      'local p99:',
      's3rver p99:',
      'ops:',
    ],
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
    [
      'operation',
      'clients:',
      'client (local):',
      'server (local):',
      'client (s3rver):',
      'server (s3rver):',
      'errors (local / s3rver):',
    ],
    cells.map((c) => {
      const l = get(c, 'local');
      const p = get(c, 's3rver');
      const per = (x: number, r: LoadRun) => (x / r.latency.n).toFixed(3);
      return [
        opName(c),
        String(c.concurrency),
        per(l.clientCpuMs, l),
        per(l.serverCpuMs, l),
        per(p.clientCpuMs, p),
        per(p.serverCpuMs, p),
        `${l.errors} / ${p.errors}`,
      ];
    }),
  );
  const key = cells.find((c) => c.op === 'put' && c.size === KB && c.concurrency === 16)!;
  const processes = get(key, 'local').processes;
  const serial = cells.find((c) => c.op === 'put' && c.size === KB && c.concurrency === 1)!;
  const kl = get(key, 'local');
  const kp = get(key, 's3rver');
  const sl = get(serial, 'local');
  const speedup = kl.opsPerSec / kp.opsPerSec;
  // Little's law: with 16 requests always in flight, mean latency = 16 / throughput. On 2 cores the
  // throughput is bounded by the CPU that client AND server spend per request.
  const cpuPerOp = (kl.clientCpuMs + kl.serverCpuMs) / kl.latency.n;
  const bound = (16 / ((os2Cores() * 1000) / cpuPerOp)) * 1000;
  const clientPerOp = (kl.clientCpuMs / kl.latency.n).toFixed(2);
  const serverPerOp = (kl.serverCpuMs / kl.latency.n).toFixed(2);
  const fitPerSecond = int((os2Cores() * 1000) / cpuPerOp);
  const goals: Goal[] = [
    {
      goal: "at least 2x s3rver's ops/s on 1 KB PutObject with 16 clients",
      met: speedup >= 2,
      detail:
        `${int(kl.opsPerSec)} vs ${int(kp.opsPerSec)} ops/s = ${ratio(speedup)}. ` +
        `Server CPU per request: ${serverPerOp} vs ${(kp.serverCpuMs / kp.latency.n).toFixed(2)} ms = ` +
        `${ratio(kp.serverCpuMs / kp.latency.n / (kl.serverCpuMs / kl.latency.n))} less for ours.` +
        (speedup >= 2
          ? ''
          : ` Throughput is shared-machine bound: the load generators (${kl.processes} process(es), ` +
            `${clientPerOp} ms of CPU per request) and the server share ${os2Cores()} cores, so at most ` +
            `${fitPerSecond} requests/s fit here; 2x s3rver would need ${int(2 * kp.opsPerSec)}.`),
    },
    {
      goal: 'p50 under 2 ms on 1 KB PutObject with 16 clients',
      met: kl.latency.p50 < 2,
      detail:
        `p50 ${ms(kl.latency.p50)} ms with 16 clients (s3rver: ${ms(kp.latency.p50)} ms); ` +
        `with 1 client p50 is ${ms(sl.latency.p50)} ms. ` +
        (kl.latency.p50 < 2
          ? ''
          : `Infeasible on ${os2Cores()} cores with the SDK as client: ` +
            `each request costs ${cpuPerOp.toFixed(2)} ms of CPU in total ` +
            `(client ${clientPerOp} + server ${serverPerOp}), so at most ` +
            `${fitPerSecond} requests/s fit on ${os2Cores()} cores, and with 16 requests always in flight ` +
            `(Little's law) the mean latency cannot go below 16 / that = ${ms(bound)} ms ` +
            '— whatever the server does. ' +
            `The clients alone spend ${clientPerOp} ms per request, so even a server that cost nothing would leave ` +
            `a floor of ${ms((16 * (kl.clientCpuMs / kl.latency.n)) / os2Cores())} ms. ` +
            `The 1-client p50 (${ms(sl.latency.p50)} ms) is the round trip without queueing.`),
    },
  ];
  const legend =
    "Columns: ratio = local ops/s over s3rver's, p50/p99 in ms, ops = the operations measured on each server.";
  const markdown = `${legend}

${throughput}
CPU time per operation in ms, measured from the processes themselves (client: \`process.cpuUsage()\` in the
load generators, summed; server: utime+stime of the server process from \`/proc/<pid>/stat\`, 10 ms ticks):

${cpu}
How it was measured:
- The local endpoint (\`node --import tsx local-aws/cli.ts serve\`, own temp data folder), s3rver
  ${s3rverVersion()} (\`new S3rver({ address: '127.0.0.1', directory: <temp> })\`, \`silent\`), and
  ${processes} load generator process(es) (\`bench/s3/load.ts\`, one per core: a single client process would
  be the bottleneck, not the server) that drive both servers in turn, alternating which goes first.
  The clients of a cell are split over the load generators (16 clients: ${share(16, processes, 0)} per process;
  1 client: one process); each warms up, then all start measuring on the same signal; ops/s is all
  processes' operations over the time from that signal to the last one's end, and the percentiles are
  over all their latencies. Each client is its own \`S3Client\` with one keep-alive connection,
  sending one request after the other; latency is the time of \`send()\` (GetObject: until the body is read).
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
  return (
    JSON.parse(fs.readFileSync(path.join(PROJECT, 'node_modules', 's3rver', 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
}

export async function s3Section(): Promise<Section> {
  const startedAt = new Date();
  const r = await runS3Bench();
  return { ...r, command: 'npm run bench:s3', startedAt, durationMs: Date.now() - startedAt.getTime() };
}

if (isMain(import.meta.url)) await runAlone(s3Section);

// One S3 load generator process (bench/s3.ts forks one per core and splits the clients over them):
// N clients, each its own S3Client and connection, each doing one request after the other. After the
// warm-up it says `ready` and waits for `go`, so that all processes measure the same interval; it
// answers with every latency and its own CPU time.
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import * as http from 'node:http';

export interface Target {
  name: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface LoadJob {
  target: Target;
  op: 'put' | 'get';
  size: number;
  concurrency: number;
  warmup: number;
  ops: number;
  bucket: string;
}

export interface LoadResult {
  /** Every measured latency (ms), so that the parent can merge processes into true percentiles. */
  latencies: number[];
  clientCpuMs: number;
  errors: number;
  firstError?: string;
}

export type Request =
  { kind: 'setup'; target: Target; bucket: string } | { kind: 'run'; job: LoadJob } | { kind: 'go' };
export type Reply = { kind: 'ok'; result?: LoadResult } | { kind: 'ready' } | { kind: 'error'; message: string };

let go: (() => void) | undefined;
/** Tells the parent the warm-up is done and waits for its `go` (at once when run without a parent). */
function ready(): Promise<void> {
  if (!process.send) return Promise.resolve();
  return new Promise((resolve) => {
    go = resolve;
    process.send!({ kind: 'ready' } satisfies Reply);
  });
}

/** The same client settings for every target; checksums only where an operation requires one (see RESULTS.md). */
export function client(t: Target): S3Client {
  return new S3Client({
    endpoint: t.endpoint,
    region: 'us-east-1',
    credentials: t.credentials,
    forcePathStyle: true,
    maxAttempts: 1,
    // The middleware stack resolved once per command type, not on every send (a documented client option).
    cacheMiddleware: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // One keep-alive connection per client (each client sends one request at a time).
    requestHandler: { httpAgent: new http.Agent({ keepAlive: true, maxSockets: 1 }) },
  });
}

const KEYS_PER_CLIENT = 8;
const keyOf = (size: number, c: number, i: number) => `bench/${size}/c${c}/k${i % KEYS_PER_CLIENT}`;

async function runJob(job: LoadJob): Promise<LoadResult> {
  const body = Buffer.alloc(job.size, 0x61);
  const clients = Array.from({ length: job.concurrency }, () => client(job.target));
  const one = async (s3: S3Client, c: number, i: number) => {
    const Key = keyOf(job.size, c, i);
    if (job.op === 'put') {
      await s3.send(
        new PutObjectCommand({ Bucket: job.bucket, Key, Body: body, ContentType: 'application/octet-stream' }),
      );
    } else {
      const r = await s3.send(new GetObjectCommand({ Bucket: job.bucket, Key }));
      const bytes = await r.Body!.transformToByteArray();
      if (bytes.length !== job.size) throw new Error(`GetObject returned ${bytes.length} bytes, expected ${job.size}`);
    }
  };
  try {
    if (job.op === 'get') {
      // The objects the GETs read.
      await Promise.all(
        clients.map(async (s3, c) => {
          for (let i = 0; i < KEYS_PER_CLIENT; i++)
            await s3.send(new PutObjectCommand({ Bucket: job.bucket, Key: keyOf(job.size, c, i), Body: body }));
        }),
      );
    }
    let errors = 0;
    let firstError: string | undefined;
    const loop = async (count: number, record: number[] | undefined, next: { i: number }) => {
      await Promise.all(
        clients.map(async (s3, c) => {
          for (;;) {
            const i = next.i++;
            if (i >= count) return;
            const t0 = performance.now();
            try {
              await one(s3, c, i);
            } catch (e) {
              errors++;
              firstError ??= `${(e as Error).name}: ${(e as Error).message}`;
              continue;
            }
            record?.push(performance.now() - t0);
          }
        }),
      );
    };
    await loop(job.warmup, undefined, { i: 0 });
    await ready();
    const latencies: number[] = [];
    const cpu0 = process.cpuUsage();
    await loop(job.ops, latencies, { i: 0 });
    const cpu = process.cpuUsage(cpu0);
    // Throughput is the parent's: all processes' operations over the same interval.
    return {
      latencies,
      clientCpuMs: (cpu.user + cpu.system) / 1000,
      errors,
      firstError,
    };
  } finally {
    for (const s3 of clients) s3.destroy();
  }
}

async function handle(req: Exclude<Request, { kind: 'go' }>): Promise<Reply> {
  try {
    if (req.kind === 'setup') {
      const s3 = client(req.target);
      try {
        await s3.send(new CreateBucketCommand({ Bucket: req.bucket }));
      } finally {
        s3.destroy();
      }
      return { kind: 'ok' };
    }
    return { kind: 'ok', result: await runJob(req.job) };
  } catch (e) {
    return { kind: 'error', message: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

if (process.send) {
  process.on('message', (req: Request) => {
    if (req.kind === 'go') return go?.();
    void handle(req).then((reply) => process.send!(reply));
  });
  process.on('disconnect', () => process.exit(0));
}

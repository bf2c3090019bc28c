// Pipeline benchmark (issue 11): 100 concurrent uploads of a 65 KB 1600x1000 JPEG (one SDK client,
// one process) into the walkthrough's source bucket with the resize function deployed, until all 100
// thumbnails exist, warm; against bare sharp making the same 100 thumbnails in one process, 2 at a
// time. Both in the same run, alternating, several rounds.
//   npm run bench:pipeline        (writes its section of bench/RESULTS.md)
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { readConfig } from '../handlers/resize/config.ts';
import { makeThumbnail } from '../handlers/resize/image.ts';
import { isMain, runAlone } from './lib/main.ts';
import { PROJECT, TSX, processCpuMs, startLocalEndpoint, tempDir } from './lib/procs.ts';
import { progress, type Goal, type Section } from './lib/report.ts';
import { median, ratio, seconds, table } from './lib/stats.ts';

const COUNT = 100;
const ROUNDS = Number(process.env.PIPELINE_ROUNDS ?? 5);
export const SOURCE = 'bench-pipeline-source';
export const DEST = 'bench-pipeline-source-resized';
const GOAL = 0.6;

/** A 1600x1000 photo-like JPEG of about 65 KB: smooth gradients and some detail, made the same way every run. */
export async function benchImage(): Promise<Buffer> {
  const w = 1600;
  const h = 1000;
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      const detail = ((x * 7919 + y * 104729) % 97) / 6;
      raw[i] = (128 + 100 * Math.sin(x / 150) + detail) & 0xff;
      raw[i + 1] = (128 + 90 * Math.cos(y / 120 + x / 400)) & 0xff;
      raw[i + 2] = (100 + 80 * Math.sin((x + y) / 200) + detail) & 0xff;
    }
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 82 })
    .toBuffer();
}

export function runWalkthrough(endpoint: string, cwd: string, image: string): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    NO_COLOR: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const args = ['--import', TSX, path.join(PROJECT, 'walkthrough', 'all.ts'), '--image', image];
  args.push('--source-bucket', SOURCE, '--dest-bucket', DEST);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`walkthrough/all.ts exited ${code}:\n${out.slice(-3000)}`)),
    );
  });
}

/** Waits for the thumbnails in order with HeadObject: cheap for the endpoint, unlike a listing per poll. */
async function waitForThumbnails(s3: S3Client, prefix: string, deadline: number): Promise<void> {
  const exists = (i: number) =>
    s3.send(new HeadObjectCommand({ Bucket: DEST, Key: `resized-${prefix}${i}.jpg` })).then(
      () => true,
      (e: { name?: string }) => {
        if (e.name === 'NotFound') return false;
        throw e;
      },
    );
  for (let i = 0; i < COUNT;) {
    if (await exists(i)) i++;
    else if (Date.now() > deadline) throw new Error(`round ${prefix}: ${i} of ${COUNT} thumbnails by the deadline`);
    else await new Promise((r) => setTimeout(r, 5));
  }
}

/** Uploads COUNT copies at once; resolves with the time from the first send to the last thumbnail. */
export async function pipelineRound(s3: S3Client, body: Buffer, prefix: string): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: COUNT }, (_, i) =>
      s3.send(
        new PutObjectCommand({ Bucket: SOURCE, Key: `${prefix}${i}.jpg`, Body: body, ContentType: 'image/jpeg' }),
      ),
    ),
  );
  await waitForThumbnails(s3, prefix, Date.now() + 120_000);
  return performance.now() - t0;
}

/** The same COUNT thumbnails with the handler's own resize, 2 at a time, in this process. */
export async function sharpRound(body: Buffer): Promise<number> {
  const config = readConfig({ DEST_BUCKET: DEST });
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < COUNT) {
      next++;
      await makeThumbnail(body, config);
    }
  };
  await Promise.all([worker(), worker()]);
  return performance.now() - t0;
}

/** CPU ms of a process and all its descendants (the endpoint and its function environments). */
function treeCpuMs(root: number): number {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    const cpu = processCpuMs(pid);
    if (Number.isFinite(cpu)) total += cpu;
    todo.push(...(children.get(pid) ?? []));
  }
  return total;
}

export { treeCpuMs as treeCpu };
export interface PipelineBench {
  imageBytes: number;
  pipelineMs: number[];
  sharpMs: number[];
  serverCpuMsPerImage: number[];
}

export async function runPipelineBench(rounds = ROUNDS): Promise<PipelineBench> {
  const body = await benchImage();
  progress(`Pipeline: a ${body.length} byte 1600x1000 JPEG; starting the endpoint and the walkthrough`);
  const local = await startLocalEndpoint();
  const scratch = tempDir('bench-pipeline-');
  const image = path.join(scratch.dir, 'bench.jpg');
  fs.writeFileSync(image, body);
  await runWalkthrough(local.url, scratch.dir, image);
  const s3 = new S3Client({
    endpoint: local.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    forcePathStyle: true,
    maxAttempts: 1,
  });
  const out: PipelineBench = { imageBytes: body.length, pipelineMs: [], sharpMs: [], serverCpuMsPerImage: [] };
  try {
    // Warm: environments started and sharp loaded on both sides.
    await pipelineRound(s3, body, 'warm/');
    await sharpRound(body);
    for (let r = 0; r < rounds; r++) {
      const cpu0 = treeCpuMs(local.pid);
      const p = await pipelineRound(s3, body, `r${r}/`);
      out.serverCpuMsPerImage.push((treeCpuMs(local.pid) - cpu0) / COUNT);
      const b = await sharpRound(body);
      out.pipelineMs.push(p);
      out.sharpMs.push(b);
      progress(
        `Pipeline: round ${r + 1}: pipeline ${((COUNT * 1000) / p).toFixed(1)}/s, ` +
          `bare sharp ${((COUNT * 1000) / b).toFixed(1)}/s`,
      );
    }
  } finally {
    s3.destroy();
    await local.stop();
  }
  return out;
}

export async function pipelineSection(): Promise<Section> {
  const startedAt = new Date();
  const r = await runPipelineBench();
  const perS = (msValue: number) => (COUNT * 1000) / msValue;
  const pipe = median(r.pipelineMs.map(perS));
  const bare = median(r.sharpMs.map(perS));
  const goals: Goal[] = [
    {
      goal: `the upload -> thumbnail pipeline at least ${GOAL}x bare sharp's throughput, warm`,
      met: pipe / bare >= GOAL,
      detail:
        `${pipe.toFixed(1)} vs ${bare.toFixed(1)} thumbnails/s = ${ratio(pipe / bare)} ` +
        `(medians of ${r.pipelineMs.length} rounds of ${COUNT})`,
    },
  ];
  const rows = r.pipelineMs.map((p, i) => [
    String(i + 1),
    seconds(p),
    perS(p).toFixed(1),
    seconds(r.sharpMs[i]!),
    perS(r.sharpMs[i]!).toFixed(1),
    ratio(perS(p) / perS(r.sharpMs[i]!)),
    r.serverCpuMsPerImage[i]!.toFixed(1),
  ]);
  const markdown = [
    table(
      [
        'round',
        'pipeline s',
        'pipeline /s',
        'bare sharp s',
        'bare sharp /s',
        'ratio',
        'endpoint + functions CPU ms/image',
      ],
      rows,
    ),
    '',
    'How it was measured:',
    `- The local endpoint (own temp data folder, default settings) with \`walkthrough/all.ts\` run against it`,
    `  (function \`CreateThumbnail\`, 1024 MB, S3 trigger). One \`S3Client\` in this process sends ${COUNT}`,
    `  PutObjects of a ${r.imageBytes} byte 1600x1000 JPEG at once; the time runs from the first send until`,
    `  HeadObject (each key in turn, every 5 ms until it exists) finds all ${COUNT} \`resized-\` thumbnails.`,
    '  One warm-up round first.',
    `- Bare sharp: the handler's \`makeThumbnail\` on the same bytes, ${COUNT} times, 2 at a time, in this process.`,
    '- Rounds alternate pipeline and bare sharp; the CPU column is the endpoint process and its children',
    '  (the function environments) over the pipeline round, from `/proc/<pid>/stat`.',
  ].join('\n');
  return {
    id: 'pipeline',
    title: 'Pipeline: upload -> thumbnail vs bare sharp (issue 11)',
    command: 'npm run bench:pipeline',
    markdown,
    goals,
    startedAt,
    durationMs: Date.now() - startedAt.getTime(),
  };
}

if (isMain(import.meta.url)) await runAlone(pipelineSection);

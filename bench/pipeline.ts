// Pipeline benchmark (issue 11): 100 concurrent uploads of a 65 KB 1600x1000 JPEG (one SDK client,
// one process) into the walkthrough's source bucket with the resize function deployed, until all 100
// thumbnails exist, warm; against bare sharp making the same 100 thumbnails in one process, 2 at a
// time. Both in the same run, alternating, several rounds.
//   npm run bench:pipeline        (writes its section of bench/RESULTS.md)
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { readConfig } from '../handlers/resize/config.ts';
import { makeThumbnail } from '../handlers/resize/image.ts';
import { machineCores } from '../local-aws/lambda/runtime/cpu.ts';
import { isMain, runAlone } from './lib/main.ts';
import { PROJECT, TSX, startLocalEndpoint, tempDir, isolatedEnv } from './lib/procs.ts';
import {
  measured,
  NOOP_SOURCE,
  noopInvocations,
  PLAIN,
  putAll,
  s3CallsOnly,
  setUpStages,
  type StageCost,
} from './pipeline/stages.ts';
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
  const env: NodeJS.ProcessEnv = isolatedEnv({
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    NO_COLOR: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
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

/**
 * Waits until ListObjectsV2 of the destination shows all COUNT thumbnails of the round. One listing
 * per poll instead of a HeadObject per thumbnail: the waiting is measurement, not pipeline, so it
 * should cost little. The pause follows the progress seen so far (half the estimated time left,
 * 10-100 ms), so the finish is seen within a few ms without polling all the time.
 */
async function waitForThumbnails(s3: S3Client, prefix: string, t0: number, deadline: number): Promise<void> {
  let pause = 20;
  for (;;) {
    let done = 0;
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: DEST, Prefix: `resized-${prefix}`, ContinuationToken: token }),
      );
      done += page.KeyCount ?? 0;
      token = page.NextContinuationToken;
    } while (token);
    if (done >= COUNT) return;
    if (Date.now() > deadline) throw new Error(`round ${prefix}: ${done} of ${COUNT} thumbnails by the deadline`);
    const elapsed = performance.now() - t0;
    pause = done > 0 ? ((COUNT - done) * elapsed) / done / 2 : pause * 1.5;
    pause = Math.min(100, Math.max(10, pause));
    await new Promise((r) => setTimeout(r, pause));
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
  await waitForThumbnails(s3, prefix, t0, Date.now() + 120_000);
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

export interface Round {
  plain: StageCost;
  noop: StageCost;
  pipeline: StageCost;
  sharp: StageCost;
  calls: StageCost;
}

export interface PipelineBench {
  imageBytes: number;
  rounds: Round[];
}

export async function runPipelineBench(rounds = ROUNDS): Promise<PipelineBench> {
  const body = await benchImage();
  progress(`Pipeline: a ${body.length} byte 1600x1000 JPEG; starting the endpoint and the walkthrough`);
  const local = await startLocalEndpoint();
  const scratch = tempDir('bench-pipeline-');
  const image = path.join(scratch.dir, 'bench.jpg');
  fs.writeFileSync(image, body);
  await runWalkthrough(local.url, scratch.dir, image);
  await setUpStages(local.url);
  const thumb = (await makeThumbnail(body, readConfig({ DEST_BUCKET: DEST }))).data;
  const config = {
    endpoint: local.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const logs = new CloudWatchLogsClient(config);
  const out: PipelineBench = { imageBytes: body.length, rounds: [] };
  const own = process.pid;
  try {
    // Warm: environments started and sharp loaded on both sides.
    await pipelineRound(s3, body, 'warm/');
    let since = Date.now();
    await putAll(s3, NOOP_SOURCE, 'warm/', body, COUNT);
    await noopInvocations(logs, since, COUNT);
    await sharpRound(body);
    for (let r = 0; r < rounds; r++) {
      const plain = await measured(local.pid, COUNT, () => putAll(s3, PLAIN, `r${r}/`, body, COUNT));
      since = Date.now();
      const noop = await measured(local.pid, COUNT, async () => {
        await putAll(s3, NOOP_SOURCE, `r${r}/`, body, COUNT);
        await noopInvocations(logs, since, COUNT);
      });
      const pipeline = await measured(local.pid, COUNT, () => pipelineRound(s3, body, `r${r}/`));
      const sharpCost = await measured(own, COUNT, () => sharpRound(body));
      const calls = await measured(local.pid, COUNT, () => s3CallsOnly(s3, SOURCE, `r${r}/`, thumb, COUNT));
      out.rounds.push({ plain, noop, pipeline, sharp: sharpCost, calls });
      progress(
        `Pipeline: round ${r + 1}: pipeline ${perS(pipeline.wallMs).toFixed(1)}/s, ` +
          `bare sharp ${perS(sharpCost.wallMs).toFixed(1)}/s`,
      );
    }
  } finally {
    s3.destroy();
    logs.destroy();
    await local.stop();
  }
  return out;
}

const perS = (msValue: number) => (COUNT * 1000) / msValue;
const med = (xs: number[]) => median(xs).toFixed(1);

function stageRow(name: string, costs: StageCost[], cpu: 'all' | 'client'): string[] {
  const client = costs.map((c) => c.client);
  return [
    name,
    seconds(median(costs.map((c) => c.wallMs))),
    med(costs.map((c) => perS(c.wallMs))),
    cpu === 'all' ? med(costs.map((c) => c.endpoint)) : '-',
    cpu === 'all' ? med(costs.map((c) => c.environments)) : '-',
    med(client),
    med(costs.map((c) => (cpu === 'all' ? c.endpoint + c.environments : 0) + c.client)),
  ];
}

/** Where the CPU ms of one image go, from the stage medians (each stage adds one part to the one before). */
function breakdown(rounds: Round[]): string {
  const m = (pick: (r: Round) => number) => median(rounds.map(pick));
  const all = (c: StageCost) => c.endpoint + c.environments + c.client;
  const f = (x: number) => x.toFixed(1);
  const a = m((r) => all(r.plain));
  const bEp = m((r) => r.noop.endpoint - r.plain.endpoint);
  const bEnv = m((r) => r.noop.environments - r.plain.environments);
  const cEp = m((r) => r.pipeline.endpoint - r.noop.endpoint);
  const cEnv = m((r) => r.pipeline.environments - r.noop.environments);
  const cCl = m((r) => r.pipeline.client - r.noop.client);
  const d = m((r) => r.sharp.client);
  const e = m((r) => all(r.calls));
  const floor = a + e + d;
  // Cores kept busy = CPU ms per image x images per second / 1000.
  const coresC = m((r) => (all(r.pipeline) * COUNT) / r.pipeline.wallMs);
  const coresD = m((r) => (r.sharp.client * COUNT) / r.sharp.wallMs);
  const bare = m((r) => perS(r.sharp.wallMs));
  const ceiling = (cores: number) => (cores * 1000) / floor / bare;
  return [
    'Where the CPU of one image goes (medians, ms; each line is one stage minus the one before):',
    `- the upload itself (A: client PutObject of 65 KB, S3's checks, journal and group-committed fsync): ${f(a)}`,
    `- the trigger (B - A): endpoint ${f(bEp)} (the event queued durably, the Runtime API hop, the log ` +
      `lines written), environment ${f(bEnv)} (the runtime's loop around an empty handler)`,
    `- the resize function's work (C - B): environments ${f(cEnv)} (its SDK GetObject and PutObject, sharp, ` +
      `its log line), endpoint ${f(cEp)} (serving that GetObject/PutObject), client ${f(cCl)} ` +
      '(ListObjectsV2 polling for the thumbnails)',
    `- bare sharp (D), the same resize in one warm process: ${f(d)}`,
    `- the function's S3 calls alone (E: the handler's GetObject and PutObject code, SDK and endpoint): ${f(e)}`,
    '',
    `The floor: even if the trigger, the Runtime API, the runtime, its log lines and the waiting cost nothing, ` +
      `an image needs its upload, its two S3 calls and sharp: A + E + D = ${f(floor)} ms of CPU, ` +
      `${(floor / d).toFixed(1)}x bare sharp's. Stage C kept ${coresC.toFixed(2)} cores busy (bare sharp ` +
      `${coresD.toFixed(2)}); at that the floor allows at most ${ratio(ceiling(coresC))} bare sharp's ` +
      `throughput, with both cores always busy ${ratio(ceiling(machineCores()))}.`,
  ].join('\n');
}

export async function pipelineSection(): Promise<Section> {
  const startedAt = new Date();
  const r = await runPipelineBench();
  const rounds = r.rounds;
  const pipe = median(rounds.map((x) => perS(x.pipeline.wallMs)));
  const bare = median(rounds.map((x) => perS(x.sharp.wallMs)));
  const ratios = rounds.map((x) => perS(x.pipeline.wallMs) / perS(x.sharp.wallMs));
  const goals: Goal[] = [
    {
      goal: `the upload -> thumbnail pipeline at least ${GOAL}x bare sharp's throughput, warm`,
      met: median(ratios) >= GOAL,
      detail:
        `${pipe.toFixed(1)} vs ${bare.toFixed(1)} thumbnails/s; ratio ${ratio(median(ratios))} ` +
        `(medians of ${rounds.length} rounds of ${COUNT}, per-round ratios ${ratios.map(ratio).join(', ')})`,
    },
  ];
  const markdown = [
    breakdown(rounds),
    '',
    table(
      [
        'stage',
        'wall s',
        'images/s',
        'endpoint CPU ms/image',
        'environments CPU ms/image',
        'client CPU ms/image',
        'total',
      ],
      [
        stageRow(
          'A. PutObject only (no trigger)',
          rounds.map((x) => x.plain),
          'all',
        ),
        stageRow(
          'B. + trigger, empty function',
          rounds.map((x) => x.noop),
          'all',
        ),
        stageRow(
          'C. the pipeline (resize function)',
          rounds.map((x) => x.pipeline),
          'all',
        ),
        stageRow(
          'D. bare sharp, 2 at a time',
          rounds.map((x) => x.sharp),
          'client',
        ),
        stageRow(
          "E. the function's S3 calls alone, 2 at a time",
          rounds.map((x) => x.calls),
          'all',
        ),
      ],
    ),
    '',
    'How it was measured:',
    `- The local endpoint (own temp data folder, default settings) with \`walkthrough/all.ts\` run against it`,
    `  (function \`CreateThumbnail\`, 1024 MB, S3 trigger). One \`S3Client\` in this process sends ${COUNT}`,
    `  PutObjects of a ${r.imageBytes} byte 1600x1000 JPEG at once (stage C); the time runs from the first send`,
    `  until ListObjectsV2 of the destination (every 10-100 ms, by the progress seen) lists all ${COUNT}`,
    '  `resized-` thumbnails.',
    '- Stage A sends the same PutObjects to a bucket without notifications; stage B to a bucket that triggers',
    '  an empty function (1024 MB), until its log group holds their REPORT lines (FilterLogEvents every 50 ms).',
    `- Bare sharp (D): the handler's \`makeThumbnail\` on the same bytes, ${COUNT} times, 2 at a time,`,
    '  in this process.',
    "- Stage E: the handler's own `getObjectBytes` and `putThumbnail` (handlers/resize/s3.ts) with this",
    `  process's SDK client, ${COUNT} images 2 at a time: GetObject of each uploaded image, PutObject of its`,
    '  thumbnail into the bucket without a trigger.',
    '- One warm-up of each stage first; then each round runs A, B, C, D, E in turn. Figures are medians over the',
    '  rounds. CPU from `/proc/<pid>/stat` (endpoint, and its descendants: the function environments) and',
    '  `process.cpuUsage()` (client), per image.',
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

// Benchmark of the handler's resize function (not a test): per fixture photo, the median time of
// makeThumbnail vs a bare sharp call doing the same resize on the same bytes (goal: < 10% overhead)
// and vs ImageMagick's `convert <in> -thumbnail 200x <out>` (goal: at least 3x faster).
// Run: npx tsx bench/resize.ts
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { detectImageType } from '../handlers/resize/detect.ts';
import { isMain, runAlone } from './lib/main.ts';
import type { Goal, Section } from './lib/report.ts';
import {
  CONTENT_TYPES,
  ENCODER_OPTIONS,
  inputOptions,
  makeThumbnail,
  outputFormatFor,
  type OutputFormat,
  type ThumbnailOptions,
} from '../handlers/resize/image.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'images');
/** The real ImageMagick (/usr/local/bin/convert on the dev machines is a stand-in). */
const CONVERT = '/usr/bin/convert';
const PHOTOS = [
  'photo-landscape.jpg',
  'photo-portrait-progressive.jpg',
  'exif-rotated-6.jpg',
  'cmyk.jpg',
  'photo.webp',
  'alpha.png',
  'diagram.png',
  'small.gif',
  'photo.tiff',
  'photo.avif',
];

export interface ResizeBenchOptions {
  width?: number;
  warmup?: number;
  /** Timed runs per image for the two in-process variants (interleaved). */
  runs?: number;
  /** Timed runs per image for ImageMagick (a process each). */
  convertRuns?: number;
  files?: string[];
}

export interface ResizeBenchRow {
  file: string;
  bytes: number;
  input: string;
  output: string;
  handlerMs: number;
  sharpMs: number;
  /** Median of the paired ratios handler_i / bare_i, minus 1 (0.05 = 5% slower). */
  overhead: number;
  convertMs?: number;
  /** convert / handler (3 = three times faster). */
  speedup?: number;
  convertError?: string;
  /** Something that makes the ImageMagick run not the same work. */
  convertNote?: string;
}

export interface ResizeBenchResult {
  rows: ResizeBenchRow[];
  markdown: string;
  convert: { available: boolean; version?: string };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** The same work as makeThumbnail, minus its checks: input options, orientation, resize, encoder. */
function bareSharp(
  input: Buffer,
  format: OutputFormat,
  opts: ThumbnailOptions,
  type: Parameters<typeof inputOptions>[0],
): Promise<Buffer> {
  const image = sharp(input, inputOptions(type, opts.maxInputPixels));
  const oriented = type === 'gif' || type === 'webp' ? image : image.rotate();
  return oriented
    .resize({ width: opts.width, withoutEnlargement: true })
    .toFormat(format, ENCODER_OPTIONS[format])
    .toBuffer();
}

function convertVersion(): string | undefined {
  if (!fs.existsSync(CONVERT)) return undefined;
  const r = spawnSync(CONVERT, ['-version'], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return /Version: (ImageMagick \S+)/.exec(r.stdout)?.[1] ?? 'ImageMagick';
}

function runConvert(inFile: string, outFile: string, width: number): number {
  const t0 = performance.now();
  const r = spawnSync(CONVERT, [inFile, '-thumbnail', `${width}x`, outFile], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error((r.stderr || `exit ${r.status}`).trim().split('\n')[0]);
  return ms;
}

const fmt = (ms: number) => ms.toFixed(ms < 10 ? 2 : 1);
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

/** The handler's time on a 16x16 CMYK JPEG: what converting any CMYK image costs before its pixels. */
async function cmykFixedCostMs(opts: ThumbnailOptions, runs: number): Promise<number> {
  const tiny = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#3080c0' } })
    .toColourspace('cmyk')
    .jpeg()
    .toBuffer();
  await makeThumbnail(tiny, { ...opts, width: 8 });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timed(() => makeThumbnail(tiny, { ...opts, width: 8 })));
  return median(times);
}

export async function runResizeBench(options: ResizeBenchOptions = {}): Promise<ResizeBenchResult> {
  const width = options.width ?? 200;
  const warmup = options.warmup ?? 3;
  const runs = options.runs ?? 31;
  const convertRuns = options.convertRuns ?? 7;
  const opts: ThumbnailOptions = { width, maxInputPixels: 40_000_000, maxInputBytes: 50 * 1024 * 1024 };
  // As in the Lambda (index.ts): no operation cache, so repeated runs do the full work.
  sharp.cache(false);
  const version = convertVersion();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resize-bench-'));
  const rows: ResizeBenchRow[] = [];
  try {
    for (const file of options.files ?? PHOTOS) {
      const input = fs.readFileSync(path.join(FIXTURES, file));
      const detected = detectImageType(input);
      if (detected.kind !== 'raster') throw new Error(`${file} is not a supported raster image`);
      const meta = await sharp(input).metadata();
      const format = outputFormatFor(detected.type, meta.hasAlpha);
      for (let i = 0; i < warmup; i++) {
        await makeThumbnail(input, opts);
        await bareSharp(input, format, opts, detected.type);
      }
      const handlerTimes: number[] = [];
      const sharpTimes: number[] = [];
      for (let i = 0; i < runs; i++) {
        // Interleaved, alternating the order, so drift and caches hit both alike.
        const first = i % 2 === 0;
        if (first) handlerTimes.push(await timed(() => makeThumbnail(input, opts)));
        sharpTimes.push(await timed(() => bareSharp(input, format, opts, detected.type)));
        if (!first) handlerTimes.push(await timed(() => makeThumbnail(input, opts)));
      }
      const row: ResizeBenchRow = {
        file,
        bytes: input.length,
        input: `${detected.type} ${meta.width}x${meta.height}`,
        output: CONTENT_TYPES[format],
        handlerMs: median(handlerTimes),
        sharpMs: median(sharpTimes),
        // Paired ratios of adjacent runs: robust to load from other processes drifting over time.
        overhead: median(handlerTimes.map((h, i) => h / (sharpTimes[i] ?? h))) - 1,
      };
      if (version) {
        // Plain ASCII file names; output extension = the handler's output format.
        const inFile = path.join(tmp, `in${path.extname(file).toLowerCase()}`);
        const outFile = path.join(tmp, `out.${format === 'jpeg' ? 'jpg' : format}`);
        fs.writeFileSync(inFile, input);
        try {
          runConvert(inFile, outFile, width);
          const times: number[] = [];
          for (let i = 0; i < convertRuns; i++) times.push(runConvert(inFile, outFile, width));
          row.convertMs = median(times);
          // Read as a buffer: image.ts allows libvips to load from memory only.
          const out = await sharp(fs.readFileSync(outFile)).metadata();
          if (out.space === 'cmyk') {
            const fixed = await cmykFixedCostMs(opts, runs);
            row.convertNote =
              `ImageMagick keeps CMYK (no conversion to sRGB: less work, and wrong colours in browsers); ` +
              `of the handler's ${fmt(row.handlerMs)} ms, ${fmt(fixed)} ms is libvips setting up ` +
              `its CMYK -> sRGB colour transform (built-in CMYK profile, per image: ` +
              `a 16x16 CMYK JPEG takes that long), and 3x would need ${fmt(row.convertMs / 3)} ms in all`;
          }
          row.speedup = row.convertMs / row.handlerMs;
        } catch (err) {
          row.convertError = err instanceof Error ? err.message : String(err);
        }
      }
      rows.push(row);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const result = { rows, convert: version ? { available: true, version } : { available: false } };
  return { ...result, markdown: renderMarkdown(rows, result.convert, { width, runs, convertRuns, warmup }) };
}

function renderMarkdown(
  rows: ResizeBenchRow[],
  convert: ResizeBenchResult['convert'],
  p: { width: number; runs: number; convertRuns: number; warmup: number },
): string {
  const lines: string[] = [];
  lines.push(`### Resize: handler vs bare sharp vs ImageMagick (width ${p.width})`, '');
  const convertVersion = convert.available
    ? convert.version
    : 'ImageMagick: not installed (`' + CONVERT + '` missing), convert column left empty';
  // One line: report.ts wraps it.
  lines.push(
    `Medians of ${p.runs} interleaved runs per variant after ${p.warmup} warm-up runs ` +
      `(overhead: median of the ${p.runs} paired ratios); ImageMagick: median of ${p.convertRuns} runs of ` +
      `\`${CONVERT} <in> -thumbnail ${p.width}x <out>\` (a process each, as a user would run it). ` +
      `Node ${process.version}, sharp ${sharp.versions.sharp ?? '?'} / libvips ${sharp.versions.vips}, ` +
      `${os.cpus().length} CPU(s), ${convertVersion}.`,
    '',
  );
  lines.push(
    '| image | input | output | handler ms | bare sharp ms | handler overhead | convert ms | handler vs convert |',
  );
  lines.push('|---|---|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    // A row must stay within report.ts's line length: convert's error goes in the notes below.
    const conv = r.convertMs !== undefined ? fmt(r.convertMs) : r.convertError ? 'failed' : 'n/a';
    const speed = r.speedup !== undefined ? `${r.speedup.toFixed(1)}x faster` : 'n/a';
    const input = `${r.input}, ${Math.round(r.bytes / 1024)} KiB`;
    lines.push(
      `| ${r.file} | ${input} | ${r.output} | ${fmt(r.handlerMs)} | ${fmt(r.sharpMs)} | ${pct(r.overhead)} | ` +
        `${conv} | ${speed} |`,
    );
  }
  // The goal verdicts are rendered above the figures by report.ts (resizeGoals); here only the notes
  // (one line each: report.ts wraps them).
  lines.push('');
  for (const r of rows) if (r.convertNote) lines.push(`- ${r.file}: ${r.convertNote}.`);
  for (const r of rows)
    if (r.convertError) lines.push(`- ImageMagick could not read ${r.file}: ${r.convertError.replace(/\s+/g, ' ')}`);
  return lines.join('\n') + '\n';
}

function slowWords(x: ResizeBenchRow): string {
  return `${x.file} ${x.speedup!.toFixed(1)}x${x.convertNote ? ` (${x.convertNote})` : ''}`;
}

/** The goals of issue 4: handler overhead under 10% of bare sharp; at least 3x ImageMagick. */
function resizeGoals(r: ResizeBenchResult): Goal[] {
  const overheads = r.rows.map((x) => x.overhead);
  const medOver = median(overheads);
  const goals: Goal[] = [
    {
      goal: 'handler overhead over bare sharp < 10% (median over the images)',
      met: medOver < 0.1,
      detail: `median ${pct(medOver)}, worst ${pct(Math.max(...overheads))}`,
    },
  ];
  const slow = r.rows.filter((x) => x.speedup !== undefined && x.speedup < 3);
  const speedups = r.rows.flatMap((x) => (x.speedup !== undefined ? [x.speedup] : []));
  goals.push(
    speedups.length === 0
      ? { goal: 'at least 3x faster than ImageMagick for every image', met: 'n/a', detail: `${CONVERT} not available` }
      : {
          goal: 'at least 3x faster than ImageMagick for every image',
          met: slow.length === 0,
          detail:
            `median ${median(speedups).toFixed(1)}x, slowest ${Math.min(...speedups).toFixed(1)}x` +
            (slow.length ? `; below 3x: ${slow.map(slowWords).join(', ')}` : ''),
        },
  );
  return goals;
}

export async function resizeSection(): Promise<Section> {
  const startedAt = new Date();
  const r = await runResizeBench();
  return {
    id: 'resize',
    title: 'Resize handler vs bare sharp vs ImageMagick (issue 4)',
    command: 'npm run bench:resize',
    markdown: r.markdown,
    goals: resizeGoals(r),
    startedAt,
    durationMs: Date.now() - startedAt.getTime(),
  };
}

if (isMain(import.meta.url)) await runAlone(resizeSection);

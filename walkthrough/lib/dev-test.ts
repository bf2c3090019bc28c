// `npm run dev`'s test, after each save: every image (uploaded once, under dev/) is resized by one
// synchronous invocation with a generated S3 put event, as `sam remote invoke` does; the run's own log
// lines (START … REPORT) come back with the answer (LogType Tail), so no log search is needed. The
// thumbnail is fetched, decoded in full and saved under out/, as step 7 does.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { invoke } from './actions/lambda.ts';
import { getObject, headObject, putObject } from './actions/s3.ts';
import type { Ctx } from './context.ts';
import { explain } from './errors.ts';
import { imageContentType, s3PutEvent, sampleImage } from './events.ts';
import { recordAndSay } from './gallery.ts';
import { partitionOf } from './policies.ts';
import { decodeThumbnail, expectedWidth, OUT_DIR, readImageFile } from './thumbnail-test.ts';

export interface DevImage {
  name: string;
  /** Where it came from (--image PATH), or where the generated sample was written. */
  file: string;
  bytes: Buffer;
  contentType: string;
  /** Its key in the source bucket. */
  key: string;
  size: number;
  eTag: string;
  /** The thumbnail's width when THUMBNAIL_WIDTH is obeyed (never wider than the original). */
  wantWidth: number;
}

/** One image's outcome, for the caller's summary (and the results page). */
export interface DevRun {
  image: DevImage;
  ok: boolean;
  thumbnailKey?: string;
  savedTo?: string;
  width?: number;
  height?: number;
  format?: string;
  /** The thumbnail's bytes (for the results page). */
  thumbnail?: Buffer;
  /** The REPORT line's Duration and Billed Duration, ms. */
  durationMs?: number;
  billedMs?: number;
  /** Init Duration, ms, when the run started a new environment (after every code update). */
  initMs?: number;
  /** Why it failed: the function's error, its refusal reason, or a thumbnail that does not decode. */
  error?: string;
  /** For the results page: the function's refusal reason, or its error type. */
  refusal?: string;
}

const indent = (lines: string[]) => lines.map((l) => '    ' + l).join('\n');

/** Reads the images (the generated sample when none is given) and uploads each once, under dev/. */
export async function uploadImages(ctx: Ctx, given: string[]): Promise<DevImage[]> {
  const { settings: s } = ctx;
  const sources = given.length
    ? await Promise.all(given.map(readImageFile))
    : [{ bytes: await sampleImage('npm run dev'), name: 'sample.jpg', file: path.join(OUT_DIR, 'sample.jpg') }];
  fs.mkdirSync(OUT_DIR, { recursive: true });
  if (!given.length) fs.writeFileSync(sources[0]!.file, sources[0]!.bytes);
  const images: DevImage[] = [];
  const names = new Set<string>();
  for (const src of sources) {
    // Two images of the same name (a/x.jpg, b/x.jpg) get keys of their own.
    let name = src.name;
    for (let i = 2; names.has(name); i++) name = `${path.parse(src.name).name}-${i}${path.extname(src.name)}`;
    names.add(name);
    const key = `dev/${name}`;
    const contentType = await imageContentType(src.bytes);
    // Already there from an earlier session (same bytes, same MD5 ETag): not uploaded again, so the
    // bucket's notification does not run the function once more beside the first test.
    const md5 = `"${createHash('md5').update(src.bytes).digest('hex')}"`;
    const there = await headObject(ctx, s.sourceBucket, key);
    const put =
      there?.ETag === md5 ? there : await putObject(ctx, s.sourceBucket, key, src.bytes, contentType, src.file);
    images.push({
      name,
      file: src.file,
      bytes: src.bytes,
      contentType,
      key,
      size: src.bytes.length,
      eTag: put?.ETag ?? '',
      wantWidth: await expectedWidth(src.bytes, s.thumbnailWidth),
    });
  }
  return images;
}

interface Answer {
  written?: string[];
  failed?: Array<{ key: string; reason: string }>;
}

/** Invokes the function for one image, prints the thumbnail (or why there is none) and the run's log. */
export async function testImage(ctx: Ctx, image: DevImage): Promise<DevRun> {
  const { settings: s, report } = ctx;
  const event = s3PutEvent({
    bucket: s.sourceBucket,
    key: image.key,
    size: image.size,
    eTag: image.eTag,
    region: s.region,
    partition: partitionOf(ctx.identity.arn),
  });
  const eventFile = path.join(OUT_DIR, `dev-event-${image.name}.json`);
  fs.writeFileSync(eventFile, JSON.stringify(event, null, 2) + '\n');
  const result = await invoke(ctx, s.functionName, event, eventFile, path.join(OUT_DIR, 'dev-response.json'));
  const log = result.logTail.trimEnd().split('\n');
  const reportLine = log.find((l) => l.startsWith('REPORT'));
  const number = (re: RegExp) => (reportLine && re.test(reportLine) ? Number(re.exec(reportLine)![1]) : undefined);
  const durationMs = number(/\tDuration: ([\d.]+) ms/);
  const billedMs = number(/\tBilled Duration: ([\d.]+) ms/);
  const initMs = number(/\tInit Duration: ([\d.]+) ms/);
  const thumbKey = `resized-${image.key}`;
  let answer: Answer = {};
  try {
    answer = JSON.parse(result.payload) as Answer;
  } catch {
    // not JSON: reported below
  }
  const run: DevRun = { image, ok: false, durationMs, billedMs, initMs };
  if (result.functionError || !answer.written?.includes(thumbKey)) {
    const refused = answer.failed?.find((f) => f.key === image.key)?.reason;
    run.refusal = result.functionError ? `function error: ${result.functionError}` : (refused ?? result.payload);
    run.error = result.functionError
      ? `the function failed (${result.functionError}): ${result.payload}`
      : refused
        ? `the function refused it: ${refused}`
        : `it answered ${result.payload}`;
    report.print(`  ✗ ${image.name}: ${run.error}`);
    report.print(indent(log));
    return run;
  }
  const saved = path.join(OUT_DIR, `resized-${image.name}`);
  try {
    const thumb = await getObject(ctx, s.destBucket, thumbKey, saved);
    const meta = await decodeThumbnail(thumb, `s3://${s.destBucket}/${thumbKey}`);
    fs.writeFileSync(saved, thumb);
    Object.assign(run, { ok: true, thumbnail: thumb, thumbnailKey: thumbKey, savedTo: saved });
    Object.assign(run, { width: meta.width, height: meta.height });
    run.format = meta.format;
    const note =
      meta.width === image.wantWidth ? '' : ` (THUMBNAIL_WIDTH ${s.thumbnailWidth} would give ${image.wantWidth})`;
    report.info(
      `${image.name}: s3://${s.destBucket}/${thumbKey} is a ${meta.width}x${meta.height} ${meta.format}` +
        `${note}; saved to ${saved}`,
    );
  } catch (err) {
    run.error = explain(err).message;
    report.print(`  ✗ ${image.name}: ${run.error}`);
  }
  report.print(indent(log));
  return run;
}

/** Adds a run to out/index.html, as the test step and `npm run invoke` do. */
export function recordRun(ctx: Ctx, run: DevRun): Promise<void> {
  return recordAndSay(
    {
      via: 'dev',
      name: run.image.key,
      source: run.image.bytes,
      thumbnail: run.thumbnail,
      thumbnailKey: run.thumbnailKey,
      durationMs: run.durationMs,
      billedMs: run.billedMs,
      refusal: run.refusal ?? run.error,
    },
    (t) => ctx.report.info(t),
  );
}

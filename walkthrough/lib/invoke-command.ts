// What `npm run invoke` does once connected: builds the S3 event (for --key, an uploaded --image, or
// takes --event FILE as it is), invokes the function once, synchronously, with its log tail, prints
// the result, the log and the REPORT line, and records the images on the results page.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorTypeOf } from './function-error.ts';
import { parseReport } from './report-line.ts';
import { getFunction, invoke, invokeTailCli, type InvokeOutcome } from './actions/lambda.ts';
import { getObject, headObject, putObject } from './actions/s3.ts';
import type { Ctx } from './context.ts';
import { UserError } from './errors.ts';
import { imageContentType, s3PutEvent } from './events.ts';
import { recordAndSay } from './gallery.ts';
import { partitionOf } from './policies.ts';
import { OUT_DIR } from './state.ts';
import { runFirst } from './steps.ts';
import { readImageFile } from './thumbnail-test.ts';
import { invokeInput, type InvokeInput } from './tool-args.ts';

interface Summary {
  written?: string[];
  failed?: Array<{ key: string; reason: string }>;
  skipped?: Array<{ key: string; reason: string }>;
}

function readEventFile(file: string): unknown {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UserError(`--event ${file}: no such file.`);
  try {
    const event = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    if (event === null || typeof event !== 'object') throw new Error('not a JSON object');
    return event;
  } catch (err) {
    throw new UserError(`--event ${file} is not a JSON object: ${(err as Error).message.replace(/\s+/g, ' ')}.`);
  }
}

/** The S3 objects an event names (bucket, decoded key), for the results page. */
export function eventObjects(event: unknown): Array<{ bucket: string; key: string }> {
  const records = (event as { Records?: unknown[] }).Records;
  if (!Array.isArray(records)) return [];
  return records.flatMap((r) => {
    const s3 = (r as { s3?: { bucket?: { name?: unknown }; object?: { key?: unknown } } }).s3;
    const bucket = s3?.bucket?.name;
    const key = s3?.object?.key;
    if (typeof bucket !== 'string' || typeof key !== 'string') return [];
    try {
      return [{ bucket, key: decodeURIComponent(key.replace(/\+/g, ' ')) }];
    } catch {
      return [];
    }
  });
}

async function buildEvent(ctx: Ctx, input: InvokeInput): Promise<{ event: unknown; image?: Buffer }> {
  const s = ctx.settings;
  const partition = partitionOf(ctx.identity.arn);
  if (input.kind === 'event') return { event: readEventFile(input.file) };
  if (input.kind === 'key') {
    const head = await headObject(ctx, s.sourceBucket, input.key);
    if (!head)
      throw new UserError(
        `There is no object s3://${s.sourceBucket}/${input.key}.`,
        `Give a key that is in the source bucket (aws s3 ls s3://${s.sourceBucket} --recursive), ` +
          'or upload an image with --image PATH.',
      );
    const event = s3PutEvent({
      bucket: s.sourceBucket,
      key: input.key,
      size: head.ContentLength ?? 0,
      eTag: head.ETag ?? '',
      region: s.region,
      partition,
    });
    return { event };
  }
  const image = await readImageFile(input.file);
  const key = `invoke/${image.name}`;
  const put = await putObject(ctx, s.sourceBucket, key, image.bytes, await imageContentType(image.bytes), image.file);
  if (!ctx.dryRun) ctx.report.info(`uploaded ${image.file} to s3://${s.sourceBucket}/${key}`);
  const event = s3PutEvent({
    bucket: s.sourceBucket,
    key,
    size: image.bytes.length,
    eTag: put?.ETag ?? '',
    region: s.region,
    partition,
  });
  return { event, image: image.bytes };
}

function printOutcome(ctx: Ctx, r: InvokeOutcome): void {
  let shown = r.payload;
  try {
    shown = JSON.stringify(JSON.parse(r.payload), null, 2);
  } catch {
    // not JSON: shown as it is
  }
  ctx.report.print(`Result${r.functionError ? ` (function error: ${r.functionError})` : ''}:`);
  ctx.report.print(shown.replace(/^/gm, '    '));
  ctx.report.print('Log tail:');
  ctx.report.print(r.logTail.trimEnd().replace(/^/gm, '    '));
  const report = parseReport(r.logTail);
  ctx.report.print(
    report
      ? `REPORT: ${report.durationMs} ms (billed ${report.billedDurationMs} ms), ` +
          `${report.maxMemoryUsedMb} of ${report.memorySizeMb} MB used` +
          (report.initDurationMs !== undefined ? `, cold start ${report.initDurationMs} ms` : '')
      : 'REPORT: not in the log tail (it keeps only the last 4 KB)',
  );
}

async function recordOnPage(ctx: Ctx, event: unknown, r: InvokeOutcome, image?: Buffer): Promise<void> {
  let summary: Summary = {};
  try {
    summary = JSON.parse(r.payload) as Summary;
  } catch {
    // a function error's payload, or not JSON
  }
  const timing = parseReport(r.logTail);
  for (const { bucket, key } of eventObjects(event)) {
    const source = image ?? (await getObject(ctx, bucket, key, key).catch(() => undefined));
    const thumbKey = `resized-${key}`;
    const thumbnail = summary.written?.includes(thumbKey)
      ? await getObject(ctx, ctx.settings.destBucket, thumbKey, thumbKey).catch(() => undefined)
      : undefined;
    const failed = summary.failed?.find((f) => f.key === key) ?? summary.skipped?.find((f) => f.key === key);
    const refusal = r.functionError ? `function error: ${errorTypeOf(r.payload).slice(0, 300)}` : failed?.reason;
    await recordAndSay(
      {
        via: 'invoke',
        name: key,
        source,
        thumbnail,
        thumbnailKey: thumbnail ? thumbKey : undefined,
        durationMs: timing?.durationMs,
        billedMs: timing?.billedDurationMs,
        refusal,
      },
      (t) => ctx.report.info(t),
    );
  }
}

/** Exit status: 0, or 1 when the function failed (FunctionError). */
export async function runInvoke(ctx: Ctx): Promise<number> {
  const input = invokeInput(ctx.argv);
  const name = ctx.settings.functionName;
  if (!(await getFunction(ctx, name)))
    throw new UserError(`The function ${name} does not exist yet.`, runFirst('function'));
  const { event, image } = await buildEvent(ctx, input);
  const eventFile = input.kind === 'event' ? input.file : path.join(OUT_DIR, 'invoke-event.json');
  const responseFile = path.join(OUT_DIR, 'invoke-response.json');
  if (ctx.dryRun) {
    ctx.report.cli(invokeTailCli(ctx, name, eventFile, responseFile));
    ctx.report.would(`invoke ${name} with ${eventFile}`);
    return 0;
  }
  if (input.kind !== 'event') {
    fs.mkdirSync(OUT_DIR, { recursive: true });
    fs.writeFileSync(eventFile, JSON.stringify(event, null, 2) + '\n');
  }
  const r = await ctx.report.wait(`invoking ${name}`, () => invoke(ctx, name, event, eventFile, responseFile));
  printOutcome(ctx, r);
  await recordOnPage(ctx, event, r, image);
  if (r.functionError)
    throw new UserError(
      `The function failed (${r.functionError}).`,
      'Its log is above; npm run logs shows earlier runs.',
    );
  return 0;
}

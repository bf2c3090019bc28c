// Step 7's checks: (a) invoke the function with a generated S3 put event and check its answer;
// (b) upload an image for real, wait for `resized-<key>` in the destination bucket, check it decodes
// at the requested width, save it under out/, and show the function's log lines for that run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { invoke, type InvokeOutcome } from './actions/lambda.ts';
import { parseReport } from './report-line.ts';
import { filterLogEvents } from './actions/logs.ts';
import { getObject, putObject, waitObjectExists, waitObjectExistsCommand } from './actions/s3.ts';
import type { Ctx } from './context.ts';
import { UserError } from './errors.ts';
import { imageContentType, s3PutEvent, sampleImage } from './events.ts';
import { recordAndSay } from './gallery.ts';
import { stepCommand, stepNumber, stepRef } from './steps.ts';
import { logGroupName, partitionOf } from './policies.ts';
import { pollUntil, PollTimeout, retry } from './retry.ts';

import { OUT_DIR } from './state.ts';

export { OUT_DIR };

const indent = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => '    ' + l)
    .join('\n');

interface HandlerSummary {
  processed?: number;
  written?: string[];
  failed?: Array<{ key: string; reason: string }>;
}

/** Expected thumbnail width: the setting, but never wider than the (EXIF-oriented) original. */
export async function expectedWidth(image: Buffer, width: number): Promise<number> {
  const m = await sharp(image).metadata();
  const orientedWidth = (m.orientation ?? 1) >= 5 ? (m.height ?? 0) : (m.width ?? 0);
  return Math.min(width, orientedWidth);
}

/** AccessDenied in the function's answer or log means the role is short of a permission. */
function deniedBecause(text: string, ctx: Ctx): string | undefined {
  if (!/AccessDenied|access_denied|is not authorized to perform/.test(text)) return undefined;
  const action = /not authorized to perform: (\S+)/.exec(text)?.[1] ?? 's3:GetObject or s3:PutObject';
  return (
    `AccessDenied: the function's role may not ${action}. It needs s3:GetObject on ${ctx.settings.sourceBucket}/* ` +
    `and s3:PutObject on ${ctx.settings.destBucket}/*.`
  );
}

class DeniedForNow extends Error {
  constructor(readonly result: InvokeOutcome) {
    super('AccessDenied');
  }
}

const FIX_ROLE = `Re-run step ${stepNumber('role')} to restore the role policy: ${stepCommand('role')}`;

/** An image file of the user's (--image PATH): read, and refused with a clear message when sharp cannot read it. */
export async function readImageFile(given: string): Promise<{ bytes: Buffer; name: string; file: string }> {
  if (!fs.existsSync(given) || !fs.statSync(given).isFile()) throw new UserError(`--image ${given}: no such file.`);
  const bytes = fs.readFileSync(given);
  await sharp(bytes)
    .metadata()
    .catch(() => {
      throw new UserError(`--image ${given} is not an image sharp can read (JPEG, PNG, WebP, GIF, TIFF, AVIF).`);
    });
  return { bytes, name: path.basename(given), file: given };
}

async function loadImage(ctx: Ctx, runId: string): Promise<{ bytes: Buffer; name: string; file: string }> {
  const given = ctx.argv.image as string | undefined;
  if (given) return readImageFile(given);
  const bytes = await sampleImage(`walkthrough ${runId}`);
  const file = path.join(OUT_DIR, 'sample.jpg');
  // A dry run writes nothing, not even under out/.
  if (!ctx.dryRun) {
    fs.mkdirSync(OUT_DIR, { recursive: true });
    fs.writeFileSync(file, bytes);
  }
  return { bytes, name: 'Happy Face +été.jpg', file };
}

/** The function's log lines (START … REPORT) of the invocation that handled `token`. */
async function runLogLines(ctx: Ctx, token: string, since: number, deadlineMs: number): Promise<string[]> {
  const group = logGroupName(ctx.settings);
  return pollUntil(
    async () => {
      const hit = (await filterLogEvents(ctx, group, `"${token}"`, since)).find((e) =>
        /\t[0-9a-f-]{36}\t/.test(e.message ?? ''),
      );
      const requestId = hit?.message?.split('\t')[1];
      if (!requestId) return undefined;
      const lines = (await filterLogEvents(ctx, group, `"${requestId}"`, since)).map((e) =>
        (e.message ?? '').trimEnd(),
      );
      return lines.some((l) => l.startsWith('REPORT')) ? lines : undefined;
    },
    { deadlineMs, what: `the function's log lines in ${group}`, initialDelayMs: 200 },
  );
}

/**
 * The thumbnail decodes, all of it (the header alone says nothing of a truncated or corrupt body),
 * and has the expected width.
 */
export async function verifyThumbnail(thumb: Buffer, where: string, want: number, setting: number): Promise<Metadata> {
  const meta = await decodeThumbnail(thumb, where);
  if (meta.width !== want)
    throw new UserError(
      `The thumbnail is ${meta.width} px wide, expected ${want} px (THUMBNAIL_WIDTH ${setting}).`,
      `Re-run step ${stepNumber('function')} so the function has the current settings.`,
    );
  return meta;
}

/** The thumbnail decodes, all of it; its metadata. */
export async function decodeThumbnail(thumb: Buffer, where: string): Promise<Metadata> {
  try {
    const meta = await sharp(thumb).metadata();
    await sharp(thumb, { failOn: 'truncated' }).raw().toBuffer();
    return meta;
  } catch (err) {
    throw new UserError(
      `The thumbnail ${where} (${thumb.length} bytes) does not decode: ` +
        `${(err as Error).message.replace(/[.\s]+$/, '')}.`,
      'Check the function log for errors (aws logs tail), then re-run this step.',
    );
  }
}

/** One test run: the image, the keys it is uploaded under, and when it started (for the log search). */
export interface TestRun {
  runId: string;
  image: { bytes: Buffer; name: string; file: string };
  contentType: string;
  directKey: string;
  uploadKey: string;
  since: number;
}

export async function prepareRun(ctx: Ctx): Promise<TestRun> {
  const runId = new Date()
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 14);
  const image = await loadImage(ctx, runId);
  const contentType = await imageContentType(image.bytes);
  const ext = path.extname(image.name) || '.jpg';
  const base = path.basename(image.name, ext);
  const directKey = `test/${runId}-invoke ${base}${ext}`;
  const uploadKey = `images/${base} ${runId}-upload${ext}`;
  const since = Date.now() - 60_000;

  return { runId, image, contentType, directKey, uploadKey, since };
}

/** (a) Returns false in a dry run (nothing was invoked). */
export async function invokeWithPutEvent(ctx: Ctx, run: TestRun): Promise<boolean> {
  const { settings: s, report } = ctx;
  const { image, contentType, directKey } = run;
  const onAws = s.target === 'aws';
  // (a) A generated S3 put event, invoked synchronously.
  const put = await putObject(ctx, s.sourceBucket, directKey, image.bytes, contentType, image.file);
  const event = s3PutEvent({
    bucket: s.sourceBucket,
    key: directKey,
    size: image.bytes.length,
    eTag: put?.ETag ?? '',
    region: s.region,
    partition: partitionOf(ctx.identity.arn),
  });
  const eventFile = path.join(OUT_DIR, 'event.json');
  if (ctx.dryRun) {
    report.would(`invoke ${s.functionName} with ${eventFile}, then upload ${image.file} and wait for its thumbnail`);
    return false;
  }
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(eventFile, JSON.stringify(event, null, 2) + '\n');
  // On AWS a role policy written moments ago may not be in force yet: AccessDenied is retried there
  // for a while (locally, policies apply at once, so it is reported straight away).
  const result = await report.wait(`invoking ${s.functionName} with a generated S3 put event`, () =>
    retry(
      async () => {
        const r = await invoke(ctx, s.functionName, event, eventFile, path.join(OUT_DIR, 'response.json'));
        if (onAws && r.functionError && deniedBecause(r.payload + r.logTail, ctx)) throw new DeniedForNow(r);
        return r;
      },
      {
        deadlineMs: 90_000,
        initialDelayMs: 2000,
        retryable: (err) => err instanceof DeniedForNow,
        onRetry: () =>
          report.info(
            'AccessDenied: the role policy may still be propagating (IAM is eventually consistent); retrying',
          ),
      },
    ).catch((err: unknown) => {
      if (err instanceof DeniedForNow) return err.result;
      throw err;
    }),
  );
  let summary: HandlerSummary = {};
  try {
    summary = JSON.parse(result.payload) as HandlerSummary;
  } catch {
    // not JSON: reported below
  }
  if (result.functionError || !summary.written?.includes(`resized-${directKey}`)) {
    const why = result.functionError
      ? `the function failed (${result.functionError}): ${result.payload}`
      : `it answered ${result.payload}`;
    const denied = deniedBecause(result.payload + result.logTail, ctx);
    if (denied)
      throw new UserError(
        `The test invocation failed. ${denied}\n  Function log:\n${indent(result.logTail)}`,
        FIX_ROLE,
      );
    throw new UserError(
      `The test invocation did not produce resized-${directKey}: ${why}`,
      `Check the function log (aws logs tail) and re-run steps ${stepNumber('role')} to ${stepNumber('trigger')}.`,
    );
  }
  report.info(
    `(a) invoke: resized-${directKey} written (the event carried the key as ${event.Records[0]!.s3.object.key})`,
  );

  return true;
}

/** (b) */
export async function uploadAndCheck(ctx: Ctx, run: TestRun): Promise<void> {
  const { settings: s, report, state } = ctx;
  const { image, contentType, uploadKey, runId, since } = run;
  const onAws = s.target === 'aws';
  // (b) The real thing: an upload triggers the function through the bucket notification.
  await putObject(ctx, s.sourceBucket, uploadKey, image.bytes, contentType, image.file);
  const thumbKey = `resized-${uploadKey}`;
  report.cli(waitObjectExistsCommand(ctx, s.destBucket, thumbKey));
  try {
    await report.wait(`waiting for s3://${s.destBucket}/${thumbKey}`, () =>
      waitObjectExists(ctx, s.destBucket, thumbKey, onAws ? 120_000 : 60_000),
    );
  } catch (err) {
    if (!(err instanceof PollTimeout)) throw err;
    const lines = await runLogLines(ctx, `${runId}-upload`, since, 5_000).catch(() => [] as string[]);
    const denied = deniedBecause(lines.join('\n'), ctx);
    throw new UserError(
      `No thumbnail appeared: ${err.message}${denied ? ` ${denied}` : ''}` +
        (lines.length ? `\n  Function log:\n${indent(lines.join('\n'))}` : ''),
      denied
        ? FIX_ROLE
        : `Check the trigger (${stepRef('trigger')}) and the function log: aws logs tail ${logGroupName(s)}`,
    );
  }
  const thumb = await getObject(ctx, s.destBucket, thumbKey, path.join(OUT_DIR, path.basename(thumbKey)));
  const meta = await verifyThumbnail(
    thumb,
    `s3://${s.destBucket}/${thumbKey}`,
    await expectedWidth(image.bytes, s.thumbnailWidth),
    s.thumbnailWidth,
  );
  const saved = path.join(OUT_DIR, path.basename(thumbKey));
  fs.writeFileSync(saved, thumb);
  report.info(
    `(b) upload: s3://${s.destBucket}/${thumbKey} is a ${meta.width}x${meta.height} ${meta.format}; saved to ${saved}`,
  );
  state.update(
    (x) =>
      (x.lastTest = {
        key: uploadKey,
        thumbnailKey: thumbKey,
        savedTo: path.resolve(saved),
        width: meta.width ?? 0,
        at: new Date().toISOString(),
      }),
  );

  const lines = await report.wait('reading the function log for that run', () =>
    runLogLines(ctx, `${runId}-upload`, since, onAws ? 60_000 : 20_000),
  );
  report.print(lines.map((l) => '    ' + l).join('\n'));
  const timing = parseReport(lines.join('\n'));
  await recordAndSay(
    {
      via: 'test',
      name: uploadKey,
      source: image.bytes,
      thumbnail: thumb,
      thumbnailKey: thumbKey,
      durationMs: timing?.durationMs,
      billedMs: timing?.billedDurationMs,
    },
    (t) => report.info(t),
  );
}

// The resize handler's logic, with its S3 client injected: every record of an S3 (or SNS-wrapped S3)
// event becomes `resized-<key>` in DEST_BUCKET, or one structured error line.
import type { S3Client } from '@aws-sdk/client-s3';
import { readConfig, type ResizeConfig } from './config.ts';
import {
  PermanentError,
  RetryableInvocationError,
  TransientError,
  isThumbnailError,
  type Reason,
  type ThumbnailError,
} from './errors.ts';
import { parseEvent, type S3ObjectRef } from './event.ts';
import { makeThumbnail, type Thumbnail } from './image.ts';
import { logLine } from './log.ts';
import { getObjectBytes, putThumbnail } from './s3.ts';

export const DEST_PREFIX = 'resized-';

export interface Summary {
  /** Records examined (SNS envelopes unwrapped). */
  processed: number;
  /** Destination keys written (`resized-<key>`). */
  written: string[];
  /** Records that failed, permanently or transiently (decoded keys). */
  failed: Array<{ key: string; reason: Reason }>;
  /** Records deliberately not processed (test events, removals, folder markers, keys already `resized-`). */
  skipped: Array<{ key: string; reason: string }>;
}

export interface HandlerDeps {
  s3: S3Client;
  /** Defaults to process.env, read at each invocation. */
  env?: NodeJS.ProcessEnv;
}

export type ResizeHandler = (event: unknown) => Promise<Summary>;

interface Written {
  destKey: string;
  sourceBytes: number;
  thumb: Thumbnail;
}

async function resizeObject(s3: S3Client, ref: S3ObjectRef, config: ResizeConfig): Promise<Written> {
  if (ref.size !== undefined && ref.size > config.maxInputBytes) {
    // Refused from the event's size: never downloaded.
    throw new PermanentError(
      'too_large',
      `The object has ${ref.size} bytes, over the limit of ${config.maxInputBytes}`,
      {
        size: ref.size,
        maxInputBytes: config.maxInputBytes,
      },
    );
  }
  const input = await getObjectBytes(s3, ref, config.maxInputBytes);
  const thumb = await makeThumbnail(input, config);
  const destKey = DEST_PREFIX + ref.key;
  await putThumbnail(s3, config.destBucket, destKey, thumb.data, thumb.contentType);
  return { destKey, sourceBytes: input.length, thumb };
}

function asThumbnailError(err: unknown): ThumbnailError {
  if (isThumbnailError(err)) return err;
  // A bug or an unforeseen failure: fail the invocation rather than silently drop the object.
  return new TransientError(
    'unexpected',
    err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    {},
    { cause: err },
  );
}

export function createHandler(deps: HandlerDeps): ResizeHandler {
  return async function handler(event: unknown): Promise<Summary> {
    // A broken configuration throws here: the whole invocation fails, visibly.
    const config = readConfig(deps.env ?? process.env);
    const summary: Summary = { processed: 0, written: [], failed: [], skipped: [] };
    const transient: Array<{ key: string; reason: Reason }> = [];

    const fail = (bucket: string | undefined, key: string, e: ThumbnailError): void => {
      summary.failed.push({ key, reason: e.reason });
      if (!e.permanent) transient.push({ key, reason: e.reason });
      logLine('ERROR', 'thumbnail_failed', {
        ...e.details,
        reason: e.reason,
        retryable: !e.permanent,
        bucket,
        key,
        message: e.message,
      });
    };

    for (const rec of parseEvent(event)) {
      if (rec.kind === 'skip') {
        if (rec.reason === 'test_event' || rec.reason === 'unrecognized_event') {
          logLine('INFO', 'event_skipped', { reason: rec.reason, detail: rec.detail, bucket: rec.bucket });
          summary.skipped.push({ key: '', reason: rec.reason });
          continue;
        }
        summary.processed++;
        logLine('INFO', 'record_skipped', { reason: rec.reason, detail: rec.detail, bucket: rec.bucket, key: rec.key });
        summary.skipped.push({ key: rec.key ?? '', reason: rec.reason });
        continue;
      }
      summary.processed++;
      if (rec.kind === 'invalid') {
        fail(rec.bucket, rec.key ?? '', new PermanentError(rec.reason, rec.detail));
        continue;
      }
      const { ref } = rec;
      if (ref.bucket === config.destBucket) {
        // Writing here would trigger this function again: an endless, billed loop.
        fail(
          ref.bucket,
          ref.key,
          new PermanentError(
            'source_is_destination',
            `DEST_BUCKET is the event's bucket (${ref.bucket}); refusing to write into the source bucket`,
          ),
        );
        continue;
      }
      if (ref.key.endsWith('/')) {
        // The S3 console's "Create folder" writes an empty object named `folder/`: not an upload.
        logLine('INFO', 'record_skipped', { reason: 'folder_marker', bucket: ref.bucket, key: ref.key });
        summary.skipped.push({ key: ref.key, reason: 'folder_marker' });
        continue;
      }
      if (ref.key.startsWith(DEST_PREFIX)) {
        // A thumbnail of a thumbnail: guards against loops through a second function or bucket.
        logLine('WARN', 'record_skipped', { reason: 'already_resized', bucket: ref.bucket, key: ref.key });
        summary.skipped.push({ key: ref.key, reason: 'already_resized' });
        continue;
      }
      const started = performance.now();
      try {
        const w = await resizeObject(deps.s3, ref, config);
        summary.written.push(w.destKey);
        logLine('INFO', 'thumbnail_written', {
          bucket: ref.bucket,
          key: ref.key,
          destBucket: config.destBucket,
          destKey: w.destKey,
          sourceBytes: w.sourceBytes,
          outputBytes: w.thumb.data.length,
          inputFormat: w.thumb.inputType,
          inputWidth: w.thumb.inputWidth,
          inputHeight: w.thumb.inputHeight,
          format: w.thumb.format,
          contentType: w.thumb.contentType,
          width: w.thumb.width,
          height: w.thumb.height,
          pages: w.thumb.pages,
          ms: Math.round(performance.now() - started),
        });
      } catch (err) {
        fail(ref.bucket, ref.key, asThumbnailError(err));
      }
    }

    if (transient.length > 0) {
      const reasons = [...new Set(transient.map((t) => t.reason))].join(', ');
      throw new RetryableInvocationError(
        `${transient.length} of ${summary.processed} record(s) failed with a transient error (${reasons}); ` +
          'failing the invocation so Lambda retries it',
        transient,
      );
    }
    return summary;
  };
}

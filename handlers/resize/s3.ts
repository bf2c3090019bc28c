// S3 access of the handler: a size-capped GetObject, the thumbnail PutObject, and the
// classification of S3/SDK errors into permanent and transient failures.
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ImageError, PermanentError, TransientError, type ThumbnailError } from './errors.ts';
import type { S3ObjectRef } from './event.ts';

type Operation = 'GetObject' | 'PutObject';

const THROTTLING = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'BandwidthLimitExceeded',
]);
const CREDENTIALS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'TokenRefreshRequired',
  'InvalidToken',
  'RequestTimeTooSkewed',
  'CredentialsProviderError',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

interface ErrorFacts {
  name: string;
  message: string;
  status?: number;
  code?: string;
}

function facts(err: unknown): ErrorFacts {
  if (!(err instanceof Error)) return { name: 'Unknown', message: String(err) };
  const f: ErrorFacts = { name: err.name, message: err.message };
  const meta: unknown = Reflect.get(err, '$metadata');
  if (typeof meta === 'object' && meta !== null) {
    const status: unknown = Reflect.get(meta, 'httpStatusCode');
    if (typeof status === 'number') f.status = status;
  }
  const code: unknown = Reflect.get(err, 'code');
  if (typeof code === 'string') f.code = code;
  return f;
}

/**
 * Object-level answers (the object or its bucket is gone, the object is archived, the destination
 * bucket does not exist) are permanent: a retry of the same event cannot succeed. Everything about
 * the environment is transient, so the event is retried, and after Lambda's retries ends up in a
 * DLQ / on-failure destination rather than lost. That includes AccessDenied: right after a deploy
 * IAM may not be consistent yet, and a real misconfiguration should show as failed invocations.
 */
export function classifyS3Error(err: unknown, op: Operation, bucket: string, key: string): ThumbnailError {
  const f = facts(err);
  const details = {
    operation: op,
    // The log line names the source bucket already; a failed write also names where it went.
    ...(op === 'PutObject' ? { destBucket: bucket, destKey: key } : {}),
    error: f.name,
    ...(f.status !== undefined ? { status: f.status } : {}),
  };
  const detail = f.message && f.message !== f.name ? `: ${f.message}` : '';
  const say = `${op} s3://${bucket}/${key} failed: ${f.name}${detail}`;
  const opts = { cause: err };
  if (
    f.name === 'NoSuchKey' ||
    (op === 'GetObject' && (f.name === 'NoSuchBucket' || f.name === 'NotFound' || f.status === 404))
  ) {
    return new PermanentError('object_not_found', say, details, opts);
  }
  if (op === 'PutObject' && f.name === 'NoSuchBucket')
    return new PermanentError('destination_bucket_missing', say, details, opts);
  if (f.name === 'InvalidObjectState') return new PermanentError('object_unavailable', say, details, opts);
  if (THROTTLING.has(f.name) || f.status === 429 || f.status === 503)
    return new TransientError('throttled', say, details, opts);
  if (f.status !== undefined && f.status >= 500) return new TransientError('s3_server_error', say, details, opts);
  if (f.name === 'AccessDenied' || f.name === 'AllAccessDisabled')
    return new TransientError('access_denied', say, details, opts);
  if (CREDENTIALS.has(f.name)) return new TransientError('credentials', say, details, opts);
  if (f.status === undefined && (f.name === 'TimeoutError' || (f.code !== undefined && NETWORK_CODES.has(f.code)))) {
    return new TransientError('network', say, { ...details, ...(f.code ? { code: f.code } : {}) }, opts);
  }
  return new TransientError('unexpected', say, details, opts);
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === 'object' && v !== null && Symbol.asyncIterator in v;
}

function tooLarge(size: number, maxBytes: number): ImageError {
  return new ImageError('too_large', `The object has ${size} bytes, over the limit of ${maxBytes}`, {
    size,
    maxInputBytes: maxBytes,
  });
}

/** Reads a response body, stopping (and closing the connection) as soon as it passes maxBytes. */
async function readCapped(body: unknown, maxBytes: number): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (!isAsyncIterable(body)) throw new TypeError('GetObject body is not a stream');
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buf =
      typeof chunk === 'string'
        ? Buffer.from(chunk)
        : chunk instanceof Uint8Array
          ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
          : undefined;
    if (!buf) throw new TypeError('GetObject body yielded a non-binary chunk');
    total += buf.length;
    if (total > maxBytes) throw tooLarge(total, maxBytes); // leaving the loop destroys the stream
    chunks.push(buf);
  }
  return Buffer.concat(chunks, total);
}

function destroyBody(body: unknown): void {
  const destroy: unknown = typeof body === 'object' && body !== null ? Reflect.get(body, 'destroy') : undefined;
  if (typeof destroy === 'function') Reflect.apply(destroy, body, []);
}

/** Downloads the object named by the event (that version, when versioned), refusing big ones before reading. */
export async function getObjectBytes(s3: S3Client, ref: S3ObjectRef, maxBytes: number): Promise<Buffer> {
  let res;
  try {
    res = await s3.send(
      new GetObjectCommand({
        Bucket: ref.bucket,
        Key: ref.key,
        ...(ref.versionId ? { VersionId: ref.versionId } : {}),
      }),
    );
  } catch (err) {
    throw classifyS3Error(err, 'GetObject', ref.bucket, ref.key);
  }
  if (res.ContentLength !== undefined && res.ContentLength > maxBytes) {
    destroyBody(res.Body);
    throw tooLarge(res.ContentLength, maxBytes);
  }
  try {
    return await readCapped(res.Body, maxBytes);
  } catch (err) {
    if (err instanceof ImageError) throw err;
    throw classifyS3Error(err, 'GetObject', ref.bucket, ref.key);
  }
}

export async function putThumbnail(
  s3: S3Client,
  bucket: string,
  key: string,
  data: Buffer,
  contentType: string,
): Promise<void> {
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: data, ContentType: contentType }));
  } catch (err) {
    throw classifyS3Error(err, 'PutObject', bucket, key);
  }
}

// GetObject and HeadObject: conditions, byte ranges, `partNumber` reads and the headers S3 answers.
import { AwsError, notImplemented } from '../../core/errors.ts';
import type { AwsResponse } from '../../core/request.ts';
import { evaluateConditions, parseRange, type ByteRange } from '../conditions.ts';
import { allow, httpDate, invalidArgument, objectArn, quote, type S3Context } from '../context.ts';
import { headerValue } from '../input.ts';
import type { ObjectMeta } from '../object-file.ts';
import { encryptionHeaders, refuseCustomerKeys } from '../sse.ts';
import type { Bucket } from '../store.ts';
import { versionIdOf } from '../versions.ts';
import { checksumHeaders, missingKey, objectKey, requestedVersion, versionHeaders } from './objects.ts';

/** Headers of a GET/HEAD answer (everything but length, range and checksum). */
function objectResponseHeaders(ctx: S3Context, meta: ObjectMeta): Record<string, string> {
  const h: Record<string, string> = {
    etag: quote(meta.etag),
    'last-modified': httpDate(meta.lastModified),
    'accept-ranges': 'bytes',
    'content-type': meta.contentType ?? 'binary/octet-stream',
    ...encryptionHeaders(meta.sse),
  };
  if (meta.cacheControl !== undefined) h['cache-control'] = meta.cacheControl;
  if (meta.contentDisposition !== undefined) h['content-disposition'] = meta.contentDisposition;
  if (meta.contentEncoding !== undefined) h['content-encoding'] = meta.contentEncoding;
  if (meta.contentLanguage !== undefined) h['content-language'] = meta.contentLanguage;
  if (meta.expires !== undefined) h['expires'] = meta.expires;
  if (meta.storageClass !== undefined) h['x-amz-storage-class'] = meta.storageClass;
  if (meta.websiteRedirectLocation !== undefined) h['x-amz-website-redirect-location'] = meta.websiteRedirectLocation;
  if (meta.tags && meta.tags.length > 0) h['x-amz-tagging-count'] = String(meta.tags.length);
  for (const [name, value] of Object.entries(meta.metadata)) h[`x-amz-meta-${name}`] = value;
  // Response header overrides (usually in presigned URLs).
  const overrides: Array<[string, string]> = [
    ['response-content-type', 'content-type'],
    ['response-content-language', 'content-language'],
    ['response-expires', 'expires'],
    ['response-cache-control', 'cache-control'],
    ['response-content-disposition', 'content-disposition'],
    ['response-content-encoding', 'content-encoding'],
  ];
  for (const [param, header] of overrides) {
    const v = ctx.req.query.get(param);
    if (v !== null) h[header] = headerValue(param, v);
  }
  return h;
}

interface ReadPlan {
  status: number;
  headers: Record<string, string>;
  range?: { start: number; end: number };
}

/** `?partNumber=N`: the bytes of part N (a simple object has one part, the whole object). */
function partRange(ctx: S3Context, meta: ObjectMeta): { range?: ByteRange; count?: number } | undefined {
  const raw = ctx.req.query.get('partNumber');
  if (raw === null) return undefined;
  const n = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= 10000))
    throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', raw);
  if (ctx.req.headers['range'] !== undefined)
    throw new AwsError('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter', 400);
  const sizes = meta.parts ? meta.partSizes : [meta.size];
  if (!sizes)
    throw notImplemented('s3', 'GetObject with partNumber on a multipart object stored before part sizes were kept');
  if (n > sizes.length)
    throw new AwsError('InvalidPartNumber', 'The requested partnumber is not satisfiable', 416, {
      PartNumberRequested: n,
      ActualPartCount: sizes.length,
    });
  let start = 0;
  for (let i = 0; i < n - 1; i++) start += sizes[i]!;
  const count = meta.parts ? sizes.length : undefined;
  if (sizes[n - 1] === 0) return { count }; // an empty object: nothing to range over
  return { range: { start, end: start + sizes[n - 1]! - 1 }, count };
}

/** Conditions, range and headers shared by GET and HEAD; undefined means 304. */
function planRead(ctx: S3Context, bucket: Bucket, meta: ObjectMeta): ReadPlan | undefined {
  if (evaluateConditions(ctx.req, meta) === 'not-modified') return undefined;
  const headers = { ...objectResponseHeaders(ctx, meta), ...versionHeaders(bucket, meta) };
  const part = partRange(ctx, meta);
  if (part?.count !== undefined) headers['x-amz-mp-parts-count'] = String(part.count);
  const range = part ? part.range : parseRange(ctx.req.headers['range'], meta.size);
  if (range) {
    headers['content-range'] = `bytes ${range.start}-${range.end}/${meta.size}`;
    headers['content-length'] = String(range.end - range.start + 1);
    return { status: 206, headers, range };
  }
  headers['content-length'] = String(meta.size);
  // The SDK validates a whole-object checksum against the body, so never on a 206.
  if ((ctx.req.headers['x-amz-checksum-mode'] ?? '').toUpperCase() === 'ENABLED')
    Object.assign(headers, checksumHeaders(meta));
  return { status: 200, headers };
}

function notModified(meta: ObjectMeta): AwsResponse {
  return { status: 304, headers: { etag: quote(meta.etag), 'last-modified': httpDate(meta.lastModified) } };
}

/** The version a GET/HEAD reads: a delete marker is 405 when named, 404 (flagged) when it is the newest. */
function readableVersion(ctx: S3Context, bucket: Bucket, key: string): ObjectMeta {
  refuseCustomerKeys(ctx.req);
  const asked = requestedVersion(ctx, bucket, key);
  const markerHeaders = (m: ObjectMeta) => ({ 'x-amz-delete-marker': 'true', 'x-amz-version-id': versionIdOf(m) });
  if (asked?.deleteMarker)
    throw new AwsError(
      'MethodNotAllowed',
      'The specified method is not allowed against this resource.',
      405,
      { Method: ctx.req.method, ResourceType: 'DeleteMarker' },
      { ...markerHeaders(asked), 'last-modified': httpDate(asked.lastModified) },
    );
  const meta = asked ?? bucket.index.get(key);
  if (meta) return meta;
  const err = missingKey(ctx, key);
  const latest = bucket.versions.get(key)?.[0];
  if (latest?.deleteMarker && err.code === 'NoSuchKey') Object.assign(err.headers, markerHeaders(latest));
  throw err;
}

export async function getObject(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  allow(ctx, 's3:GetObject', objectArn(ctx.bucketName, key));
  const bucket = ctx.store.bucket(ctx.bucketName);
  const version = readableVersion(ctx, bucket, key);
  const opened = await ctx.store.objects.open(bucket, key, version);
  if (!opened) throw missingKey(ctx, key);
  let plan: ReadPlan | undefined;
  try {
    plan = planRead(ctx, bucket, opened.meta);
  } catch (e) {
    opened.close();
    throw e;
  }
  if (!plan) {
    opened.close();
    return notModified(opened.meta);
  }
  const { start, end } = plan.range ?? { start: 0, end: opened.meta.size - 1 };
  if (opened.bytes) return { status: plan.status, headers: plan.headers, body: opened.bytes.subarray(start, end + 1) };
  return { status: plan.status, headers: plan.headers, body: opened.stream(start, end) };
}

export async function headObject(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  allow(ctx, 's3:GetObject', objectArn(ctx.bucketName, key));
  const bucket = ctx.store.bucket(ctx.bucketName);
  const meta = readableVersion(ctx, bucket, key);
  const plan = planRead(ctx, bucket, meta);
  if (!plan) return notModified(meta);
  return { status: plan.status, headers: plan.headers };
}

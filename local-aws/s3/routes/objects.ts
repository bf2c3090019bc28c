// PutObject, GetObject, HeadObject, DeleteObject, and object tagging.
import { AwsError, notImplemented } from '../../core/errors.ts';
import type { AwsResponse } from '../../core/request.ts';
import { hostId, xmlResponse } from '../../protocols/rest-xml.ts';
import { evaluateConditions, parseRange, preconditionFailed } from '../conditions.ts';
import {
  allow,
  httpDate,
  invalidArgument,
  mayListBucket,
  noContent,
  objectArn,
  ok,
  quote,
  type S3Context,
} from '../context.ts';
import { checkKey, headerValue, objectHeaders, taggingHeader, verifyBody } from '../input.ts';
import type { ObjectMeta } from '../object-file.ts';
import { noSuchKey, type Bucket } from '../store.ts';
import { parseTagging, renderTagging } from './bucket-config.ts';

/** The key of an object-level request, checked. */
export function objectKey(ctx: S3Context): string {
  const key = ctx.key!;
  checkKey(key);
  return key;
}

/** `?versionId=`: without versioning only "null" (the one version there is) makes sense. */
export function checkVersionId(ctx: S3Context): void {
  const v = ctx.req.query.get('versionId');
  if (v !== null && v !== 'null') throw invalidArgument('Invalid version id specified', 'versionId', v);
}

/** A missing key: 404 NoSuchKey if the caller may list the bucket, else 403 (it must not learn what exists). */
export function missingKey(ctx: S3Context, key: string): AwsError {
  if (mayListBucket(ctx)) return noSuchKey(key);
  return new AwsError('AccessDenied', 'Access Denied', 403);
}

export function principalId(ctx: S3Context): string {
  return `AWS:${ctx.req.caller.userId}`;
}

/** Tells the Lambda hooks about a created or removed object; resolves once the event is durably queued. */
export function emitEvent(
  ctx: S3Context,
  bucket: Bucket,
  eventName: string,
  key: string,
  meta?: ObjectMeta,
): Promise<void> {
  return ctx.store.emit(bucket, {
    eventName,
    key,
    size: meta?.size,
    eTag: meta?.etag,
    requestId: ctx.req.requestId,
    hostId: hostId(ctx.req.requestId),
    sourceIp: ctx.req.sourceIp,
    principalId: principalId(ctx),
  });
}

/** Headers S3 answers for a stored checksum. */
export function checksumHeaders(meta: ObjectMeta): Record<string, string> {
  if (!meta.checksum) return {};
  return {
    [`x-amz-checksum-${meta.checksum.algorithm}`]: meta.checksum.value,
    'x-amz-checksum-type': meta.checksum.type,
  };
}

export async function putObject(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  allow(ctx, 's3:PutObject', objectArn(ctx.bucketName, key));
  const bucket = ctx.store.bucket(ctx.bucketName);
  // Conditional writes: If-None-Match: * (create only) and If-Match: <etag> (replace only that version).
  const existing = ctx.store.objects.head(bucket, key);
  const ifNoneMatch = ctx.req.headers['if-none-match'];
  if (ifNoneMatch !== undefined && existing && (ifNoneMatch.trim() === '*' || ifNoneMatch.includes(existing.etag)))
    throw preconditionFailed('If-None-Match');
  const ifMatch = ctx.req.headers['if-match'];
  if (ifMatch !== undefined) {
    if (!existing) throw noSuchKey(key);
    if (ifMatch.trim() !== '*' && !ifMatch.includes(existing.etag)) throw preconditionFailed('If-Match');
  }
  const digests = verifyBody(ctx.req);
  const meta = await ctx.store.objects.put(
    bucket,
    {
      key,
      size: ctx.req.body.length,
      etag: digests.md5,
      ...objectHeaders(ctx.req),
      checksum: digests.checksum && { ...digests.checksum, type: 'FULL_OBJECT' },
      tags: taggingHeader(ctx.req),
    },
    ctx.req.body,
  );
  await emitEvent(ctx, bucket, 'ObjectCreated:Put', key, meta);
  return ok({ etag: quote(meta.etag), 'x-amz-server-side-encryption': 'AES256', ...checksumHeaders(meta) });
}

/** Headers of a GET/HEAD answer (everything but length, range and checksum). */
function objectResponseHeaders(ctx: S3Context, meta: ObjectMeta): Record<string, string> {
  const h: Record<string, string> = {
    etag: quote(meta.etag),
    'last-modified': httpDate(meta.lastModified),
    'accept-ranges': 'bytes',
    'content-type': meta.contentType ?? 'binary/octet-stream',
    'x-amz-server-side-encryption': 'AES256',
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

/** Conditions, range and headers shared by GET and HEAD; undefined means 304. */
function planRead(ctx: S3Context, meta: ObjectMeta): ReadPlan | undefined {
  if (evaluateConditions(ctx.req, meta) === 'not-modified') return undefined;
  const headers = objectResponseHeaders(ctx, meta);
  const range = parseRange(ctx.req.headers['range'], meta.size);
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

function checkReadParams(ctx: S3Context): void {
  checkVersionId(ctx);
  if (ctx.req.query.has('partNumber'))
    throw notImplemented('s3', `${ctx.req.method === 'HEAD' ? 'HeadObject' : 'GetObject'} with partNumber`);
}

export async function getObject(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  allow(ctx, 's3:GetObject', objectArn(ctx.bucketName, key));
  const bucket = ctx.store.bucket(ctx.bucketName);
  checkReadParams(ctx);
  const opened = await ctx.store.objects.open(bucket, key);
  if (!opened) throw missingKey(ctx, key);
  let plan: ReadPlan | undefined;
  try {
    plan = planRead(ctx, opened.meta);
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
  checkReadParams(ctx);
  const meta = ctx.store.objects.head(bucket, key);
  if (!meta) throw missingKey(ctx, key);
  const plan = planRead(ctx, meta);
  if (!plan) return notModified(meta);
  return { status: plan.status, headers: plan.headers };
}

export async function deleteObject(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  allow(ctx, 's3:DeleteObject', objectArn(ctx.bucketName, key));
  const bucket = ctx.store.bucket(ctx.bucketName);
  checkVersionId(ctx);
  const removed = await ctx.store.objects.delete(bucket, key);
  if (removed) await emitEvent(ctx, bucket, 'ObjectRemoved:Delete', key);
  return noContent();
}

export async function getObjectTagging(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  allow(ctx, 's3:GetObjectTagging', objectArn(ctx.bucketName, key));
  const bucket = ctx.store.bucket(ctx.bucketName);
  checkVersionId(ctx);
  const meta = ctx.store.objects.head(bucket, key);
  if (!meta) throw missingKey(ctx, key);
  return xmlResponse('Tagging', renderTagging(meta.tags ?? []));
}

/** Rewrites an object with new tags; its ETag and Last-Modified stay. */
async function retag(ctx: S3Context, key: string, tags: Array<[string, string]> | undefined): Promise<void> {
  const bucket = ctx.store.bucket(ctx.bucketName);
  checkVersionId(ctx);
  const opened = await ctx.store.objects.open(bucket, key);
  if (!opened) throw missingKey(ctx, key);
  const { seq: _seq, ...fields } = opened.meta;
  await ctx.store.objects.writeFrom(bucket, { ...fields, tags }, opened);
}

export async function putObjectTagging(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  allow(ctx, 's3:PutObjectTagging', objectArn(ctx.bucketName, key));
  verifyBody(ctx.req);
  const tags = parseTagging(ctx.req.body, 'object');
  await retag(ctx, key, tags.length > 0 ? tags : undefined);
  return ok();
}

export async function deleteObjectTagging(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  allow(ctx, 's3:DeleteObjectTagging', objectArn(ctx.bucketName, key));
  await retag(ctx, key, undefined);
  return noContent();
}

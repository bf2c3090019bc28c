// PutObject, DeleteObject, object tagging, and what other object routes share (GET/HEAD are in read.ts).
import { AwsError } from '../../core/errors.ts';
import type { AwsResponse } from '../../core/request.ts';
import { hostId, xmlResponse } from '../../protocols/rest-xml.ts';
import { checkWriteAcl } from '../acl.ts';
import { preconditionFailed } from '../conditions.ts';
import { allow, invalidArgument, mayListBucket, noContent, objectArn, ok, quote, type S3Context } from '../context.ts';
import { checkKey, objectHeaders, taggingHeader, verifyBody } from '../input.ts';
import type { ObjectMeta } from '../object-file.ts';
import { encryptionHeaders, requestedEncryption } from '../sse.ts';
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

/** Tells the Lambda hooks about a created or removed object. */
export function emitEvent(ctx: S3Context, bucket: Bucket, eventName: string, key: string, meta?: ObjectMeta): void {
  ctx.store.emit(bucket, {
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
  checkWriteAcl(ctx.req, bucket.meta, 'PutObject');
  const sse = requestedEncryption(ctx.req, bucket.meta.region, ctx.backend.config.accountId);
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
      sse,
    },
    ctx.req.body,
  );
  emitEvent(ctx, bucket, 'ObjectCreated:Put', key, meta);
  return ok({ etag: quote(meta.etag), ...encryptionHeaders(sse), ...checksumHeaders(meta) });
}

export async function deleteObject(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  allow(ctx, 's3:DeleteObject', objectArn(ctx.bucketName, key));
  const bucket = ctx.store.bucket(ctx.bucketName);
  checkVersionId(ctx);
  const removed = await ctx.store.objects.delete(bucket, key);
  if (removed) emitEvent(ctx, bucket, 'ObjectRemoved:Delete', key);
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

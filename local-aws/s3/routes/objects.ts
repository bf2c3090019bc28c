// PutObject, DeleteObject, and what other object routes share (GET/HEAD are in read.ts, tagging in
// object-tagging.ts).
import { AwsError } from '../../core/errors.ts';
import type { AwsResponse } from '../../core/request.ts';
import { hostId } from '../../protocols/rest-xml.ts';
import { checkWriteOptions } from '../acl.ts';
import { preconditionFailed } from '../conditions.ts';
import { allow, invalidArgument, mayListBucket, noContent, objectArn, ok, quote, type S3Context } from '../context.ts';
import { checkKey, objectHeaders, taggingHeader, verifyBody } from '../input.ts';
import type { ObjectMeta } from '../object-file.ts';
import { encryptionHeaders, requestedEncryption } from '../sse.ts';
import { deleteVersion, findVersion, looksLikeVersionId, versionIdOf, versionsOf, writeVersion } from '../versions.ts';
import { noSuchKey, type Bucket } from '../store.ts';

/** The key of an object-level request, checked. */
export function objectKey(ctx: S3Context): string {
  const key = ctx.key!;
  checkKey(key);
  return key;
}

/** S3's answer for a version id it does not have. */
export function noSuchVersion(key: string, versionId: string): AwsError {
  return new AwsError('NoSuchVersion', 'The specified version does not exist.', 404, {
    Key: key,
    VersionId: versionId,
  });
}

/** The version `?versionId=` names (a delete marker included); undefined when none was asked for. */
export function requestedVersion(ctx: S3Context, bucket: Bucket, key: string): ObjectMeta | undefined {
  const v = ctx.req.query.get('versionId');
  if (v === null) return undefined;
  if (!looksLikeVersionId(v)) throw invalidArgument('Invalid version id specified', 'versionId', v);
  const found = findVersion(bucket, key, v);
  if (found) return found;
  throw versionsOf(bucket, key).length === 0 ? missingKey(ctx, key) : noSuchVersion(key, v);
}

/** `x-amz-version-id` of an object in a bucket that has (or had) versioning. */
export function versionHeaders(bucket: Bucket, meta: ObjectMeta): Record<string, string> {
  return bucket.meta.versioning ? { 'x-amz-version-id': versionIdOf(meta) } : {};
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
  checkWriteOptions(ctx.req, bucket.meta, 'PutObject');
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
  await emitEvent(ctx, bucket, 'ObjectCreated:Put', key, meta);
  return ok({
    etag: quote(meta.etag),
    ...encryptionHeaders(sse),
    ...checksumHeaders(meta),
    ...versionHeaders(bucket, meta),
  });
}

export async function deleteObject(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  allow(ctx, 's3:DeleteObject', objectArn(ctx.bucketName, key));
  const bucket = ctx.store.bucket(ctx.bucketName);
  const outcome = await removeObject(ctx, bucket, key, ctx.req.query.get('versionId') ?? undefined);
  const h: Record<string, string> = {};
  if (outcome.versionId !== undefined) h['x-amz-version-id'] = outcome.versionId;
  if (outcome.deleteMarker) h['x-amz-delete-marker'] = 'true';
  return noContent(h);
}

/**
 * DeleteObject's work (also DeleteObjects'): a version removed for good when one is named, else a
 * delete marker in a versioned bucket, else the object removed.
 */
export async function removeObject(
  ctx: S3Context,
  bucket: Bucket,
  key: string,
  versionId: string | undefined,
): Promise<{ versionId?: string; deleteMarker?: boolean }> {
  if (versionId !== undefined) {
    if (!looksLikeVersionId(versionId)) throw invalidArgument('Invalid version id specified', 'versionId', versionId);
    const removed = await deleteVersion(ctx.store.objects, bucket, key, versionId);
    if (removed) await emitEvent(ctx, bucket, 'ObjectRemoved:Delete', key);
    return { versionId, deleteMarker: removed?.deleteMarker };
  }
  if (bucket.meta.versioning) {
    const fields = { key, size: 0, etag: '', metadata: {}, deleteMarker: true };
    const marker = await writeVersion(ctx.store.objects, bucket, fields, undefined);
    await emitEvent(ctx, bucket, 'ObjectRemoved:DeleteMarkerCreated', key);
    return { versionId: versionIdOf(marker), deleteMarker: true };
  }
  const removed = await ctx.store.objects.delete(bucket, key);
  if (removed) await emitEvent(ctx, bucket, 'ObjectRemoved:Delete', key);
  return {};
}

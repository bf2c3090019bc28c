// Object tagging: Get/Put/DeleteObjectTagging, of the current version or of `?versionId=`.
import { AwsError } from '../../core/errors.ts';
import type { AwsResponse } from '../../core/request.ts';
import { xmlResponse } from '../../protocols/rest-xml.ts';
import { allow, noContent, objectArn, ok, type S3Context } from '../context.ts';
import { verifyBody } from '../input.ts';
import type { ObjectMeta } from '../object-file.ts';
import type { Bucket } from '../store.ts';
import { rewriteVersion } from '../versions.ts';
import { parseTagging, renderTagging } from './bucket-config.ts';
import { missingKey, objectKey, requestedVersion, versionHeaders } from './objects.ts';

export async function getObjectTagging(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  allow(ctx, 's3:GetObjectTagging', objectArn(ctx.bucketName, key));
  const bucket = ctx.store.bucket(ctx.bucketName);
  const meta = taggable(ctx, bucket, key);
  return xmlResponse('Tagging', renderTagging(meta.tags ?? []), 200, versionHeaders(bucket, meta));
}

/** The version whose tags are asked for (the current one by default). */
function taggable(ctx: S3Context, bucket: Bucket, key: string): ObjectMeta {
  const meta = requestedVersion(ctx, bucket, key) ?? ctx.store.objects.head(bucket, key);
  if (!meta) throw missingKey(ctx, key);
  if (meta.deleteMarker)
    throw new AwsError('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405, {
      Method: ctx.req.method,
      ResourceType: 'DeleteMarker',
    });
  return meta;
}

/** Rewrites an object (one version of it) with new tags; its ETag and Last-Modified stay. */
async function retag(ctx: S3Context, key: string, tags: Array<[string, string]> | undefined): Promise<AwsResponse> {
  const bucket = ctx.store.bucket(ctx.bucketName);
  const version = taggable(ctx, bucket, key);
  const opened = await ctx.store.objects.open(bucket, key, version);
  if (!opened) throw missingKey(ctx, key);
  const { seq: _seq, ...fields } = opened.meta;
  if (!bucket.meta.versioning) await ctx.store.objects.writeFrom(bucket, { ...fields, tags }, opened);
  else {
    const body = opened.bytes ?? ctx.store.objects.bodyWriter(opened);
    await rewriteVersion(ctx.store.objects, bucket, version, { ...fields, tags }, body);
  }
  return ok(versionHeaders(bucket, version));
}

export async function putObjectTagging(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  allow(ctx, 's3:PutObjectTagging', objectArn(ctx.bucketName, key));
  verifyBody(ctx.req);
  const tags = parseTagging(ctx.req.body, 'object');
  return retag(ctx, key, tags.length > 0 ? tags : undefined);
}

export async function deleteObjectTagging(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  allow(ctx, 's3:DeleteObjectTagging', objectArn(ctx.bucketName, key));
  const done = await retag(ctx, key, undefined);
  return noContent(done.headers);
}

// S3 actions: one SDK call each.
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
  type NotificationConfiguration,
  type ObjectIdentifier,
  type Tag,
  S3Client,
} from '@aws-sdk/client-s3';
import { awsCommand, cliJson, shellQuote } from '../aws-cli.ts';
import { awsCode, httpStatus, isNotFound } from '../errors.ts';
import { pollUntil } from '../retry.ts';
import { change, type ActionCtx } from './run.ts';
import { registerClient } from '../context.ts';

registerClient('s3', S3Client);

export type BucketAccess = 'missing' | 'ours' | 'forbidden' | 'other-region';

/**
 * HeadBucket: 200 = we can use it, 404 = free, 403 = someone else's (names are global),
 * 301 = it exists in another region than the one we talk to.
 */
export async function headBucket(ctx: ActionCtx, bucket: string): Promise<BucketAccess> {
  try {
    await ctx.clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return 'ours';
  } catch (err) {
    if (isNotFound(err)) return 'missing';
    if (httpStatus(err) === 301 || awsCode(err) === 'PermanentRedirect') return 'other-region';
    if (httpStatus(err) === 403 || awsCode(err) === 'Forbidden') return 'forbidden';
    throw err;
  }
}

export function createBucket(ctx: ActionCtx, bucket: string, region: string) {
  // us-east-1 takes no LocationConstraint; every other region requires it.
  const config = region === 'us-east-1' ? undefined : { LocationConstraint: region as BucketLocationConstraint };
  return change(
    ctx,
    `create bucket ${bucket}`,
    awsCommand(ctx.cliTarget, 's3api', 'create-bucket', {
      bucket,
      'create-bucket-configuration': config ? `LocationConstraint=${region}` : undefined,
    }),
    () => ctx.clients.s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: config })),
  );
}

/** GetPublicAccessBlock: true when all four public-access switches are on. */
export async function getPublicAccessBlock(ctx: ActionCtx, bucket: string): Promise<boolean> {
  try {
    const c = (await ctx.clients.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })))
      .PublicAccessBlockConfiguration;
    return Boolean(c?.BlockPublicAcls && c.IgnorePublicAcls && c.BlockPublicPolicy && c.RestrictPublicBuckets);
  } catch (err) {
    if (awsCode(err) === 'NoSuchPublicAccessBlockConfiguration') return false;
    throw err;
  }
}

export function putPublicAccessBlock(ctx: ActionCtx, bucket: string) {
  const all = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
  return change(
    ctx,
    `block all public access to ${bucket}`,
    awsCommand(ctx.cliTarget, 's3api', 'put-public-access-block', {
      bucket,
      'public-access-block-configuration':
        'BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true',
    }),
    () => ctx.clients.s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: all })),
  );
}

export async function getBucketTagging(ctx: ActionCtx, bucket: string): Promise<Tag[]> {
  try {
    return (await ctx.clients.s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet ?? [];
  } catch (err) {
    if (awsCode(err) === 'NoSuchTagSet') return [];
    throw err;
  }
}

export function putBucketTagging(ctx: ActionCtx, bucket: string, tags: Tag[]) {
  return change(
    ctx,
    `tag bucket ${bucket}`,
    awsCommand(ctx.cliTarget, 's3api', 'put-bucket-tagging', { bucket, tagging: cliJson({ TagSet: tags }) }),
    () => ctx.clients.s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: tags } })),
  );
}

export async function getBucketNotificationConfiguration(
  ctx: ActionCtx,
  bucket: string,
): Promise<NotificationConfiguration> {
  const r = await ctx.clients.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
  return {
    LambdaFunctionConfigurations: r.LambdaFunctionConfigurations,
    TopicConfigurations: r.TopicConfigurations,
    QueueConfigurations: r.QueueConfigurations,
    EventBridgeConfiguration: r.EventBridgeConfiguration,
  };
}

/** The call replaces the bucket's whole configuration: callers pass the merged one. */
export function putBucketNotificationConfiguration(
  ctx: ActionCtx,
  bucket: string,
  config: NotificationConfiguration,
  description: string,
) {
  return change(
    ctx,
    description,
    awsCommand(ctx.cliTarget, 's3api', 'put-bucket-notification-configuration', {
      bucket,
      'notification-configuration': cliJson(config),
    }),
    () =>
      ctx.clients.s3.send(
        new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: config }),
      ),
  );
}

export function putObject(
  ctx: ActionCtx,
  bucket: string,
  key: string,
  body: Buffer,
  contentType: string,
  localFile: string,
) {
  return change(
    ctx,
    `upload ${localFile} to s3://${bucket}/${key}`,
    awsCommand(ctx.cliTarget, 's3api', 'put-object', { bucket, key, body: localFile, 'content-type': contentType }),
    () => ctx.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType })),
  );
}

/** The aws-cli way to wait for an object (the walkthrough polls HeadObject with backoff and its own deadline). */
export function waitObjectExistsCommand(ctx: ActionCtx, bucket: string, key: string): string {
  return awsCommand(ctx.cliTarget, 's3api', 'wait object-exists', { bucket, key });
}

/** `aws s3api wait object-exists`: polls HeadObject with backoff; PollTimeout after `deadlineMs`. */
export function waitObjectExists(ctx: ActionCtx, bucket: string, key: string, deadlineMs: number) {
  return pollUntil(async () => (await headObject(ctx, bucket, key)) ?? undefined, {
    deadlineMs,
    what: `s3://${bucket}/${key}`,
    initialDelayMs: 100,
  });
}

export async function headObject(ctx: ActionCtx, bucket: string, key: string) {
  try {
    return await ctx.clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function getObject(ctx: ActionCtx, bucket: string, key: string, localFile: string): Promise<Buffer> {
  ctx.report.cli(awsCommand(ctx.cliTarget, 's3api', 'get-object', { bucket, key }) + ' ' + shellQuote(localFile));
  const r = await ctx.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

/** Every version and delete marker (a plain object is one version "null"), a page at a time. */
export async function listObjectVersions(ctx: ActionCtx, bucket: string, keyMarker?: string, versionIdMarker?: string) {
  const r = await ctx.clients.s3.send(
    new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }),
  );
  const ids: ObjectIdentifier[] = [
    ...(r.Versions ?? []).map((v) => ({ Key: v.Key!, VersionId: v.VersionId })),
    ...(r.DeleteMarkers ?? []).map((v) => ({ Key: v.Key!, VersionId: v.VersionId })),
  ];
  return {
    ids,
    next: r.IsTruncated ? { keyMarker: r.NextKeyMarker, versionIdMarker: r.NextVersionIdMarker } : undefined,
  };
}

export function deleteObjects(ctx: ActionCtx, bucket: string, ids: ObjectIdentifier[]) {
  return change(
    ctx,
    `delete ${ids.length} object version(s) from ${bucket}`,
    awsCommand(ctx.cliTarget, 's3api', 'delete-objects', { bucket, delete: cliJson({ Objects: ids, Quiet: true }) }),
    async () => {
      const r = await ctx.clients.s3.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: ids, Quiet: true } }),
      );
      const failed = r.Errors ?? [];
      if (failed.length > 0)
        throw new Error(
          `could not delete ${failed.length} object(s) from ${bucket}: ${failed[0]?.Code} ${failed[0]?.Message}`,
        );
    },
  );
}

export async function listMultipartUploads(ctx: ActionCtx, bucket: string) {
  return (await ctx.clients.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];
}

export function abortMultipartUpload(ctx: ActionCtx, bucket: string, key: string, uploadId: string) {
  return change(
    ctx,
    `abort unfinished upload of ${key} in ${bucket}`,
    awsCommand(ctx.cliTarget, 's3api', 'abort-multipart-upload', { bucket, key, 'upload-id': uploadId }),
    () => ctx.clients.s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })),
  );
}

export function deleteBucket(ctx: ActionCtx, bucket: string) {
  return change(ctx, `delete bucket ${bucket}`, awsCommand(ctx.cliTarget, 's3api', 'delete-bucket', { bucket }), () =>
    ctx.clients.s3.send(new DeleteBucketCommand({ Bucket: bucket })),
  );
}

/** The object's body as a stream (large output is never held in memory). */
export async function getObjectStream(
  ctx: ActionCtx,
  bucket: string,
  key: string,
  localFile: string,
): Promise<AsyncIterable<Uint8Array>> {
  ctx.report.cli(awsCommand(ctx.cliTarget, 's3api', 'get-object', { bucket, key }) + ' ' + shellQuote(localFile));
  const r = await ctx.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return r.Body as AsyncIterable<Uint8Array>;
}

export function deleteObject(ctx: ActionCtx, bucket: string, key: string) {
  return change(
    ctx,
    `delete s3://${bucket}/${key}`,
    awsCommand(ctx.cliTarget, 's3api', 'delete-object', { bucket, key }),
    () => ctx.clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })),
  );
}

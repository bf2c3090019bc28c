// Bucket configurations: notification (with Lambda and SNS destination validation), public access block, tags.
import { AwsError } from '../../core/errors.ts';
import type { AwsResponse } from '../../core/request.ts';
import { hostId, xmlResponse } from '../../protocols/rest-xml.ts';
import { malformedXml } from '../../protocols/xml.ts';
import { allow, bucketArn, noContent, ok, type S3Context } from '../context.ts';
import { checkTags, verifyBody } from '../input.ts';
import {
  NOTIFICATION_ARRAY_TAGS,
  parseNotification,
  renderNotification,
  EMPTY_NOTIFICATION,
} from '../notifications.ts';
import type { PublicAccessBlock } from '../store.ts';
import { boolOf, child, children, parseS3Xml, textOf } from '../xml-input.ts';

export async function putNotification(ctx: S3Context): Promise<AwsResponse> {
  allow(ctx, 's3:PutBucketNotification', bucketArn(ctx.bucketName));
  const bucket = ctx.store.bucket(ctx.bucketName);
  verifyBody(ctx.req);
  const config = parseNotification(parseS3Xml(ctx.req.body, NOTIFICATION_ARRAY_TAGS));
  const skip = (ctx.req.headers['x-amz-skip-destination-validation'] ?? '').toLowerCase() === 'true';
  const topicArns = [...new Set(config.topics.map((t) => t.arn))];
  if (!skip) {
    // S3 notifies only destinations in the bucket's own region; any other is refused before the rest is checked.
    const region = bucket.meta.region;
    if (
      region &&
      [...config.lambdas.map((l) => l.arn), ...topicArns].some((arn) => (arn.split(':')[3] || region) !== region)
    )
      throw new AwsError(
        'InvalidArgument',
        'The notification destination service region is not valid for the bucket location constraint',
        400,
      );
    const failing = [
      ...ctx.store
        .validateDestinations(
          bucket.name,
          config.lambdas.map((t) => t.arn),
        )
        .map((arn) => ({
          name: `${arn}, null`,
          value: `Not authorized to invoke function [${arn}]`,
        })),
      ...ctx.store.validateTopics(bucket.name, topicArns).map((f) => ({ name: f.arn, value: f.reason })),
    ];
    if (failing.length > 0) {
      const fields: Record<string, string> = {};
      failing.forEach((f, i) => {
        fields[`ArgumentName${i + 1}`] = f.name;
        fields[`ArgumentValue${i + 1}`] = f.value;
      });
      throw new AwsError('InvalidArgument', 'Unable to validate the following destination configurations', 400, fields);
    }
  }
  const empty = config.lambdas.length + config.queues.length + config.topics.length === 0 && !config.eventBridge;
  bucket.meta.notification = empty ? undefined : config;
  await ctx.store.saveBucket();
  // Topics hear from the bucket at once: S3 sends them s3:TestEvent
  // (docs/local-aws/protocols.md#s3-event-notifications).
  if (!skip) ctx.store.sendTestEvent(bucket.name, topicArns, ctx.req.requestId, hostId(ctx.req.requestId));
  return ok();
}

export async function getNotification(ctx: S3Context): Promise<AwsResponse> {
  allow(ctx, 's3:GetBucketNotification', bucketArn(ctx.bucketName));
  const bucket = ctx.store.bucket(ctx.bucketName);
  return xmlResponse('NotificationConfiguration', renderNotification(bucket.meta.notification ?? EMPTY_NOTIFICATION));
}

export async function putPublicAccessBlock(ctx: S3Context): Promise<AwsResponse> {
  allow(ctx, 's3:PutBucketPublicAccessBlock', bucketArn(ctx.bucketName));
  const bucket = ctx.store.bucket(ctx.bucketName);
  verifyBody(ctx.req);
  const root = parseS3Xml(ctx.req.body)['PublicAccessBlockConfiguration'];
  if (root === undefined) throw malformedXml();
  const config: PublicAccessBlock = {
    blockPublicAcls: boolOf(child(root, 'BlockPublicAcls')),
    ignorePublicAcls: boolOf(child(root, 'IgnorePublicAcls')),
    blockPublicPolicy: boolOf(child(root, 'BlockPublicPolicy')),
    restrictPublicBuckets: boolOf(child(root, 'RestrictPublicBuckets')),
  };
  bucket.meta.publicAccessBlock = config;
  await ctx.store.saveBucket();
  return ok();
}

export async function getPublicAccessBlock(ctx: S3Context): Promise<AwsResponse> {
  allow(ctx, 's3:GetBucketPublicAccessBlock', bucketArn(ctx.bucketName));
  const bucket = ctx.store.bucket(ctx.bucketName);
  const c = bucket.meta.publicAccessBlock;
  if (!c)
    throw new AwsError(
      'NoSuchPublicAccessBlockConfiguration',
      'The public access block configuration was not found',
      404,
      {
        BucketName: bucket.name,
      },
    );
  return xmlResponse('PublicAccessBlockConfiguration', {
    BlockPublicAcls: c.blockPublicAcls,
    IgnorePublicAcls: c.ignorePublicAcls,
    BlockPublicPolicy: c.blockPublicPolicy,
    RestrictPublicBuckets: c.restrictPublicBuckets,
  });
}

export async function deletePublicAccessBlock(ctx: S3Context): Promise<AwsResponse> {
  allow(ctx, 's3:PutBucketPublicAccessBlock', bucketArn(ctx.bucketName));
  const bucket = ctx.store.bucket(ctx.bucketName);
  bucket.meta.publicAccessBlock = undefined;
  await ctx.store.saveBucket();
  return noContent();
}

/** `<Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>` (buckets and objects alike). */
export function parseTagging(body: Buffer, kind: 'object' | 'bucket'): Array<[string, string]> {
  const root = parseS3Xml(body, ['Tag'])['Tagging'];
  if (root === undefined) throw malformedXml();
  const tagSet = child(root, 'TagSet');
  if (tagSet === undefined) throw malformedXml();
  const tags = children(tagSet, 'Tag').map((t): [string, string] => {
    if (child(t, 'Key') === undefined) throw malformedXml();
    return [textOf(child(t, 'Key')), textOf(child(t, 'Value'))];
  });
  return checkTags(tags, kind);
}

export function renderTagging(tags: Array<[string, string]>) {
  return { TagSet: { Tag: tags.map(([Key, Value]) => ({ Key, Value })) } };
}

export async function putBucketTagging(ctx: S3Context): Promise<AwsResponse> {
  allow(ctx, 's3:PutBucketTagging', bucketArn(ctx.bucketName));
  const bucket = ctx.store.bucket(ctx.bucketName);
  verifyBody(ctx.req);
  const tags = parseTagging(ctx.req.body, 'bucket');
  bucket.meta.tags = tags.length > 0 ? tags : undefined;
  await ctx.store.saveBucket();
  return noContent();
}

export async function getBucketTagging(ctx: S3Context): Promise<AwsResponse> {
  allow(ctx, 's3:GetBucketTagging', bucketArn(ctx.bucketName));
  const bucket = ctx.store.bucket(ctx.bucketName);
  if (!bucket.meta.tags)
    throw new AwsError('NoSuchTagSet', 'The TagSet does not exist', 404, { BucketName: bucket.name });
  return xmlResponse('Tagging', renderTagging(bucket.meta.tags));
}

export async function deleteBucketTagging(ctx: S3Context): Promise<AwsResponse> {
  allow(ctx, 's3:PutBucketTagging', bucketArn(ctx.bucketName));
  const bucket = ctx.store.bucket(ctx.bucketName);
  bucket.meta.tags = undefined;
  await ctx.store.saveBucket();
  return noContent();
}

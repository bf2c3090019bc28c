#!/usr/bin/env -S node --import=tsx
// Step 3. The buckets: the source (where images are uploaded) and the destination (thumbnails),
// private and tagged as this walkthrough's. In us-east-1 CreateBucket takes no LocationConstraint.
// With the aws-cli, for each bucket:
//   aws s3api create-bucket --bucket "$SOURCE_BUCKET" [--create-bucket-configuration LocationConstraint=$AWS_REGION]
//   aws s3api put-public-access-block --bucket "$SOURCE_BUCKET" --public-access-block-configuration ...
//   aws s3api put-bucket-tagging --bucket "$SOURCE_BUCKET" --tagging ...
import type { Ctx } from './lib/context.ts';
import { stepMain } from './lib/main.ts';
import { coreSlot } from './lib/resources/ownership.ts';

export async function bucketsStep(ctx: Ctx): Promise<void> {
  const { ensureBucket } = await import('./lib/resources/bucket.ts');
  const s = ctx.settings;
  const source = { name: s.sourceBucket, label: 'source bucket', setting: 'SOURCE_BUCKET', flag: 'source-bucket' };
  const dest = { name: s.destBucket, label: 'destination bucket', setting: 'DEST_BUCKET', flag: 'dest-bucket' };
  await ensureBucket(ctx, source, coreSlot(ctx, 'sourceBucket'));
  await ensureBucket(ctx, dest, coreSlot(ctx, 'destBucket'));
}

await stepMain(import.meta.url, bucketsStep);

#!/usr/bin/env -S node --import=tsx
// Step 3. The buckets: the source (where images are uploaded) and the destination (thumbnails),
// private and tagged as this walkthrough's. In us-east-1 CreateBucket takes no LocationConstraint.
import {
  blockPublicAccess,
  createBucket,
  getBucketTags,
  headBucket,
  isPublicAccessBlocked,
  putBucketTags,
} from './lib/actions/s3.ts';
import type { Ctx } from './lib/context.ts';
import { awsCode, UserError } from './lib/errors.ts';
import { stepMain } from './lib/main.ts';
import { hasTag, SUITE_TAG } from './lib/policies.ts';
import type { WalkthroughState } from './lib/state.ts';

type BucketRole = 'sourceBucket' | 'destBucket';

async function ensureBucket(ctx: Ctx, which: BucketRole, name: string, setting: string): Promise<void> {
  const { report, state } = ctx;
  const label = which === 'sourceBucket' ? 'source bucket' : 'destination bucket';
  const access = await headBucket(ctx, name);
  if (access === 'forbidden')
    throw new UserError(
      `The ${label} ${name} exists but is not accessible with these credentials (${ctx.identity.arn}): HeadBucket answered 403 Forbidden. ` +
        'Either another AWS account owns it (bucket names are global), or it is yours and this identity lacks permission on it.',
      `If it is not yours, set ${setting} (or --${setting === 'SOURCE_BUCKET' ? 'source-bucket' : 'dest-bucket'}) to another name. ` +
        'If it is yours, run with an identity allowed to use it (s3:ListBucket and the bucket actions the steps need), or check its bucket policy.',
    );
  if (access === 'other-region')
    throw new UserError(
      `The ${label} ${name} exists in another region than ${ctx.settings.region} (bucket names are global).`,
      `Run with the bucket's region (--region), or set ${setting} to another name.`,
    );
  if (access === 'missing') {
    state.update((x: WalkthroughState) => (x[which] = { name, createdBySuite: true }));
    try {
      await createBucket(ctx, name, ctx.settings.region);
    } catch (err) {
      if (awsCode(err) === 'BucketAlreadyExists')
        throw new UserError(
          `The ${label} name ${name} was just taken by another AWS account.`,
          `Set ${setting} to another name.`,
        );
      if (awsCode(err) !== 'BucketAlreadyOwnedByYou') throw err;
    }
    await blockPublicAccess(ctx, name);
    await putBucketTags(ctx, name, [SUITE_TAG]);
    if (!ctx.dryRun) report.created(`${label} ${name} (private, tagged ${SUITE_TAG.Key}=${SUITE_TAG.Value})`);
    return;
  }
  const tagged = hasTag(await getBucketTags(ctx, name));
  const ours = tagged || (state.data[which]?.name === name && state.data[which]?.createdBySuite === true);
  state.update((x: WalkthroughState) => (x[which] = { name, createdBySuite: ours }));
  if (!ours) {
    report.found(`${label} ${name} (not created by this walkthrough: it is used as is, and teardown leaves it)`);
    return;
  }
  report.found(`${label} ${name}`);
  // An interrupted first run may have created the bucket but not yet locked it down or tagged it.
  if (!(await isPublicAccessBlocked(ctx, name)) && (await blockPublicAccess(ctx, name)))
    report.changed(`${label} ${name}: public access blocked`);
  if (!tagged && (await putBucketTags(ctx, name, [SUITE_TAG]))) report.changed(`${label} ${name}: tagged`);
}

export async function bucketsStep(ctx: Ctx): Promise<void> {
  await ensureBucket(ctx, 'sourceBucket', ctx.settings.sourceBucket, 'SOURCE_BUCKET');
  await ensureBucket(ctx, 'destBucket', ctx.settings.destBucket, 'DEST_BUCKET');
}

await stepMain(import.meta.url, bucketsStep);

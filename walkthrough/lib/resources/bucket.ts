// A bucket, private (all public access blocked) and tagged as ours; or someone else's, used as is.
// Remove empties it of every version and unfinished upload first.
import {
  putPublicAccessBlock,
  createBucket,
  abortMultipartUpload,
  deleteBucket,
  deleteObjects,
  listMultipartUploads,
  listObjectVersions,
  getBucketTagging,
  headBucket,
  getPublicAccessBlock,
  putBucketTagging,
} from '../actions/s3.ts';
import type { ObjectIdentifier } from '@aws-sdk/client-s3';
import type { ActionCtx } from '../actions/run.ts';
import type { Ctx } from '../context.ts';
import { awsCode, UserError } from '../errors.ts';
import { SUITE_TAG } from '../policies.ts';
import { gone } from '../removal.ts';
import type { OwnedResource } from '../state.ts';
import { alreadyDone } from './done.ts';
import { isOurs, type Slot } from './ownership.ts';

export interface BucketSpec {
  name: string;
  /** "source bucket", "destination bucket" */
  label: string;
  /** The setting that names it, and its flag. */
  setting: string;
  flag: string;
}

function refuse(ctx: Ctx, spec: BucketSpec, access: 'forbidden' | 'other-region'): never {
  const { name, label, setting, flag } = spec;
  if (access === 'other-region')
    throw new UserError(
      `The ${label} ${name} exists in another region than ${ctx.settings.region} (bucket names are global).`,
      `Run with the bucket's region (--region), or set ${setting} to another name.`,
    );
  throw new UserError(
    `The ${label} ${name} exists but is not accessible with these credentials (${ctx.identity.arn}): ` +
      'HeadBucket answered 403 Forbidden. Either another AWS account owns it (bucket names are global), ' +
      'or it is yours and this identity lacks permission on it.',
    `If it is not yours, set ${setting} (or --${flag}) to another name. If it is yours, run with an identity ` +
      'allowed to use it (s3:ListBucket and the bucket actions the steps need), or check its bucket policy.',
  );
}

export async function ensureBucket(ctx: Ctx, spec: BucketSpec, slot: Slot<OwnedResource>): Promise<void> {
  const { report } = ctx;
  const { name, label } = spec;
  const access = await headBucket(ctx, name);
  if (access === 'forbidden' || access === 'other-region') refuse(ctx, spec, access);
  const described = `${label} ${name} (private, tagged ${SUITE_TAG.Key}=${SUITE_TAG.Value})`;
  if (access === 'missing') {
    slot.set({ name, createdBySuite: true });
    await createBucket(ctx, name, ctx.settings.region).catch((err: unknown) => {
      if (awsCode(err) === 'BucketAlreadyExists')
        throw new UserError(
          `The ${label} name ${name} was just taken by another AWS account.`,
          `Set ${spec.setting} to another name.`,
        );
      if (awsCode(err) !== 'BucketAlreadyOwnedByYou') throw err;
    });
    await putPublicAccessBlock(ctx, name);
    await putBucketTagging(ctx, name, [SUITE_TAG]);
    if (!ctx.dryRun) report.created(described);
    return;
  }
  // Read at once with the tags (start-up of a re-run); awaited, and its error seen, only if the bucket is ours.
  const blockedRead = getPublicAccessBlock(ctx, name);
  blockedRead.catch(() => undefined);
  const tags = await getBucketTagging(ctx, name);
  const tagged = isOurs(undefined, name, tags);
  const ours = isOurs(slot.get(), name, tags);
  slot.set({ name, createdBySuite: ours });
  if (!ours)
    return report.found(`${label} ${name} (not created by this walkthrough: it is used as is, and teardown leaves it)`);
  report.found(`${label} ${name}`);
  await createBucket(alreadyDone(ctx), name, ctx.settings.region);
  // An interrupted first run may have created the bucket but not yet locked it down or tagged it.
  const blocked = await blockedRead;
  if (!blocked && (await putPublicAccessBlock(ctx, name))) report.changed(`${label} ${name}: public access blocked`);
  if (blocked) await putPublicAccessBlock(alreadyDone(ctx), name);
  if (!tagged && (await putBucketTagging(ctx, name, [SUITE_TAG]))) report.changed(`${label} ${name}: tagged`);
  if (tagged) await putBucketTagging(alreadyDone(ctx), name, [SUITE_TAG]);
}

/** Empties and deletes the bucket if it is ours (unless --keep-buckets). */
export async function removeBucket(ctx: Ctx, name: string, slot: Slot<OwnedResource>): Promise<void> {
  const access = await headBucket(ctx, name);
  if (access === 'missing') {
    ctx.report.gone(`bucket ${name}`);
    return slot.clear();
  }
  if (access === 'forbidden')
    return ctx.report.kept(
      `bucket ${name} (not accessible with these credentials: ` +
        "another account's, or this identity lacks permission on it)",
    );
  if (access === 'other-region')
    return ctx.report.kept(`bucket ${name} (in another region than ${ctx.settings.region})`);
  if (!isOurs(slot.get(), name, await getBucketTagging(ctx, name)))
    return ctx.report.kept(`bucket ${name} and its contents (not created by this walkthrough)`);
  if (ctx.argv['keep-buckets']) return ctx.report.kept(`bucket ${name} and its contents (--keep-buckets)`);
  const count = await ctx.report.wait(`emptying ${name}`, () => emptyBucket(ctx, name));
  if (await gone(() => deleteBucket(ctx, name)))
    ctx.report.removed(`bucket ${name} (${count} object version(s) deleted first)`);
  slot.clear();
}

/** Deletes every object version and aborts every unfinished upload; returns how many versions went. */
export async function emptyBucket(ctx: ActionCtx, bucket: string): Promise<number> {
  let removed = 0;
  let marker: { keyMarker?: string; versionIdMarker?: string } | undefined = {};
  while (marker) {
    const page: { ids: ObjectIdentifier[]; next?: { keyMarker?: string; versionIdMarker?: string } } =
      await listObjectVersions(ctx, bucket, marker.keyMarker, marker.versionIdMarker);
    for (let i = 0; i < page.ids.length; i += 1000) {
      const batch = page.ids.slice(i, i + 1000);
      await deleteObjects(ctx, bucket, batch);
      removed += batch.length;
    }
    marker = page.next;
  }
  for (const upload of await listMultipartUploads(ctx, bucket)) {
    if (upload.Key && upload.UploadId)
      await gone(() => abortMultipartUpload(ctx, bucket, upload.Key!, upload.UploadId!));
  }
  return removed;
}

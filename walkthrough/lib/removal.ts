// Removals shared by every teardown (the walkthrough's, the persistence probe's, lambdash's): what
// disappeared meanwhile counts as removed, a role loses its policies before it goes, a bucket is
// emptied of every version and unfinished upload.
import type { ObjectIdentifier } from '@aws-sdk/client-s3';
import {
  deleteRole,
  deleteRolePolicy,
  detachRolePolicy,
  listAttachedRolePolicies,
  listRolePolicies,
} from './actions/iam.ts';
import type { ActionCtx } from './actions/run.ts';
import { abortMultipartUpload, deleteObjects, listMultipartUploads, listObjectVersions } from './actions/s3.ts';
import { isNotFound } from './errors.ts';

/** Runs a removal; a resource that disappeared meanwhile counts as removed. */
export async function gone<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Deletes a role after its inline policies and attachments (pitfall 5: DeleteConflict otherwise). */
export async function deleteRoleWithPolicies(ctx: ActionCtx, name: string): Promise<void> {
  for (const policy of await listRolePolicies(ctx, name)) {
    if (await gone(() => deleteRolePolicy(ctx, name, policy))) ctx.report.removed(`inline policy ${policy} of ${name}`);
  }
  for (const arn of await listAttachedRolePolicies(ctx, name)) {
    if (await gone(() => detachRolePolicy(ctx, name, arn))) ctx.report.removed(`attachment of ${arn} to ${name}`);
  }
  if (await gone(() => deleteRole(ctx, name))) ctx.report.removed(`role ${name}`);
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

// --teardown: the function, its log group, the role (its policies first) and the output bucket
// (emptied first), and nothing lambdash did not create (its state file and tags say which). Anything
// already gone counts as done, so it works after any partial deploy and a second run changes nothing.
import { deleteFunction, getFunction } from '../../lib/actions/lambda.ts';
import { deleteBucket, getBucketTagging, headBucket } from '../../lib/actions/s3.ts';
import { confirmChange, LAMBDASH, LAMBDASH_TAG, lambdashSlot as slot, type LambdashCtx } from './context.ts';
import { isOurs } from '../../lib/resources/ownership.ts';
import { gone } from '../../lib/removal.ts';
import { emptyBucket } from '../../lib/resources/bucket.ts';
import { removeLogGroup } from '../../lib/resources/log-group.ts';
import { removeRole } from '../../lib/resources/role.ts';

async function removeFunction(c: LambdashCtx): Promise<boolean> {
  const name = c.state.data.function?.name ?? c.names.functionName;
  const fn = await getFunction(c, name);
  if (!fn) {
    c.report.gone(`function ${name}`);
    c.state.update((x) => delete x.function);
    return c.state.data.logGroup?.createdBySuite ?? false;
  }
  if (!isOurs(c.state.data.function, name, fn.Tags, LAMBDASH_TAG)) {
    c.report.kept(`function ${name} (not created by lambdash)`);
    return false;
  }
  if (await gone(() => deleteFunction(c, name))) c.report.removed(`function ${name}`);
  c.state.update((x) => delete x.function);
  return true;
}

async function removeBucket(c: LambdashCtx): Promise<void> {
  const name = c.state.data.bucket?.name ?? c.names.bucket;
  const access = await headBucket(c, name);
  if (access === 'missing') {
    c.report.gone(`bucket ${name}`);
    return c.state.update((x) => delete x.bucket);
  }
  if (access === 'forbidden') return c.report.kept(`bucket ${name} (owned by another account)`);
  if (access === 'other-region')
    return c.report.kept(`bucket ${name} (in another region than ${c.region}: not lambdash's for this region)`);
  if (!isOurs(c.state.data.bucket, name, await getBucketTagging(c, name), LAMBDASH_TAG))
    return c.report.kept(`bucket ${name} and its contents (not created by lambdash)`);
  // Objects left by runs that were interrupted before they fetched their output.
  const count = await emptyBucket(c, name);
  if (await gone(() => deleteBucket(c, name)))
    c.report.removed(`bucket ${name}${count ? ` (${count} leftover object(s) deleted first)` : ''}`);
  c.state.update((x) => delete x.bucket);
}

export async function teardown(c: LambdashCtx): Promise<void> {
  await confirmChange(c, 'remove lambdash (its function, log group, role and bucket)');
  const functionWasOurs = await removeFunction(c);
  const logGroup = c.state.data.logGroup?.name ?? c.names.logGroup;
  await removeLogGroup(c, logGroup, slot(c, 'logGroup'), functionWasOurs, LAMBDASH);
  await removeRole(c, c.state.data.role?.name ?? c.names.roleName, slot(c, 'role'), LAMBDASH);
  await removeBucket(c);
  const s = c.state.data;
  if (!c.dryRun && !s.function && !s.logGroup && !s.role && !s.bucket) {
    c.state.remove();
    c.report.info('everything lambdash created is gone');
  }
}

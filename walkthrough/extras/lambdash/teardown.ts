// --teardown: the function, its log group, the role (its policies first) and the output bucket
// (emptied first), and nothing lambdash did not create (its state file and tags say which). Anything
// already gone counts as done, so it works after any partial deploy and a second run changes nothing.
import { getRole, listRoleTags } from '../../lib/actions/iam.ts';
import { deleteFunction, getFunction } from '../../lib/actions/lambda.ts';
import { deleteLogGroup, describeLogGroups } from '../../lib/actions/logs.ts';
import { deleteBucket, getBucketTagging, headBucket } from '../../lib/actions/s3.ts';
import { confirmChange, LAMBDASH_TAG, type LambdashCtx } from './context.ts';
import { isOurs } from '../../lib/resources/ownership.ts';
import { gone } from '../../lib/removal.ts';
import { emptyBucket } from '../../lib/resources/bucket.ts';
import { deleteRoleWithPolicies } from '../../lib/resources/role.ts';

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

async function removeLogGroup(c: LambdashCtx, functionWasOurs: boolean): Promise<void> {
  const name = c.state.data.logGroup?.name ?? c.names.logGroup;
  if (!(await describeLogGroups(c, name))) c.report.gone(`log group ${name}`);
  else if (c.state.data.logGroup?.createdBySuite || functionWasOurs) {
    if (await gone(() => deleteLogGroup(c, name))) c.report.removed(`log group ${name}`);
  } else return c.report.kept(`log group ${name} (not created by lambdash)`);
  c.state.update((x) => delete x.logGroup);
}

async function removeRole(c: LambdashCtx): Promise<void> {
  const name = c.state.data.role?.name ?? c.names.roleName;
  if (!(await getRole(c, name))) {
    c.report.gone(`role ${name}`);
    return c.state.update((x) => delete x.role);
  }
  if (!isOurs(c.state.data.role, name, await listRoleTags(c, name), LAMBDASH_TAG))
    return c.report.kept(`role ${name} (not created by lambdash)`);
  await deleteRoleWithPolicies(c, name);
  c.state.update((x) => delete x.role);
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
  await removeLogGroup(c, functionWasOurs);
  await removeRole(c);
  await removeBucket(c);
  const s = c.state.data;
  if (!c.dryRun && !s.function && !s.logGroup && !s.role && !s.bucket) {
    c.state.remove();
    c.report.info('everything lambdash created is gone');
  }
}

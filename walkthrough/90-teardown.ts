// Step 8. Teardown, in reverse order: the notification entry, the permission, the function, its log
// group, the role's policies and the role, then the buckets' objects (every version, unfinished
// uploads) and the buckets. Only what the state file and the walkthrough's tags say it created;
// anything already gone counts as done, so it works after any partial setup.
//   npm run teardown [-- --keep-buckets] [--yes on AWS]
import type { ObjectIdentifier } from '@aws-sdk/client-s3';
import {
  deleteRole,
  deleteRolePolicy,
  detachRolePolicy,
  getRole,
  listAttachedRolePolicies,
  listRolePolicies,
  listRoleTags,
} from './lib/actions/iam.ts';
import { deleteFunction, getFunction, getPolicyStatements, removePermission } from './lib/actions/lambda.ts';
import { deleteLogGroup, findLogGroup } from './lib/actions/logs.ts';
import {
  abortMultipartUpload,
  deleteBucket,
  deleteObjects,
  getBucketTags,
  getNotification,
  headBucket,
  listMultipartUploads,
  listObjectVersions,
  putNotification,
} from './lib/actions/s3.ts';
import type { Ctx } from './lib/context.ts';
import { isNotFound } from './lib/errors.ts';
import { isMain, runStepMain } from './lib/main.ts';
import { logGroupName, SUITE_TAG } from './lib/policies.ts';
import { notificationId, statementId } from './50-trigger.ts';
import { removeProbe } from './extras/lib/probe.ts';

const hasSuiteTag = (tags: Array<{ Key?: string; Value?: string }>) => tags.some((t) => t.Key === SUITE_TAG.Key && t.Value === SUITE_TAG.Value);

/** Runs a removal; a resource that disappeared meanwhile counts as removed. */
async function gone<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function removeNotification(ctx: Ctx): Promise<void> {
  const bucket = ctx.state.data.notification?.bucket ?? ctx.settings.sourceBucket;
  const id = ctx.state.data.notification?.configurationId ?? notificationId(ctx);
  if ((await headBucket(ctx, bucket)) !== 'ours') return ctx.report.gone(`notification ${id} (bucket ${bucket} is gone)`);
  const current = await getNotification(ctx, bucket);
  const entries = current.LambdaFunctionConfigurations ?? [];
  if (!entries.some((c) => c.Id === id)) return ctx.report.gone(`notification ${id} on ${bucket}`);
  const rest = { ...current, LambdaFunctionConfigurations: entries.filter((c) => c.Id !== id) };
  if (await putNotification(ctx, bucket, rest, `remove notification ${id} from ${bucket}`)) ctx.report.removed(`notification ${id} on ${bucket}`);
  ctx.state.update((x) => delete x.notification);
}

async function removeFunction(ctx: Ctx): Promise<boolean> {
  const name = ctx.state.data.function?.name ?? ctx.settings.functionName;
  const fn = await getFunction(ctx, name);
  if (!fn) {
    ctx.report.gone(`function ${name}`);
    ctx.state.update((x) => delete x.function);
    return ctx.state.data.logGroup?.createdBySuite ?? false;
  }
  const ours = (ctx.state.data.function?.name === name && ctx.state.data.function.createdBySuite) || fn.Tags?.[SUITE_TAG.Key] === SUITE_TAG.Value;
  const sid = ctx.state.data.permission?.statementId ?? statementId(ctx);
  if ((await getPolicyStatements(ctx, name)).some((st) => st.Sid === sid)) {
    if (await gone(() => removePermission(ctx, name, sid))) ctx.report.removed(`permission ${sid} of ${name}`);
  }
  ctx.state.update((x) => delete x.permission);
  if (!ours) {
    ctx.report.kept(`function ${name} (not created by this walkthrough)`);
    return false;
  }
  if (await gone(() => deleteFunction(ctx, name))) ctx.report.removed(`function ${name}`);
  ctx.state.update((x) => delete x.function);
  return true;
}

async function removeLogGroup(ctx: Ctx, functionWasOurs: boolean): Promise<void> {
  const name = ctx.state.data.logGroup?.name ?? logGroupName(ctx.settings);
  if (!(await findLogGroup(ctx, name))) {
    ctx.report.gone(`log group ${name}`);
  } else if (ctx.state.data.logGroup?.createdBySuite || functionWasOurs) {
    // Lambda writes the group of a function we created, so it is ours even if Lambda made it.
    if (await gone(() => deleteLogGroup(ctx, name))) ctx.report.removed(`log group ${name}`);
  } else {
    ctx.report.kept(`log group ${name} (not created by this walkthrough)`);
    return;
  }
  ctx.state.update((x) => delete x.logGroup);
}

async function removeRole(ctx: Ctx): Promise<void> {
  const name = ctx.state.data.role?.name ?? ctx.settings.roleName;
  if (!(await getRole(ctx, name))) {
    ctx.report.gone(`role ${name}`);
    ctx.state.update((x) => delete x.role);
    return;
  }
  const ours = (ctx.state.data.role?.name === name && ctx.state.data.role.createdBySuite) || hasSuiteTag(await listRoleTags(ctx, name));
  if (!ours) return ctx.report.kept(`role ${name} (not created by this walkthrough)`);
  // Pitfall 5: a role with policies cannot be deleted.
  for (const policy of await listRolePolicies(ctx, name)) {
    if (await gone(() => deleteRolePolicy(ctx, name, policy))) ctx.report.removed(`inline policy ${policy} of ${name}`);
  }
  for (const arn of await listAttachedRolePolicies(ctx, name)) {
    if (await gone(() => detachRolePolicy(ctx, name, arn))) ctx.report.removed(`attachment of ${arn} to ${name}`);
  }
  if (await gone(() => deleteRole(ctx, name))) ctx.report.removed(`role ${name}`);
  ctx.state.update((x) => delete x.role);
}

async function emptyBucket(ctx: Ctx, bucket: string): Promise<number> {
  let removed = 0;
  let marker: { keyMarker?: string; versionIdMarker?: string } | undefined = {};
  while (marker) {
    const page: { ids: ObjectIdentifier[]; next?: { keyMarker?: string; versionIdMarker?: string } } = await listObjectVersions(ctx, bucket, marker.keyMarker, marker.versionIdMarker);
    for (let i = 0; i < page.ids.length; i += 1000) {
      const batch = page.ids.slice(i, i + 1000);
      await deleteObjects(ctx, bucket, batch);
      removed += batch.length;
    }
    marker = page.next;
  }
  for (const upload of await listMultipartUploads(ctx, bucket)) {
    if (upload.Key && upload.UploadId) await gone(() => abortMultipartUpload(ctx, bucket, upload.Key!, upload.UploadId!));
  }
  return removed;
}

async function removeBucket(ctx: Ctx, which: 'sourceBucket' | 'destBucket', fallbackName: string): Promise<void> {
  const name = ctx.state.data[which]?.name ?? fallbackName;
  const access = await headBucket(ctx, name);
  if (access === 'missing') {
    ctx.report.gone(`bucket ${name}`);
    ctx.state.update((x) => delete x[which]);
    return;
  }
  if (access === 'forbidden') return ctx.report.kept(`bucket ${name} (owned by another account)`);
  if (access === 'other-region') return ctx.report.kept(`bucket ${name} (in another region than ${ctx.settings.region})`);
  const ours = (ctx.state.data[which]?.name === name && ctx.state.data[which]?.createdBySuite) || hasSuiteTag(await getBucketTags(ctx, name));
  if (!ours) return ctx.report.kept(`bucket ${name} and its contents (not created by this walkthrough)`);
  if (ctx.argv['keep-buckets']) return ctx.report.kept(`bucket ${name} and its contents (--keep-buckets)`);
  const count = await ctx.report.wait(`emptying ${name}`, () => emptyBucket(ctx, name));
  if (await gone(() => deleteBucket(ctx, name))) ctx.report.removed(`bucket ${name} (${count} object version(s) deleted first)`);
  ctx.state.update((x) => delete x[which]);
}

export async function teardownStep(ctx: Ctx): Promise<void> {
  // The persistence probe (walkthrough/extras/persistence.ts), if it was deployed here.
  if (ctx.state.data.probe) await removeProbe(ctx);
  await removeNotification(ctx);
  const functionWasOurs = await removeFunction(ctx);
  await removeLogGroup(ctx, functionWasOurs);
  await removeRole(ctx);
  await removeBucket(ctx, 'sourceBucket', ctx.settings.sourceBucket);
  await removeBucket(ctx, 'destBucket', ctx.settings.destBucket);
  const s = ctx.state.data;
  if (!ctx.dryRun && !s.role && !s.function && !s.logGroup && !s.sourceBucket && !s.destBucket && !s.probe) {
    ctx.state.remove();
    ctx.report.info('everything the walkthrough created is gone');
  }
}

if (isMain(import.meta.url)) {
  await runStepMain('8. Teardown', 'Removes everything the walkthrough created, and nothing else (--keep-buckets keeps the buckets).', teardownStep);
}

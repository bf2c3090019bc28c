// Step 6. The trigger: S3 may invoke the function for this bucket and account only (SourceArn and
// SourceAccount), then the bucket notifies the function of every new object. The notification call
// replaces the bucket's whole configuration, so it is read, merged and written back (pitfall 4).
import type { LambdaFunctionConfiguration, NotificationConfiguration } from '@aws-sdk/client-s3';
import { addS3Permission, getPolicyStatements, removePermission } from './lib/actions/lambda.ts';
import { getNotification, putNotification } from './lib/actions/s3.ts';
import type { Ctx } from './lib/context.ts';
import { awsCode, UserError } from './lib/errors.ts';
import { isMain, runStepMain } from './lib/main.ts';
import { partitionOf } from './lib/policies.ts';
import { retry } from './lib/retry.ts';

export function statementId(ctx: Ctx): string {
  return `s3-invoke-${ctx.settings.sourceBucket}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 100);
}

export function notificationId(ctx: Ctx): string {
  return `${ctx.settings.functionName}-thumbnails`;
}

async function ensurePermission(ctx: Ctx, functionArn: string): Promise<void> {
  const { settings: s, report, state } = ctx;
  const sid = statementId(ctx);
  const sourceArn = `arn:${partitionOf(ctx.identity.arn)}:s3:::${s.sourceBucket}`;
  const statement = (await getPolicyStatements(ctx, s.functionName)).find((st) => st.Sid === sid);
  const condition = statement?.Condition ?? {};
  const same =
    statement &&
    JSON.stringify(statement.Principal).includes('s3.amazonaws.com') &&
    condition.ArnLike?.['AWS:SourceArn'] === sourceArn &&
    condition.StringEquals?.['AWS:SourceAccount'] === s.accountId;
  state.update((x) => (x.permission = { functionName: s.functionName, statementId: sid }));
  if (same) {
    report.unchanged(`permission ${sid}: s3.amazonaws.com may invoke ${s.functionName} for ${sourceArn} in ${s.accountId}`);
    return;
  }
  if (statement) await removePermission(ctx, s.functionName, sid);
  const added = await addS3Permission(ctx, { functionName: s.functionName, statementId: sid, sourceBucketArn: sourceArn, sourceAccount: s.accountId });
  const what = `permission ${sid}: s3.amazonaws.com may invoke ${functionArn.split(':').pop()} for ${sourceArn} only`;
  if (added) (statement ? report.changed(what) : report.created(what));
}

function sameEntry(a: LambdaFunctionConfiguration, b: LambdaFunctionConfiguration): boolean {
  return (
    a.LambdaFunctionArn === b.LambdaFunctionArn &&
    JSON.stringify([...(a.Events ?? [])].sort()) === JSON.stringify([...(b.Events ?? [])].sort()) &&
    (a.Filter?.Key?.FilterRules ?? []).length === 0
  );
}

async function ensureNotification(ctx: Ctx, functionArn: string): Promise<void> {
  const { settings: s, report, state } = ctx;
  const id = notificationId(ctx);
  const wanted: LambdaFunctionConfiguration = { Id: id, LambdaFunctionArn: functionArn, Events: ['s3:ObjectCreated:*'] };
  // In a dry run on a fresh account the bucket does not exist yet: nothing to merge with.
  const current: NotificationConfiguration = await getNotification(ctx, s.sourceBucket).catch((err: unknown) => {
    if (ctx.dryRun && awsCode(err) === 'NoSuchBucket') return {};
    throw err;
  });
  const others = (current.LambdaFunctionConfigurations ?? []).filter((c) => c.Id !== id);
  const mine = (current.LambdaFunctionConfigurations ?? []).find((c) => c.Id === id);
  state.update((x) => (x.notification = { bucket: s.sourceBucket, configurationId: id }));
  if (mine && sameEntry(mine, wanted)) {
    report.unchanged(`notification ${id}: s3:ObjectCreated:* on ${s.sourceBucket} -> ${s.functionName}`);
    return;
  }
  const merged: NotificationConfiguration = { ...current, LambdaFunctionConfigurations: [...others, wanted] };
  const description = `notify ${s.functionName} of s3:ObjectCreated:* on ${s.sourceBucket}` + (others.length ? ` (keeping ${others.length} other configuration(s))` : '');
  try {
    const done = await retry(() => putNotification(ctx, s.sourceBucket, merged, description), {
      deadlineMs: 60_000,
      initialDelayMs: 1000,
      // The new permission may take a moment to be seen by S3's validation.
      retryable: (err) => awsCode(err) === 'InvalidArgument' && /Unable to validate/i.test((err as Error).message),
    });
    if (done === undefined && ctx.dryRun) return;
  } catch (err) {
    if (awsCode(err) === 'InvalidArgument' && /overlap/i.test((err as Error).message))
      throw new UserError(
        `${s.sourceBucket} already sends s3:ObjectCreated events to another destination, and S3 refuses overlapping configurations.`,
        'Use another SOURCE_BUCKET, or remove the other configuration.',
      );
    if (awsCode(err) === 'InvalidArgument' && /Unable to validate/i.test((err as Error).message))
      throw new UserError(
        `S3 could not validate the function as a destination: ${(err as Error).message}`,
        'The invoke permission is missing or names another bucket/account (pitfall 4): re-run this step.',
      );
    throw err;
  }
  const what = `notification ${id}: s3:ObjectCreated:* on ${s.sourceBucket} -> ${s.functionName}`;
  if (mine) report.changed(what);
  else report.created(what);
}

export async function triggerStep(ctx: Ctx): Promise<void> {
  const fn = ctx.state.data.function;
  if (!fn?.arn && !ctx.dryRun)
    throw new UserError('The function does not exist yet.', 'Run step 5 first: npx tsx walkthrough/40-function.ts');
  const functionArn =
    fn?.arn ?? `arn:${partitionOf(ctx.identity.arn)}:lambda:${ctx.settings.region}:${ctx.settings.accountId}:function:${ctx.settings.functionName}`;
  await ensurePermission(ctx, functionArn);
  await ensureNotification(ctx, functionArn);
}

if (isMain(import.meta.url)) {
  await runStepMain('6. Trigger', 'Lets S3 invoke the function for the source bucket, and adds the bucket notification.', triggerStep);
}

#!/usr/bin/env -S node --import=tsx
// Step 9. Teardown, in reverse order: the notification entry, the topic (TRIGGER=sns: with its
// subscriptions and policy), the permissions, the function, its log group, the role's policies and
// the role, then the buckets' objects (every version, unfinished uploads) and the buckets. Only what the state file and the walkthrough's tags say it created;
// anything already gone counts as done, so it works after any partial setup.
//   npm run teardown [-- --keep-buckets] [--yes on AWS]
import { getRole, listRoleTags } from './lib/actions/iam.ts';
import { deleteFunction, getFunction, getPolicyStatements, removePermission } from './lib/actions/lambda.ts';
import { deleteLogGroup, findLogGroup } from './lib/actions/logs.ts';
import { deleteBucket, getBucketTags, getNotification, headBucket, putNotification } from './lib/actions/s3.ts';
import {
  deleteTopic,
  getTopicAttributes,
  listSubscriptions,
  listTopicTags,
  setTopicPolicy,
  unsubscribe,
} from './lib/actions/sns.ts';
import { describeTarget, type Ctx } from './lib/context.ts';
import { stepMain } from './lib/main.ts';
import { hasTag, logGroupName, SUITE_TAG } from './lib/policies.ts';
import {
  notificationId,
  snsStatementId,
  statementId,
  topicArnOf,
  topicNotificationId,
  topicStatementId,
} from './50-trigger.ts';
import { removeProbe } from './extras/lib/probe.ts';
import { deleteRoleWithPolicies, emptyBucket, gone } from './lib/removal.ts';

/** Both triggers' entries (TRIGGER=lambda and TRIGGER=sns), whichever is there; other entries stay. */
async function removeNotification(ctx: Ctx): Promise<void> {
  const bucket = ctx.state.data.notification?.bucket ?? ctx.settings.sourceBucket;
  const ids = new Set([
    notificationId(ctx),
    topicNotificationId(ctx),
    ctx.state.data.notification?.configurationId ?? notificationId(ctx),
  ]);
  const named = [...ids].join(', ');
  if ((await headBucket(ctx, bucket)) !== 'ours')
    return ctx.report.gone(`notification ${named} (bucket ${bucket} is gone)`);
  const current = await getNotification(ctx, bucket);
  const lambdas = current.LambdaFunctionConfigurations ?? [];
  const topics = current.TopicConfigurations ?? [];
  const found = [...lambdas, ...topics].filter((c) => c.Id !== undefined && ids.has(c.Id)).map((c) => c.Id!);
  if (found.length === 0) {
    ctx.report.gone(`notification ${ctx.state.data.notification?.configurationId ?? notificationId(ctx)} on ${bucket}`);
  } else {
    const rest = {
      ...current,
      LambdaFunctionConfigurations: lambdas.filter((c) => !ids.has(c.Id ?? '')),
      TopicConfigurations: topics.filter((c) => !ids.has(c.Id ?? '')),
    };
    if (await putNotification(ctx, bucket, rest, `remove notification ${found.join(', ')} from ${bucket}`))
      for (const id of found) ctx.report.removed(`notification ${id} on ${bucket}`);
  }
  ctx.state.update((x) => delete x.notification);
}

/** TRIGGER=sns: the topic if the walkthrough created it; else only its subscription and policy statement. */
async function removeTopic(ctx: Ctx): Promise<void> {
  const record = ctx.state.data.topic;
  if (!record && ctx.settings.trigger !== 'sns') return;
  const name = record?.name ?? ctx.settings.topicName;
  const arn = record?.arn ?? topicArnOf(ctx);
  const attributes = await getTopicAttributes(ctx, arn);
  if (!attributes) {
    ctx.report.gone(`topic ${name}`);
  } else if (record?.createdBySuite || hasTag(await listTopicTags(ctx, arn))) {
    if (await gone(() => deleteTopic(ctx, arn)))
      ctx.report.removed(`topic ${name} (with its subscriptions and policy)`);
  } else {
    const functionArn = ctx.state.data.function?.arn;
    for (const sub of await listSubscriptions(ctx, arn)) {
      const mine =
        sub.SubscriptionArn === record?.subscriptionArn ||
        (sub.Protocol === 'lambda' && functionArn !== undefined && sub.Endpoint === functionArn);
      if (mine && sub.SubscriptionArn && (await gone(() => unsubscribe(ctx, sub.SubscriptionArn!))))
        ctx.report.removed(`subscription of ${sub.Endpoint} to ${name}`);
    }
    const sid = record?.policyStatementId ?? topicStatementId(ctx);
    const policy = attributes.Policy
      ? (JSON.parse(attributes.Policy) as { Statement: Array<{ Sid?: string }> | { Sid?: string } })
      : undefined;
    const statements = policy ? [policy.Statement].flat() : [];
    if (policy && statements.some((st) => st.Sid === sid)) {
      const rest = { ...policy, Statement: statements.filter((st) => st.Sid !== sid) };
      if (await gone(() => setTopicPolicy(ctx, arn, rest, `remove statement ${sid} from the policy of ${name}`)))
        ctx.report.removed(`topic policy statement ${sid} of ${name}`);
    }
    ctx.report.kept(`topic ${name} (not created by this walkthrough)`);
  }
  ctx.state.update((x) => delete x.topic);
}

async function removeFunction(ctx: Ctx): Promise<boolean> {
  const name = ctx.state.data.function?.name ?? ctx.settings.functionName;
  const fn = await getFunction(ctx, name);
  if (!fn) {
    ctx.report.gone(`function ${name}`);
    ctx.state.update((x) => delete x.function);
    return ctx.state.data.logGroup?.createdBySuite ?? false;
  }
  const ours =
    (ctx.state.data.function?.name === name && ctx.state.data.function.createdBySuite) ||
    fn.Tags?.[SUITE_TAG.Key] === SUITE_TAG.Value;
  // Both triggers' permissions: for S3 (TRIGGER=lambda) and for the topic (TRIGGER=sns).
  const sids = [
    ctx.state.data.permission?.statementId ?? statementId(ctx),
    ctx.state.data.snsPermission?.statementId ?? snsStatementId(ctx),
  ];
  const statements = await getPolicyStatements(ctx, name);
  for (const sid of sids) {
    if (statements.some((st) => st.Sid === sid) && (await gone(() => removePermission(ctx, name, sid))))
      ctx.report.removed(`permission ${sid} of ${name}`);
  }
  ctx.state.update((x) => {
    delete x.permission;
    delete x.snsPermission;
  });
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
  const ours =
    (ctx.state.data.role?.name === name && ctx.state.data.role.createdBySuite) || hasTag(await listRoleTags(ctx, name));
  if (!ours) return ctx.report.kept(`role ${name} (not created by this walkthrough)`);
  await deleteRoleWithPolicies(ctx, name);
  ctx.state.update((x) => delete x.role);
}

async function removeBucket(ctx: Ctx, which: 'sourceBucket' | 'destBucket', fallbackName: string): Promise<void> {
  const name = ctx.state.data[which]?.name ?? fallbackName;
  const access = await headBucket(ctx, name);
  if (access === 'missing') {
    ctx.report.gone(`bucket ${name}`);
    ctx.state.update((x) => delete x[which]);
    return;
  }
  if (access === 'forbidden')
    return ctx.report.kept(
      `bucket ${name} (not accessible with these credentials: another account's, or this identity lacks permission on it)`,
    );
  if (access === 'other-region')
    return ctx.report.kept(`bucket ${name} (in another region than ${ctx.settings.region})`);
  const ours =
    (ctx.state.data[which]?.name === name && ctx.state.data[which]?.createdBySuite) ||
    hasTag(await getBucketTags(ctx, name));
  if (!ours) return ctx.report.kept(`bucket ${name} and its contents (not created by this walkthrough)`);
  if (ctx.argv['keep-buckets']) return ctx.report.kept(`bucket ${name} and its contents (--keep-buckets)`);
  const count = await ctx.report.wait(`emptying ${name}`, () => emptyBucket(ctx, name));
  if (await gone(() => deleteBucket(ctx, name)))
    ctx.report.removed(`bucket ${name} (${count} object version(s) deleted first)`);
  ctx.state.update((x) => delete x[which]);
}

export async function teardownStep(ctx: Ctx): Promise<void> {
  // The persistence probe (walkthrough/extras/persistence.ts), if it was deployed here.
  if (ctx.state.data.probe) await removeProbe(ctx);
  await removeNotification(ctx);
  await removeTopic(ctx);
  const functionWasOurs = await removeFunction(ctx);
  await removeLogGroup(ctx, functionWasOurs);
  await removeRole(ctx);
  await removeBucket(ctx, 'sourceBucket', ctx.settings.sourceBucket);
  await removeBucket(ctx, 'destBucket', ctx.settings.destBucket);
  const s = ctx.state.data;
  if (
    !ctx.dryRun &&
    !s.role &&
    !s.function &&
    !s.logGroup &&
    !s.sourceBucket &&
    !s.destBucket &&
    !s.probe &&
    !s.topic
  ) {
    ctx.state.remove();
    ctx.report.info(closingLine(ctx));
  }
}

/** The last line: what was checked, so "nothing found" with the wrong settings is not read as "all gone". */
function closingLine(ctx: Ctx): string {
  const st = ctx.settings;
  const where = `${describeTarget(st)}, account ${st.accountId}, region ${st.region}`;
  if (ctx.state.existed)
    return `everything the walkthrough created is gone (${where}; state file ${ctx.state.file} removed)`;
  const removedSomething = ctx.report.lines.some((l) => l.outcome === 'removed');
  const looked = `role ${st.roleName}, function ${st.functionName}, buckets ${st.sourceBucket} and ${st.destBucket}`;
  if (removedSomething)
    return `there was no state file (${ctx.state.file}); what the walkthrough's names and tags identified as its own on ${where} is removed (looked for ${looked})`;
  return (
    `no state file at ${ctx.state.file}, and nothing of the walkthrough's was found on ${where} (looked for ${looked}). ` +
    'If you set it up with other settings (target, region, profile, names), run teardown with the same ones.'
  );
}

await stepMain(import.meta.url, teardownStep);

#!/usr/bin/env -S node --import=tsx
// Step 6. The trigger. TRIGGER=lambda (default): S3 may invoke the function for this bucket and
// account only (SourceArn and SourceAccount), then the bucket notifies the function of every new
// object. TRIGGER=sns: bucket -> topic -> function: a topic whose policy lets S3 publish for this
// bucket and account only, a permission for that topic (and only it) to invoke the function, the
// function's subscription, and the bucket notifying the topic. The notification call replaces the
// bucket's whole configuration, so it is read, merged and written back (pitfall 4); switching
// TRIGGER leaves exactly one of the two entries.
import type {
  Event,
  LambdaFunctionConfiguration,
  NotificationConfiguration,
  TopicConfiguration,
} from '@aws-sdk/client-s3';
import { addInvokePermission, getPolicyStatements, removePermission } from './lib/actions/lambda.ts';
import { getNotification, putNotification } from './lib/actions/s3.ts';
import {
  createTopic,
  getTopicAttributes,
  listSubscriptions,
  listTopicTags,
  setTopicPolicy,
  subscribeFunction,
} from './lib/actions/sns.ts';
import type { Ctx } from './lib/context.ts';
import { awsCode, UserError } from './lib/errors.ts';
import { stepMain } from './lib/main.ts';
import { runFirst } from './lib/steps.ts';
import { hasTag, partitionOf, samePolicy, SUITE_TAG } from './lib/policies.ts';
import { retry } from './lib/retry.ts';

const sanitize = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 100);

export function statementId(ctx: Ctx): string {
  return sanitize(`s3-invoke-${ctx.settings.sourceBucket}`);
}

export function notificationId(ctx: Ctx): string {
  return `${ctx.settings.functionName}-thumbnails`;
}

/** TRIGGER=sns: the bucket's TopicConfiguration. */
export function topicNotificationId(ctx: Ctx): string {
  return `${ctx.settings.functionName}-thumbnails-sns`;
}

/** TRIGGER=sns: the function permission that lets the topic invoke it. */
export function snsStatementId(ctx: Ctx): string {
  return sanitize(`sns-invoke-${ctx.settings.topicName}`);
}

/** TRIGGER=sns: the topic policy statement that lets S3 publish. */
export function topicStatementId(ctx: Ctx): string {
  return sanitize(`s3-publish-${ctx.settings.sourceBucket}`);
}

export function topicArnOf(ctx: Ctx): string {
  return ctx.state.data.topic?.name === ctx.settings.topicName
    ? ctx.state.data.topic.arn
    : `arn:${partitionOf(ctx.identity.arn)}:sns:${ctx.settings.region}:${ctx.settings.accountId}:${ctx.settings.topicName}`;
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
    report.unchanged(
      `permission ${sid}: s3.amazonaws.com may invoke ${s.functionName} for ${sourceArn} in ${s.accountId}`,
    );
    return;
  }
  if (statement) await removePermission(ctx, s.functionName, sid);
  const added = await addInvokePermission(ctx, {
    functionName: s.functionName,
    statementId: sid,
    principal: 's3.amazonaws.com',
    sourceArn,
    sourceAccount: s.accountId,
  });
  const what = `permission ${sid}: s3.amazonaws.com may invoke ${functionArn.split(':').pop()} for ${sourceArn} only`;
  if (added) report[statement ? 'changed' : 'created'](what);
}

// ---- TRIGGER=sns: the topic, its policy, the function's permission and subscription --------------

/** The topic's ARN, and its attributes when it was already there (read once, for its policy too). */
async function ensureTopic(ctx: Ctx): Promise<{ arn: string; attributes?: Record<string, string> }> {
  const { settings: s, report, state } = ctx;
  const arn = topicArnOf(ctx);
  const attributes = await getTopicAttributes(ctx, arn);
  if (!attributes) {
    state.update((x) => (x.topic = { name: s.topicName, arn, createdBySuite: true }));
    const created = await createTopic(ctx, s.topicName, [SUITE_TAG]);
    if (created?.TopicArn && created.TopicArn !== arn)
      state.update((x) => (x.topic = { name: s.topicName, arn: created.TopicArn!, createdBySuite: true }));
    if (!ctx.dryRun) report.created(`topic ${s.topicName} (tagged ${SUITE_TAG.Key}=${SUITE_TAG.Value})`);
    return { arn: created?.TopicArn ?? arn };
  }
  const mine = state.data.topic?.name === s.topicName ? state.data.topic : undefined;
  const ours = hasTag(await listTopicTags(ctx, arn)) || mine?.createdBySuite === true;
  state.update((x) => (x.topic = { ...mine, name: s.topicName, arn, createdBySuite: ours }));
  report.found(
    ours
      ? `topic ${s.topicName}`
      : `topic ${s.topicName} (not created by this walkthrough: used as is; teardown removes only what it added)`,
  );
  return { arn, attributes };
}

interface TopicPolicyDocument {
  Version?: string;
  Id?: string;
  Statement: Array<Record<string, unknown> & { Sid?: string }>;
}

/** The topic policy with our statement in it: s3.amazonaws.com may publish for this bucket and account only. */
export function withS3Statement(
  current: TopicPolicyDocument | undefined,
  sid: string,
  topicArn: string,
  bucketArn: string,
  accountId: string,
): TopicPolicyDocument {
  const base: TopicPolicyDocument = current ?? { Version: '2012-10-17', Statement: [] };
  const statements = (Array.isArray(base.Statement) ? base.Statement : [base.Statement]).filter((st) => st.Sid !== sid);
  statements.push({
    Sid: sid,
    Effect: 'Allow',
    Principal: { Service: 's3.amazonaws.com' },
    Action: 'SNS:Publish',
    Resource: topicArn,
    Condition: { ArnLike: { 'aws:SourceArn': bucketArn }, StringEquals: { 'aws:SourceAccount': accountId } },
  });
  return { ...base, Statement: statements };
}

async function ensureTopicPolicy(ctx: Ctx, topicArn: string, attributes?: Record<string, string>): Promise<void> {
  const { settings: s, report, state } = ctx;
  const sid = topicStatementId(ctx);
  const bucketArn = `arn:${partitionOf(ctx.identity.arn)}:s3:::${s.sourceBucket}`;
  const text = (attributes ?? (await getTopicAttributes(ctx, topicArn)))?.Policy;
  const current = text ? (JSON.parse(text) as TopicPolicyDocument) : undefined;
  const wanted = withS3Statement(current, sid, topicArn, bucketArn, s.accountId);
  state.update((x) => x.topic && (x.topic.policyStatementId = sid));
  const what = `topic policy ${sid}: s3.amazonaws.com may publish to ${s.topicName} for ${bucketArn} in ${s.accountId} only`;
  if (current && samePolicy(current, wanted)) return report.unchanged(what);
  const had = (current?.Statement ?? []).some((st) => st.Sid === sid);
  if (
    await setTopicPolicy(ctx, topicArn, wanted, `let s3.amazonaws.com publish to ${s.topicName} for ${bucketArn} only`)
  )
    report[had ? 'changed' : 'created'](what);
}

async function ensureSnsPermission(ctx: Ctx, topicArn: string): Promise<void> {
  const { settings: s, report, state } = ctx;
  const sid = snsStatementId(ctx);
  const statement = (await getPolicyStatements(ctx, s.functionName)).find((st) => st.Sid === sid);
  const same =
    statement &&
    JSON.stringify(statement.Principal).includes('sns.amazonaws.com') &&
    statement.Condition?.ArnLike?.['AWS:SourceArn'] === topicArn;
  state.update((x) => (x.snsPermission = { functionName: s.functionName, statementId: sid }));
  const what = `permission ${sid}: sns.amazonaws.com may invoke ${s.functionName} for ${topicArn} only`;
  if (same) return report.unchanged(what);
  if (statement) await removePermission(ctx, s.functionName, sid);
  if (
    await addInvokePermission(ctx, {
      functionName: s.functionName,
      statementId: sid,
      principal: 'sns.amazonaws.com',
      sourceArn: topicArn,
    })
  )
    report[statement ? 'changed' : 'created'](what);
}

async function ensureSubscription(ctx: Ctx, topicArn: string, functionArn: string): Promise<void> {
  const { settings: s, report, state } = ctx;
  const existing = (await listSubscriptions(ctx, topicArn)).find(
    (sub) => sub.Protocol === 'lambda' && sub.Endpoint === functionArn,
  );
  const what = `subscription: ${s.functionName} receives what ${s.topicName} publishes`;
  if (existing?.SubscriptionArn) {
    state.update((x) => x.topic && (x.topic.subscriptionArn = existing.SubscriptionArn));
    return report.unchanged(what);
  }
  const r = await subscribeFunction(ctx, topicArn, functionArn);
  if (!r?.SubscriptionArn) return;
  state.update((x) => x.topic && (x.topic.subscriptionArn = r.SubscriptionArn));
  report.created(what);
}

// ---- the bucket notification (either kind) -------------------------------------------------------

const sortedEvents = (e: string[] | undefined) => JSON.stringify([...(e ?? [])].sort());

function sameEntry(
  a: LambdaFunctionConfiguration | TopicConfiguration,
  b: LambdaFunctionConfiguration | TopicConfiguration,
): boolean {
  const target = (c: LambdaFunctionConfiguration | TopicConfiguration) =>
    'TopicArn' in c ? c.TopicArn : c.LambdaFunctionArn;
  return (
    target(a) === target(b) &&
    sortedEvents(a.Events) === sortedEvents(b.Events) &&
    (a.Filter?.Key?.FilterRules ?? []).length === 0
  );
}

async function ensureNotification(ctx: Ctx, kind: 'lambda' | 'sns', targetArn: string): Promise<void> {
  const { settings: s, report, state } = ctx;
  const lambdaId = notificationId(ctx);
  const topicId = topicNotificationId(ctx);
  const id = kind === 'lambda' ? lambdaId : topicId;
  const target = kind === 'lambda' ? s.functionName : `topic ${s.topicName}`;
  // In a dry run on a fresh account the bucket does not exist yet: nothing to merge with.
  const current: NotificationConfiguration = await getNotification(ctx, s.sourceBucket).catch((err: unknown) => {
    if (ctx.dryRun && awsCode(err) === 'NoSuchBucket') return {};
    throw err;
  });
  const lambdas = current.LambdaFunctionConfigurations ?? [];
  const topics = current.TopicConfigurations ?? [];
  const mine = kind === 'lambda' ? lambdas.find((c) => c.Id === lambdaId) : topics.find((c) => c.Id === topicId);
  // The other variant's entry goes: one trigger at a time (S3 also refuses overlapping ones).
  const stale = kind === 'lambda' ? topics.some((c) => c.Id === topicId) : lambdas.some((c) => c.Id === lambdaId);
  const events: Event[] = ['s3:ObjectCreated:*'];
  const wanted: LambdaFunctionConfiguration | TopicConfiguration =
    kind === 'lambda'
      ? { Id: id, LambdaFunctionArn: targetArn, Events: events }
      : { Id: id, TopicArn: targetArn, Events: events };
  state.update((x) => (x.notification = { bucket: s.sourceBucket, configurationId: id, kind }));
  const what = `notification ${id}: s3:ObjectCreated:* on ${s.sourceBucket} -> ${target}`;
  if (mine && sameEntry(mine, wanted) && !stale) return report.unchanged(what);
  const otherLambdas = lambdas.filter((c) => c.Id !== lambdaId);
  const otherTopics = topics.filter((c) => c.Id !== topicId);
  const merged: NotificationConfiguration = {
    ...current,
    LambdaFunctionConfigurations:
      kind === 'lambda' ? [...otherLambdas, wanted as LambdaFunctionConfiguration] : otherLambdas,
    TopicConfigurations: kind === 'sns' ? [...otherTopics, wanted as TopicConfiguration] : otherTopics,
  };
  const others = otherLambdas.length + otherTopics.length + (current.QueueConfigurations ?? []).length;
  const description =
    `notify ${target} of s3:ObjectCreated:* on ${s.sourceBucket}` +
    (others ? ` (keeping ${others} other configuration(s))` : '');
  try {
    const done = await retry(() => putNotification(ctx, s.sourceBucket, merged, description), {
      deadlineMs: 60_000,
      initialDelayMs: 1000,
      // The new permission or topic policy may take a moment to be seen by S3's validation.
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
      throw kind === 'lambda'
        ? new UserError(
            `S3 could not validate the function as a destination: ${(err as Error).message}`,
            'The invoke permission is missing or names another bucket/account (pitfall 4): re-run this step.',
          )
        : new UserError(
            `S3 could not validate the topic as a destination: ${(err as Error).message}`,
            `The topic policy must let s3.amazonaws.com publish to ${s.topicName} for this bucket and account: re-run this step.`,
          );
    throw err;
  }
  if (stale)
    report.removed(
      `notification ${kind === 'lambda' ? topicId : lambdaId} (the ${kind === 'lambda' ? 'sns' : 'lambda'} trigger) on ${s.sourceBucket}`,
    );
  if (mine) report.changed(what);
  else report.created(what);
}

export async function triggerStep(ctx: Ctx): Promise<void> {
  const fn = ctx.state.data.function;
  if (!fn?.arn && !ctx.dryRun) throw new UserError('The function does not exist yet.', runFirst('function'));
  const functionArn =
    fn?.arn ??
    `arn:${partitionOf(ctx.identity.arn)}:lambda:${ctx.settings.region}:${ctx.settings.accountId}:function:${ctx.settings.functionName}`;
  if (ctx.settings.trigger === 'sns') {
    const { arn: topicArn, attributes } = await ensureTopic(ctx);
    await ensureTopicPolicy(ctx, topicArn, attributes);
    await ensureSnsPermission(ctx, topicArn);
    await ensureSubscription(ctx, topicArn, functionArn);
    await ensureNotification(ctx, 'sns', topicArn);
    return;
  }
  await ensurePermission(ctx, functionArn);
  await ensureNotification(ctx, 'lambda', functionArn);
  const topic = ctx.state.data.topic;
  if (topic)
    ctx.report.info(
      `topic ${topic.name} (from TRIGGER=sns) no longer hears from the bucket; teardown removes what the walkthrough made of it`,
    );
}

await stepMain(import.meta.url, triggerStep);

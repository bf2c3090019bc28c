// TRIGGER=sns: the topic between the bucket and the function (tagged as ours), the statement of its
// policy that lets S3 publish for this bucket and account only, and the function's subscription.
// Remove deletes a topic that is ours; of someone else's, only the subscription and statement we added.
import {
  createTopic,
  deleteTopic,
  getTopicAttributes,
  listSubscriptionsByTopic,
  listTagsForResource,
  setTopicAttributes,
  subscribe,
  unsubscribe,
} from '../actions/sns.ts';
import type { Ctx } from '../context.ts';
import { partitionOf, samePolicy, SUITE_TAG } from '../policies.ts';
import { gone } from '../removal.ts';
import { alreadyDone } from './done.ts';
import { isOurs } from './ownership.ts';
import { topicArnOf, topicStatementId } from './trigger-ids.ts';

/** The topic's ARN, and its attributes when it was already there (read once, for its policy too). */
export async function ensureTopic(ctx: Ctx): Promise<{ arn: string; attributes?: Record<string, string> }> {
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
  const ours = isOurs(mine, s.topicName, await listTagsForResource(ctx, arn));
  state.update((x) => (x.topic = { ...mine, name: s.topicName, arn, createdBySuite: ours }));
  if (ours) await createTopic(alreadyDone(ctx), s.topicName, [SUITE_TAG]);
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

export async function ensureTopicPolicy(
  ctx: Ctx,
  topicArn: string,
  attributes?: Record<string, string>,
): Promise<void> {
  const { settings: s, report, state } = ctx;
  const sid = topicStatementId(ctx);
  const bucketArn = `arn:${partitionOf(ctx.identity.arn)}:s3:::${s.sourceBucket}`;
  const text = (attributes ?? (await getTopicAttributes(ctx, topicArn)))?.Policy;
  const current = text ? (JSON.parse(text) as TopicPolicyDocument) : undefined;
  const wanted = withS3Statement(current, sid, topicArn, bucketArn, s.accountId);
  state.update((x) => x.topic && (x.topic.policyStatementId = sid));
  const what =
    `topic policy ${sid}: s3.amazonaws.com may publish to ${s.topicName} ` + `for ${bucketArn} in ${s.accountId} only`;
  if (current && samePolicy(current, wanted)) {
    await setTopicAttributes(alreadyDone(ctx), topicArn, wanted, what);
    return report.unchanged(what);
  }
  const had = (current?.Statement ?? []).some((st) => st.Sid === sid);
  if (
    await setTopicAttributes(
      ctx,
      topicArn,
      wanted,
      `let s3.amazonaws.com publish to ${s.topicName} for ${bucketArn} only`,
    )
  )
    report[had ? 'changed' : 'created'](what);
}

export async function ensureSubscription(ctx: Ctx, topicArn: string, functionArn: string): Promise<void> {
  const { settings: s, report, state } = ctx;
  const existing = (await listSubscriptionsByTopic(ctx, topicArn)).find(
    (sub) => sub.Protocol === 'lambda' && sub.Endpoint === functionArn,
  );
  const what = `subscription: ${s.functionName} receives what ${s.topicName} publishes`;
  if (existing?.SubscriptionArn) {
    state.update((x) => x.topic && (x.topic.subscriptionArn = existing.SubscriptionArn));
    await subscribe(alreadyDone(ctx), topicArn, functionArn);
    return report.unchanged(what);
  }
  const r = await subscribe(ctx, topicArn, functionArn);
  if (!r?.SubscriptionArn) return;
  state.update((x) => x.topic && (x.topic.subscriptionArn = r.SubscriptionArn));
  report.created(what);
}

/** TRIGGER=sns: the topic if the walkthrough created it; else only its subscription and policy statement. */
export async function removeTopic(ctx: Ctx): Promise<void> {
  const record = ctx.state.data.topic;
  if (!record && ctx.settings.trigger !== 'sns') return;
  const name = record?.name ?? ctx.settings.topicName;
  const arn = record?.arn ?? topicArnOf(ctx);
  const attributes = await getTopicAttributes(ctx, arn);
  if (!attributes) {
    ctx.report.gone(`topic ${name}`);
  } else if (isOurs(record, name, await listTagsForResource(ctx, arn))) {
    if (await gone(() => deleteTopic(ctx, arn)))
      ctx.report.removed(`topic ${name} (with its subscriptions and policy)`);
  } else {
    const functionArn = ctx.state.data.function?.arn;
    for (const sub of await listSubscriptionsByTopic(ctx, arn)) {
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
      if (await gone(() => setTopicAttributes(ctx, arn, rest, `remove statement ${sid} from the policy of ${name}`)))
        ctx.report.removed(`topic policy statement ${sid} of ${name}`);
    }
    ctx.report.kept(`topic ${name} (not created by this walkthrough)`);
  }
  ctx.state.update((x) => delete x.topic);
}

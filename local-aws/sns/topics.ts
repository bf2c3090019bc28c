// Topic operations: CreateTopic (idempotent), DeleteTopic, ListTopics, Get/SetTopicAttributes,
// AddPermission/RemovePermission (the topic policy), and tags.
import { AwsError } from '../core/errors.ts';
import type { PolicyStatement } from '../iam/policy.ts';
import { checkAttribute, checkTopicPolicy, defaultTopicPolicy, TOPIC_ACTIONS, topicAttributes } from './attributes.ts';
import {
  authorizedTopic,
  authorizeSns,
  entries,
  page,
  policyPrincipals,
  regionWildcard,
  type SnsContext,
  type SnsHandler,
} from './context.ts';
import {
  attributeEntries,
  checkTopicArn,
  invalidParameter,
  MAX_TAGS,
  parseTags,
  required,
  tagLimitExceeded,
  TOPIC_NAME,
} from './input.ts';
import type { TopicRecord } from './store.ts';

function topicArn(ctx: SnsContext, name: string): string {
  return `arn:aws:sns:${ctx.req.region}:${ctx.backend.config.accountId}:${name}`;
}

function checkName(name: string, attributes: Array<[string, string]>): void {
  const fifo = attributes.some(([k, v]) => k === 'FifoTopic' && v.toLowerCase() === 'true');
  if (fifo && !/^[A-Za-z0-9_-]{1,251}\.fifo$/.test(name))
    throw invalidParameter(
      'Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, ' +
        'numbers, underscores, and hyphens, and must be between 1 and 256 characters long.',
    );
  if (!fifo && !TOPIC_NAME.test(name)) throw invalidParameter('Topic Name');
}

/** The tags of an existing topic must include every tag given again, with the same value. */
function sameTags(topic: TopicRecord, tags: Array<[string, string]>): boolean {
  return tags.every(([k, v]) => topic.tags.some(([tk, tv]) => tk === k && tv === v));
}

interface TopicPolicy {
  Version?: string;
  Id?: string;
  Statement: PolicyStatement[];
}

/** The topic's policy with its statements as a list (it was validated when set). */
function topicPolicy(topic: TopicRecord): TopicPolicy {
  const parsed = JSON.parse(topic.attributes.Policy ?? '{"Statement":[]}') as Omit<TopicPolicy, 'Statement'> & {
    Statement: PolicyStatement | PolicyStatement[];
  };
  return { ...parsed, Statement: Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement] };
}

/** The topic a tagging operation names (ResourceNotFound, not NotFound, when it is missing). */
function taggedTopic(ctx: SnsContext, operation: string): TopicRecord {
  const arn = required(ctx.params, 'ResourceArn');
  const parsed = checkTopicArn(arn, ctx.req.region, 'ResourceArn');
  const topic = parsed.account === ctx.backend.config.accountId ? ctx.store.topic(arn) : undefined;
  authorizeSns(ctx, operation, arn, topic);
  if (!topic) throw new AwsError('ResourceNotFound', 'Resource does not exist', 404);
  return topic;
}

export const TOPIC_HANDLERS: { [action: string]: SnsHandler } = {
  async CreateTopic(ctx) {
    const name = required(ctx.params, 'Name');
    const attributes = attributeEntries(ctx.params);
    checkName(name, attributes);
    for (const [k, v] of attributes) checkAttribute(k, v, policyPrincipals(ctx), true);
    if (ctx.params.get('DataProtectionPolicy') !== undefined)
      throw invalidParameter(
        'DataProtectionPolicy Reason: message data protection is not supported by the local AWS endpoint',
      );
    const tags = parseTags(ctx.params);
    if (tags.length > MAX_TAGS) throw tagLimitExceeded();
    const arn = topicArn(ctx, name);
    authorizeSns(ctx, 'CreateTopic', arn);
    const kept = attributes.filter(([k]) => k !== 'FifoTopic');
    const existing = ctx.store.topic(arn);
    if (existing) {
      // Idempotent for the same attributes and tags.
      if (kept.some(([k, v]) => (existing.attributes[k] ?? (k === 'DisplayName' ? '' : undefined)) !== v))
        throw invalidParameter('Attributes Reason: Topic already exists with different attributes');
      if (!sameTags(existing, tags)) throw invalidParameter('Tags Reason: Topic already exists with different tags');
      return { TopicArn: arn };
    }
    if (!kept.some(([k]) => k === 'Policy'))
      kept.unshift(['Policy', defaultTopicPolicy(arn, ctx.backend.config.accountId)]);
    await ctx.store.createTopic({ arn, name, region: ctx.req.region, attributes: kept, tags });
    return { TopicArn: arn };
  },

  async DeleteTopic(ctx) {
    const arn = required(ctx.params, 'TopicArn');
    const parsed = checkTopicArn(arn, ctx.req.region);
    const topic = parsed.account === ctx.backend.config.accountId ? ctx.store.topic(arn) : undefined;
    authorizeSns(ctx, 'DeleteTopic', arn, topic);
    // Deleting a topic that does not exist succeeds (it is idempotent on AWS too).
    if (topic) await ctx.store.deleteTopic(arn);
    return undefined;
  },

  async ListTopics(ctx) {
    authorizeSns(ctx, 'ListTopics', regionWildcard(ctx));
    const p = page(ctx.store.listTopics(ctx.req.region), (t) => t.arn, ctx.params.get('NextToken'));
    return { Topics: { member: p.items.map((t) => ({ TopicArn: t.arn })) }, NextToken: p.nextToken };
  },

  async GetTopicAttributes(ctx) {
    const topic = authorizedTopic(ctx, 'GetTopicAttributes');
    return { Attributes: entries(topicAttributes(topic, ctx.store, ctx.backend.config.accountId)) };
  },

  async SetTopicAttributes(ctx) {
    const topic = authorizedTopic(ctx, 'SetTopicAttributes');
    const name = required(ctx.params, 'AttributeName');
    const value = ctx.params.get('AttributeValue') ?? '';
    checkAttribute(name, value, policyPrincipals(ctx), false);
    topic.attributes[name] = value;
    await ctx.store.save();
    return undefined;
  },

  async AddPermission(ctx) {
    const topic = authorizedTopic(ctx, 'AddPermission');
    const label = required(ctx.params, 'Label');
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(label)) throw invalidParameter('Label');
    const accounts = ctx.params.list('AWSAccountId');
    const actions = ctx.params.list('ActionName');
    if (accounts.length === 0) throw invalidParameter('AWSAccountId');
    if (actions.length === 0) throw invalidParameter('ActionName');
    if (accounts.some((a) => !/^\d{12}$/.test(a))) throw invalidParameter('AWSAccountId');
    if (actions.some((a) => !TOPIC_ACTIONS.includes(a) && a !== '*'))
      throw invalidParameter('Policy statement action out of service scope!');
    const doc = topicPolicy(topic);
    if (doc.Statement.some((s) => s.Sid === label)) throw invalidParameter('Statement already exists');
    const principals = accounts.map((a) => `arn:aws:iam::${a}:root`);
    const names = actions.map((a) => (a === '*' ? 'SNS:*' : `SNS:${a}`));
    doc.Statement.push({
      Sid: label,
      Effect: 'Allow',
      Principal: { AWS: principals.length === 1 ? principals[0]! : principals },
      Action: names.length === 1 ? names[0]! : names,
      Resource: topic.arn,
    });
    const text = JSON.stringify(doc);
    checkTopicPolicy(text, policyPrincipals(ctx));
    topic.attributes.Policy = text;
    await ctx.store.save();
    return undefined;
  },

  async RemovePermission(ctx) {
    const topic = authorizedTopic(ctx, 'RemovePermission');
    const label = required(ctx.params, 'Label');
    const doc = topicPolicy(topic);
    const rest = doc.Statement.filter((s) => s.Sid !== label);
    if (rest.length === doc.Statement.length) return undefined;
    topic.attributes.Policy = JSON.stringify({ ...doc, Statement: rest });
    await ctx.store.save();
    return undefined;
  },

  async TagResource(ctx) {
    const topic = taggedTopic(ctx, 'TagResource');
    const tags = parseTags(ctx.params);
    const merged = new Map(topic.tags);
    for (const [k, v] of tags) merged.set(k, v);
    if (merged.size > MAX_TAGS) throw tagLimitExceeded();
    topic.tags = [...merged];
    await ctx.store.save();
    return {};
  },

  async UntagResource(ctx) {
    const topic = taggedTopic(ctx, 'UntagResource');
    const keys = ctx.params.list('TagKeys');
    topic.tags = topic.tags.filter(([k]) => !keys.includes(k));
    await ctx.store.save();
    return {};
  },

  async ListTagsForResource(ctx) {
    const topic = taggedTopic(ctx, 'ListTagsForResource');
    return { Tags: { member: topic.tags.map(([Key, Value]) => ({ Key, Value })) } };
  },
};

// SNS actions (TRIGGER=sns): one SDK call each, with its aws-cli equivalent. The Lambda permission
// that lets a topic invoke the function is here too: it belongs to this variant.
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTagsForResourceCommand,
  PublishCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
  UnsubscribeCommand,
  type Subscription,
  type Tag,
  SNSClient,
} from '@aws-sdk/client-sns';
import { awsCommand } from '../aws-cli.ts';
import { isNotFound } from '../errors.ts';
import { change, type ActionCtx } from './run.ts';
import { registerClient } from '../context.ts';

registerClient('sns', SNSClient);

/** The topic's attributes, or undefined when it does not exist. */
export async function getTopicAttributes(
  ctx: ActionCtx,
  topicArn: string,
): Promise<Record<string, string> | undefined> {
  try {
    return (await ctx.clients.sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))).Attributes ?? {};
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function listTagsForResource(ctx: ActionCtx, topicArn: string): Promise<Tag[]> {
  try {
    return (await ctx.clients.sns.send(new ListTagsForResourceCommand({ ResourceArn: topicArn }))).Tags ?? [];
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

/** CreateTopic is idempotent: it answers the existing topic's ARN for the same name. */
export function createTopic(ctx: ActionCtx, name: string, tags: Tag[]) {
  return change(
    ctx,
    `create topic ${name}`,
    awsCommand(ctx.cliTarget, 'sns', 'create-topic', { name, tags: tags.map((t) => `Key=${t.Key},Value=${t.Value}`) }),
    () => ctx.clients.sns.send(new CreateTopicCommand({ Name: name, Tags: tags })),
  );
}

export function setTopicAttributes(ctx: ActionCtx, topicArn: string, policy: unknown, description: string) {
  const text = JSON.stringify(policy);
  return change(
    ctx,
    description,
    awsCommand(ctx.cliTarget, 'sns', 'set-topic-attributes', {
      'topic-arn': topicArn,
      'attribute-name': 'Policy',
      'attribute-value': text,
    }),
    () =>
      ctx.clients.sns.send(
        new SetTopicAttributesCommand({ TopicArn: topicArn, AttributeName: 'Policy', AttributeValue: text }),
      ),
  );
}

/** Every subscription of the topic (all pages; [] when the topic is gone). */
export async function listSubscriptionsByTopic(ctx: ActionCtx, topicArn: string): Promise<Subscription[]> {
  const out: Subscription[] = [];
  let token: string | undefined;
  try {
    do {
      const r = await ctx.clients.sns.send(
        new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }),
      );
      out.push(...(r.Subscriptions ?? []));
      token = r.NextToken;
    } while (token);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
  return out;
}

export function subscribe(ctx: ActionCtx, topicArn: string, functionArn: string) {
  return change(
    ctx,
    `subscribe ${functionArn.split(':').pop()} to ${topicArn.split(':').pop()}`,
    awsCommand(ctx.cliTarget, 'sns', 'subscribe', {
      'topic-arn': topicArn,
      protocol: 'lambda',
      'notification-endpoint': functionArn,
    }),
    () => ctx.clients.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'lambda', Endpoint: functionArn })),
  );
}

export function unsubscribe(ctx: ActionCtx, subscriptionArn: string) {
  return change(
    ctx,
    `unsubscribe ${subscriptionArn}`,
    awsCommand(ctx.cliTarget, 'sns', 'unsubscribe', { 'subscription-arn': subscriptionArn }),
    () => ctx.clients.sns.send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn })),
  );
}

export function deleteTopic(ctx: ActionCtx, topicArn: string) {
  return change(
    ctx,
    `delete topic ${topicArn.split(':').pop()}`,
    awsCommand(ctx.cliTarget, 'sns', 'delete-topic', { 'topic-arn': topicArn }),
    () => ctx.clients.sns.send(new DeleteTopicCommand({ TopicArn: topicArn })),
  );
}

/** Publishes a message kept in a local file (the printed command reads it with file://). */
export function publish(ctx: ActionCtx, topicArn: string, subject: string, message: string, messageFile: string) {
  return change(
    ctx,
    `publish ${messageFile} to ${topicArn.split(':').pop()}`,
    awsCommand(ctx.cliTarget, 'sns', 'publish', { 'topic-arn': topicArn, subject, message: `file://${messageFile}` }),
    () => ctx.clients.sns.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message })),
  );
}

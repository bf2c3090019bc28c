// Subscription operations. Locally SNS delivers to Lambda functions only: `lambda` subscriptions are
// confirmed at once (as on AWS for a function of the same account); every other protocol is refused
// with InvalidParameter saying so, rather than accepted and never delivered.
import {
  authorizedTopic,
  authorizeSns,
  entries,
  page,
  regionWildcard,
  type SnsContext,
  type SnsHandler,
} from './context.ts';
import { attributeEntries, checkSubscriptionArn, invalidParameter, required, subscriptionNotFound } from './input.ts';
import type { SubscriptionRecord } from './store.ts';

const PROTOCOLS = ['http', 'https', 'email', 'email-json', 'sms', 'sqs', 'application', 'lambda', 'firehose'];
const LAMBDA_ARN =
  /^arn:aws[\w-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:(\$LATEST|[A-Za-z0-9_-]{1,128}))?$/;
/** Subscription attributes AWS knows; those marked false are refused locally because nothing here would honour them. */
const ATTRIBUTES: { [name: string]: boolean } = {
  DeliveryPolicy: true,
  RawMessageDelivery: true,
  FilterPolicy: false,
  FilterPolicyScope: false,
  RedrivePolicy: false,
  SubscriptionRoleArn: false,
  ReplayPolicy: false,
};

/** Checks one subscription attribute; the message prefix differs between Subscribe and SetSubscriptionAttributes. */
function checkSubscriptionAttribute(name: string, value: string, subscribing: boolean): void {
  const prefix = subscribing ? 'Attributes Reason: ' : '';
  if (!Object.hasOwn(ATTRIBUTES, name)) throw invalidParameter(`${prefix}AttributeName`);
  if (!ATTRIBUTES[name]) throw invalidParameter(`${prefix}${name}: not supported by the local AWS endpoint`);
  if (name === 'DeliveryPolicy') {
    try {
      JSON.parse(value);
    } catch {
      throw invalidParameter(`${prefix}DeliveryPolicy: failed to parse JSON.`);
    }
  }
  if (name === 'RawMessageDelivery') {
    if (!['true', 'false'].includes(value.toLowerCase()))
      throw invalidParameter(`${prefix}RawMessageDelivery: Invalid value [${value}]. Must be true or false.`);
    if (value.toLowerCase() === 'true')
      throw invalidParameter(`${prefix}Delivery protocol [lambda] does not support raw message delivery.`);
  }
}

function subscriptionXml(s: SubscriptionRecord) {
  return { SubscriptionArn: s.arn, Owner: s.owner, Protocol: s.protocol, Endpoint: s.endpoint, TopicArn: s.topicArn };
}

/** The topic ARN a subscription ARN belongs to. */
function topicOf(arn: string): string {
  return arn.slice(0, arn.lastIndexOf(':'));
}

function existingSubscription(ctx: SnsContext, operation: string): SubscriptionRecord {
  const arn = required(ctx.params, 'SubscriptionArn');
  checkSubscriptionArn(arn);
  const sub = ctx.store.subscription(arn);
  authorizeSns(ctx, operation, topicOf(arn), ctx.store.topic(topicOf(arn)));
  if (!sub) throw subscriptionNotFound();
  return sub;
}

export const SUBSCRIPTION_HANDLERS: { [action: string]: SnsHandler } = {
  async Subscribe(ctx) {
    const topic = authorizedTopic(ctx, 'Subscribe');
    const protocol = required(ctx.params, 'Protocol');
    if (!PROTOCOLS.includes(protocol))
      throw invalidParameter(`Amazon SNS does not support this protocol string: ${protocol}`);
    if (protocol !== 'lambda')
      throw invalidParameter(
        'Protocol Reason: the local AWS endpoint delivers only to Lambda functions (protocol lambda); ' +
          `${protocol} subscriptions are not supported locally`,
      );
    const endpoint = ctx.params.get('Endpoint');
    if (!endpoint || !LAMBDA_ARN.test(endpoint)) throw invalidParameter('Lambda endpoint ARN');
    const attributes = attributeEntries(ctx.params);
    for (const [k, v] of attributes) checkSubscriptionAttribute(k, v, true);
    // Subscribing the same endpoint again returns the same subscription, unless the attributes differ.
    const existing = ctx.store
      .subscriptionsOf(topic.arn)
      .find((s) => s.protocol === protocol && s.endpoint === endpoint);
    if (existing) {
      if (
        attributes.some(
          ([k, v]) => (existing.attributes[k] ?? (k === 'RawMessageDelivery' ? 'false' : undefined)) !== v,
        )
      )
        throw invalidParameter('Attributes Reason: Subscription already exists with different attributes');
      return { SubscriptionArn: existing.arn };
    }
    const sub = await ctx.store.subscribe({
      topicArn: topic.arn,
      protocol,
      endpoint,
      owner: ctx.backend.config.accountId,
      principal: ctx.req.caller.arn,
      attributes: Object.fromEntries(attributes.filter(([k]) => k !== 'RawMessageDelivery')),
    });
    return { SubscriptionArn: sub.arn };
  },

  async Unsubscribe(ctx) {
    const arn = required(ctx.params, 'SubscriptionArn');
    checkSubscriptionArn(arn);
    authorizeSns(ctx, 'Unsubscribe', topicOf(arn), ctx.store.topic(topicOf(arn)));
    // Unsubscribing twice succeeds.
    await ctx.store.unsubscribe(arn);
    return undefined;
  },

  async ListSubscriptions(ctx) {
    authorizeSns(ctx, 'ListSubscriptions', regionWildcard(ctx));
    const p = page(ctx.store.listSubscriptions(ctx.req.region), (s) => s.arn, ctx.params.get('NextToken'));
    return { Subscriptions: { member: p.items.map(subscriptionXml) }, NextToken: p.nextToken };
  },

  async ListSubscriptionsByTopic(ctx) {
    const topic = authorizedTopic(ctx, 'ListSubscriptionsByTopic');
    const p = page(ctx.store.subscriptionsOf(topic.arn), (s) => s.arn, ctx.params.get('NextToken'));
    return { Subscriptions: { member: p.items.map(subscriptionXml) }, NextToken: p.nextToken };
  },

  async GetSubscriptionAttributes(ctx) {
    const sub = existingSubscription(ctx, 'GetSubscriptionAttributes');
    const pairs: Array<[string, string]> = [
      ['ConfirmationWasAuthenticated', 'true'],
      ['PendingConfirmation', 'false'],
      ['Owner', sub.owner],
      ['RawMessageDelivery', 'false'],
      ['SubscriptionArn', sub.arn],
      ['TopicArn', sub.topicArn],
      ['Endpoint', sub.endpoint],
      ['Protocol', sub.protocol],
      ['SubscriptionPrincipal', sub.principal],
      ...Object.entries(sub.attributes),
    ];
    return { Attributes: entries(pairs) };
  },

  async SetSubscriptionAttributes(ctx) {
    const sub = existingSubscription(ctx, 'SetSubscriptionAttributes');
    const name = required(ctx.params, 'AttributeName');
    const value = ctx.params.get('AttributeValue') ?? '';
    checkSubscriptionAttribute(name, value, false);
    if (name !== 'RawMessageDelivery') sub.attributes[name] = value;
    await ctx.store.save();
    return undefined;
  },
};

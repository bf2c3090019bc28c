// Topic attributes: which ones CreateTopic and SetTopicAttributes accept and how each is checked,
// the default policy AWS writes, and what GetTopicAttributes returns.
import { AwsError } from '../core/errors.ts';
import { parsePolicyDocument, type PolicyDocument } from '../iam/policy.ts';
import { invalidParameter } from './input.ts';
import type { SnsStore, TopicRecord } from './store.ts';

/** The policy AWS gives a new topic: every principal, but only for requests carrying AWS:SourceOwner = the owner. */
export function defaultTopicPolicy(topicArn: string, accountId: string): string {
  return JSON.stringify({
    Version: '2008-10-17',
    Id: '__default_policy_ID',
    Statement: [
      {
        Sid: '__default_statement_ID',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: [
          'SNS:GetTopicAttributes',
          'SNS:SetTopicAttributes',
          'SNS:AddPermission',
          'SNS:RemovePermission',
          'SNS:DeleteTopic',
          'SNS:Subscribe',
          'SNS:ListSubscriptionsByTopic',
          'SNS:Publish',
        ],
        Resource: topicArn,
        Condition: { StringEquals: { 'AWS:SourceOwner': accountId } },
      },
    ],
  });
}

const EFFECTIVE_DELIVERY_POLICY = JSON.stringify({
  http: {
    defaultHealthyRetryPolicy: {
      minDelayTarget: 20,
      maxDelayTarget: 20,
      numRetries: 3,
      numMaxDelayRetries: 0,
      numNoDelayRetries: 0,
      numMinDelayRetries: 0,
      backoffFunction: 'linear',
    },
    disableSubscriptionOverrides: false,
    defaultRequestPolicy: { headerContentType: 'text/plain; charset=UTF-8' },
  },
});

/** Actions a topic policy may name (AddPermission's ActionName values). */
export const TOPIC_ACTIONS = [
  'GetTopicAttributes',
  'SetTopicAttributes',
  'AddPermission',
  'RemovePermission',
  'DeleteTopic',
  'Subscribe',
  'ListSubscriptionsByTopic',
  'Publish',
  'Receive',
];

export const MAX_POLICY_BYTES = 30 * 1024;

/** What checking a topic policy asks of IAM: does a role of this account exist? */
export interface PolicyPrincipals {
  readonly accountId: string;
  roleExists(roleArn: string): boolean;
}

/** A topic policy: JSON an IAM resource policy may be, with SNS actions only. */
export function checkTopicPolicy(text: string, roles: PolicyPrincipals): PolicyDocument {
  if (Buffer.byteLength(text) > MAX_POLICY_BYTES) throw invalidParameter('Policy exceeds the maximum size of 30 KB.');
  let doc: PolicyDocument;
  try {
    doc = parsePolicyDocument(text, 'resource');
  } catch (e) {
    if (e instanceof AwsError && e.message === 'This policy contains invalid Json')
      throw invalidParameter('Policy Error: null');
    throw invalidParameter(`Policy Error: ${e instanceof Error ? e.message : String(e)}`);
  }
  for (const s of Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) {
    const actions = [s.Action ?? s.NotAction ?? []].flat();
    if (actions.some((a) => a !== '*' && !/^sns:/i.test(a)))
      throw invalidParameter('Policy statement action out of service scope!');
    // A principal that does not exist (a role of this account) is refused, as IAM-backed SNS does.
    const principals = s.Principal && s.Principal !== '*' ? [s.Principal.AWS ?? []].flat() : [];
    for (const p of principals) {
      const role = /^arn:aws[\w-]*:iam::(\d{12}):role\//.exec(p);
      if (role && role[1] === roles.accountId && !roles.roleExists(p))
        throw invalidParameter('Policy Error: PrincipalNotFound');
    }
  }
  return doc;
}

type Check = (value: string, principals: PolicyPrincipals) => void;

function json(name: string): Check {
  return (value) => {
    try {
      JSON.parse(value);
    } catch {
      throw invalidParameter(`${name}: failed to parse JSON.`);
    }
  };
}

function oneOf(name: string, values: string[]): Check {
  return (value) => {
    if (!values.includes(value)) throw invalidParameter(name);
  };
}

function roleArn(name: string): Check {
  return (value) => {
    if (value !== '' && !/^arn:aws[\w-]*:iam::\d{12}:role\/\S+$/.test(value)) throw invalidParameter(name);
  };
}

function sampleRate(name: string): Check {
  return (value) => {
    if (!/^\d{1,3}$/.test(value) || Number(value) > 100) throw invalidParameter(name);
  };
}

/** Attributes a standard topic accepts, with their checks. Delivery-status attributes are kept (not acted on). */
const SETTABLE: { [name: string]: Check } = {
  Policy: (value, principals) => void checkTopicPolicy(value, principals),
  DisplayName: (value) => {
    if (value.length > 100) throw invalidParameter('DisplayName');
  },
  DeliveryPolicy: json('DeliveryPolicy'),
  SignatureVersion: oneOf('SignatureVersion', ['1', '2']),
  TracingConfig: oneOf('TracingConfig', ['PassThrough', 'Active']),
  KmsMasterKeyId: () => undefined,
};
for (const kind of ['Application', 'HTTP', 'Lambda', 'SQS', 'Firehose']) {
  SETTABLE[`${kind}SuccessFeedbackRoleArn`] = roleArn(`${kind}SuccessFeedbackRoleArn`);
  SETTABLE[`${kind}FailureFeedbackRoleArn`] = roleArn(`${kind}FailureFeedbackRoleArn`);
  SETTABLE[`${kind}SuccessFeedbackSampleRate`] = sampleRate(`${kind}SuccessFeedbackSampleRate`);
}

/** Checks one attribute; FIFO topics are refused (they deliver to SQS FIFO queues only, which do not exist here). */
export function checkAttribute(name: string, value: string, principals: PolicyPrincipals, creating: boolean): void {
  if (
    name === 'FifoTopic' ||
    name === 'ContentBasedDeduplication' ||
    name === 'FifoThroughputScope' ||
    name === 'ArchivePolicy'
  ) {
    if (creating && name === 'FifoTopic' && value.toLowerCase() === 'false') return;
    if (!creating) throw invalidParameter('AttributeName');
    throw invalidParameter(
      `Attributes Reason: ${name}: FIFO topics are not supported by the local AWS endpoint ` +
        '(only standard topics with Lambda subscribers are)',
    );
  }
  const check = Object.hasOwn(SETTABLE, name) ? SETTABLE[name] : undefined;
  if (!check) throw invalidParameter(creating ? `Attributes Reason: Unknown attribute ${name}` : 'AttributeName');
  check(value, principals);
}

/** What GetTopicAttributes returns: AWS's computed attributes, the set ones, and the local delivery counters. */
export function topicAttributes(topic: TopicRecord, store: SnsStore, accountId: string): Array<[string, string]> {
  const subs = store.subscriptionsOf(topic.arn);
  const out: Array<[string, string]> = [
    ['Policy', topic.attributes.Policy ?? defaultTopicPolicy(topic.arn, accountId)],
    ['Owner', accountId],
    ['SubscriptionsPending', '0'],
    ['TopicArn', topic.arn],
    ['EffectiveDeliveryPolicy', EFFECTIVE_DELIVERY_POLICY],
    ['SubscriptionsConfirmed', String(subs.length)],
    ['DisplayName', topic.attributes.DisplayName ?? ''],
    ['SubscriptionsDeleted', String(topic.subscriptionsDeleted)],
  ];
  for (const [k, v] of Object.entries(topic.attributes)) if (k !== 'Policy' && k !== 'DisplayName') out.push([k, v]);
  // Not AWS attributes: the local stand-ins for the AWS/SNS CloudWatch metrics of the same names.
  out.push(
    ['NumberOfMessagesPublished', String(topic.stats.published)],
    ['NumberOfNotificationsDelivered', String(topic.stats.delivered)],
    ['NumberOfNotificationsFailed', String(topic.stats.failed)],
  );
  return out;
}

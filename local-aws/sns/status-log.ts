// Delivery status logging, as SNS does it for Lambda subscribers: with the topic attributes
// LambdaFailureFeedbackRoleArn (and LambdaSuccessFeedbackRoleArn with LambdaSuccessFeedbackSampleRate,
// a percentage), SNS assumes that role and writes one JSON line per delivery to CloudWatch Logs:
// group `sns/<region>/<account>/<topic>/Failure` for failures, `sns/<region>/<account>/<topic>` for
// successes. The role must trust sns.amazonaws.com and allow logs:CreateLogGroup, CreateLogStream and
// PutLogEvents; otherwise nothing is written and stderr says why.
import { createHash, randomUUID } from 'node:crypto';
import type { Backend } from '../backend.ts';
import type { SessionCaller } from '../core/request.ts';
import type { TopicRecord } from './store.ts';

export interface DeliveryOutcome {
  messageId: string;
  message: string;
  timestamp: string;
  destination: string;
  /** 202 when Lambda queued the invocation; 403/404 when it refused it. */
  statusCode: number;
  providerResponse: string;
  publishedAt: number;
}

interface LogState {
  /** One stream per topic and kind for this endpoint run (AWS names its streams itself). */
  streams: Map<string, string>;
  /** Writes go one at a time (creating a group twice at once would fail). */
  chain: Promise<void>;
}

const states = new WeakMap<Backend, LogState>();

function stateOf(backend: Backend): LogState {
  let s = states.get(backend);
  if (!s) states.set(backend, (s = { streams: new Map(), chain: Promise.resolve() }));
  return s;
}

function roleSession(backend: Backend, roleArn: string, topic: TopicRecord): SessionCaller | undefined {
  const role = backend.iam.roleByArn(roleArn);
  if (!role || !backend.iam.canAssume(role, { service: 'sns.amazonaws.com' })) return undefined;
  return {
    kind: 'session',
    accountId: backend.config.accountId,
    accessKeyId: '',
    arn: `arn:aws:sts::${backend.config.accountId}:assumed-role/${role.roleName}/SNS-${topic.name}`.slice(0, 2048),
    userId: `${role.roleId}:SNS`,
    roleName: role.roleName,
    roleArn: role.arn,
    sessionName: 'SNS',
    expiration: new Date(Date.now() + 3600_000),
  };
}

async function write(
  backend: Backend,
  topic: TopicRecord,
  roleArn: string,
  failure: boolean,
  o: DeliveryOutcome,
): Promise<void> {
  const { accountId } = backend.config;
  const group = `sns/${topic.region}/${accountId}/${topic.name}${failure ? '/Failure' : ''}`;
  const streamKey = `${topic.arn}|${failure}`;
  const { streams } = stateOf(backend);
  const stream = streams.get(streamKey) ?? randomUUID();
  streams.set(streamKey, stream);
  const groupArn = `arn:aws:logs:${topic.region}:${accountId}:log-group:${group}`;
  const caller = roleSession(backend, roleArn, topic);
  if (!caller) {
    console.error(
      `[local-aws] sns: delivery status of ${o.messageId} not logged to ${group}: ` +
        `the role ${roleArn} does not exist or does not trust sns.amazonaws.com`,
    );
    return;
  }
  const needs: Array<[string, string]> = [
    ['logs:CreateLogGroup', groupArn],
    ['logs:CreateLogStream', `${groupArn}:log-stream:${stream}`],
    ['logs:PutLogEvents', `${groupArn}:log-stream:${stream}`],
  ];
  const denied = needs.find(([action, resource]) => backend.decide(caller, action, resource) !== 'allow');
  if (denied) {
    console.error(
      `[local-aws] sns: delivery status of ${o.messageId} not logged to ${group}: ` +
        `the role ${roleArn} may not ${denied[0]} on ${denied[1]}`,
    );
    return;
  }
  const record = {
    notification: {
      messageMD5Sum: createHash('md5').update(o.message).digest('hex'),
      messageId: o.messageId,
      topicArn: topic.arn,
      timestamp: o.timestamp.replace('T', ' ').replace('Z', ''),
    },
    delivery: {
      deliveryId: randomUUID(),
      destination: o.destination,
      providerResponse: o.providerResponse,
      dwellTimeMs: Math.max(0, Date.now() - o.publishedAt),
      attempts: 1,
      statusCode: o.statusCode,
    },
    status: failure ? 'FAILURE' : 'SUCCESS',
  };
  await backend.logs.ensureLogGroup(topic.region, group);
  await backend.logs.ensureLogStream(topic.region, group, stream);
  await backend.logs.putLogEvents(topic.region, group, stream, [
    { timestamp: Date.now(), message: JSON.stringify(record) },
  ]);
}

/** Logs a delivery's outcome if the topic asks for it (in the background, one write at a time). */
export function logDeliveryStatus(
  backend: Backend,
  topic: TopicRecord,
  failure: boolean,
  outcome: DeliveryOutcome,
): void {
  const roleArn = failure
    ? topic.attributes.LambdaFailureFeedbackRoleArn
    : topic.attributes.LambdaSuccessFeedbackRoleArn;
  if (!roleArn) return;
  if (!failure && Math.random() * 100 >= Number(topic.attributes.LambdaSuccessFeedbackSampleRate ?? '0')) return;
  const s = stateOf(backend);
  s.chain = s.chain
    .then(() => write(backend, topic, roleArn, failure, outcome))
    .catch((e: unknown) =>
      console.error(`[local-aws] sns: could not log the delivery status of ${outcome.messageId}:`, e),
    );
}

/** Resolves once the status lines logged so far are written (before the Logs store closes). */
export function flushDeliveryStatus(backend: Backend): Promise<void> {
  return stateOf(backend).chain;
}

// Delivery of a published message to the topic's Lambda subscribers: one Event invocation each, with
// AWS's SNS event JSON, queued durably in Lambda's asynchronous queue before Publish answers (like S3
// events). Lambda must let sns.amazonaws.com invoke the function for this topic (SourceArn); when it
// does not, or the function does not exist, SNS's delivery fails: a line on stderr and the topic's
// NumberOfNotificationsFailed counter (a topic attribute locally), and nothing is invoked.
import { randomUUID } from 'node:crypto';
import type { Backend } from '../backend.ts';
import { endpointUrl } from '../config.ts';
import type { Json } from '../protocols/json.ts';
import { parseFunctionRef } from '../lambda/model.ts';
import { serviceMayInvoke } from '../lambda/permissions.ts';
import type { QueuedEvent } from '../lambda/queue.ts';
import type { MessageAttribute } from './input.ts';
import { SIGNING_CERT_PATH } from './signing.ts';
import { logDeliveryStatus } from './status-log.ts';
import type { SubscriptionRecord, TopicRecord } from './store.ts';

export const SNS_PRINCIPAL = 'sns.amazonaws.com';

export interface OutgoingMessage {
  messageId: string;
  topic: TopicRecord;
  subject?: string;
  message: string;
  /** MessageStructure=json: the message per protocol (`default` always present). */
  perProtocol?: { [protocol: string]: string };
  attributes: MessageAttribute[];
  /** ISO 8601 with milliseconds. */
  timestamp: string;
}

/** The text a Lambda subscriber receives. */
function lambdaMessage(msg: OutgoingMessage): string {
  if (!msg.perProtocol) return msg.message;
  return msg.perProtocol.lambda ?? msg.perProtocol.default ?? msg.message;
}

/** One record of the event SNS sends to a Lambda subscriber. */
export function snsEventRecord(backend: Backend, msg: OutgoingMessage, sub: SubscriptionRecord): Json {
  const base = endpointUrl(backend.config);
  const message = lambdaMessage(msg);
  const signatureVersion = msg.topic.attributes.SignatureVersion ?? '1';
  const attributes: { [name: string]: Json } = {};
  for (const a of msg.attributes) attributes[a.name] = { Type: a.dataType, Value: a.value };
  return {
    EventSource: 'aws:sns',
    EventVersion: '1.0',
    EventSubscriptionArn: sub.arn,
    Sns: {
      Type: 'Notification',
      MessageId: msg.messageId,
      TopicArn: msg.topic.arn,
      Subject: msg.subject ?? null,
      Message: message,
      Timestamp: msg.timestamp,
      SignatureVersion: signatureVersion,
      Signature: backend.sns.signer.sign(
        {
          type: 'Notification',
          messageId: msg.messageId,
          topicArn: msg.topic.arn,
          subject: msg.subject,
          message,
          timestamp: msg.timestamp,
        },
        signatureVersion,
      ),
      SigningCertUrl: `${base}${SIGNING_CERT_PATH}`,
      UnsubscribeUrl: `${base}/?Action=Unsubscribe&SubscriptionArn=${sub.arn}`,
      MessageAttributes: attributes,
    },
  };
}

interface Plan {
  events: QueuedEvent[];
  failures: Array<{ sub: SubscriptionRecord; reason: string; statusCode: number }>;
}

/** The Event invocations to queue, and the subscribers Lambda refuses. */
function plan(backend: Backend, msg: OutgoingMessage): Plan {
  const account = backend.config.accountId;
  const out: Plan = { events: [], failures: [] };
  for (const sub of backend.sns.subscriptionsOf(msg.topic.arn)) {
    let arn: string | undefined;
    try {
      const ref = parseFunctionRef(sub.endpoint, msg.topic.region, account);
      arn = ref.qualifier === undefined || ref.qualifier === '$LATEST' ? ref.arn : undefined;
    } catch {
      arn = undefined;
    }
    const fn = arn ? backend.lambda.get(arn) : undefined;
    if (!fn) {
      out.failures.push({
        sub,
        reason: `ResourceNotFoundException: Function not found: ${sub.endpoint}`,
        statusCode: 404,
      });
      continue;
    }
    if (!serviceMayInvoke(fn, SNS_PRINCIPAL, msg.topic.arn, account)) {
      out.failures.push({
        sub,
        reason:
          `AccessDeniedException: the function's resource policy does not allow ${SNS_PRINCIPAL} ` +
          `to invoke it for ${msg.topic.arn} ` +
          `(lambda add-permission --principal ${SNS_PRINCIPAL} --source-arn ${msg.topic.arn})`,
        statusCode: 403,
      });
      continue;
    }
    const now = Date.now();
    out.events.push({
      id: randomUUID(),
      functionArn: fn.arn,
      invokedArn: sub.endpoint,
      payload: JSON.stringify({ Records: [snsEventRecord(backend, msg, sub)] }),
      enqueuedAt: now,
      attempts: 0,
      serviceFailures: 0,
      notBefore: now,
      source: { service: SNS_PRINCIPAL, sourceArn: msg.topic.arn, sourceAccount: account },
    });
  }
  return out;
}

/** Counts the outcome, and reports each failure on stderr (and in the topic's status log, if set). */
function settle(
  backend: Backend,
  msg: OutgoingMessage,
  p: Plan,
  queued: QueuedEvent[],
  notQueued: Array<{ ev: QueuedEvent; reason: string }>,
): void {
  const publishedAt = Date.parse(msg.timestamp);
  const base = { messageId: msg.messageId, message: lambdaMessage(msg), timestamp: msg.timestamp, publishedAt };
  const failures = [
    ...p.failures.map((f) => ({ endpoint: f.sub.endpoint, reason: f.reason, statusCode: f.statusCode })),
    ...notQueued.map((f) => ({ endpoint: f.ev.invokedArn, reason: f.reason, statusCode: 500 })),
  ];
  for (const f of failures) {
    console.error(`[local-aws] sns: delivery of ${msg.messageId} to ${f.endpoint} failed: ${f.reason}`);
    logDeliveryStatus(backend, msg.topic, true, {
      ...base,
      destination: f.endpoint,
      statusCode: f.statusCode,
      providerResponse: f.reason,
    });
  }
  for (const ev of queued)
    logDeliveryStatus(backend, msg.topic, false, {
      ...base,
      destination: ev.invokedArn,
      statusCode: 202,
      providerResponse: JSON.stringify({ lambdaRequestId: ev.id }),
    });
  backend.sns.count(msg.topic, { published: 1, delivered: queued.length, failed: failures.length });
}

const why = (e: unknown) => `could not queue the invocation: ${e instanceof Error ? e.message : String(e)}`;

/** Publishes: every allowed subscriber's invocation is on disk when this resolves. */
export async function deliver(backend: Backend, msg: OutgoingMessage): Promise<void> {
  const p = plan(backend, msg);
  const results = await Promise.allSettled(p.events.map((ev) => backend.lambda.queue.enqueue(ev)));
  const queued = p.events.filter((_, i) => results[i]!.status === 'fulfilled');
  const failed = p.events.flatMap((ev, i) => {
    const r = results[i]!;
    return r.status === 'rejected' ? [{ ev, reason: why(r.reason), error: r.reason as unknown }] : [];
  });
  settle(backend, msg, p, queued, failed);
  // Not durable: Publish must not claim success (a genuine server fault).
  if (failed.length > 0) throw failed[0]!.error;
}

/** The same, synchronously (for S3, which must not answer before its events are durable). Never throws. */
export function deliverSync(backend: Backend, msg: OutgoingMessage): void {
  let p: Plan;
  try {
    p = plan(backend, msg);
  } catch (e) {
    console.error(`[local-aws] sns: could not deliver ${msg.messageId}:`, e);
    return;
  }
  const queued: QueuedEvent[] = [];
  const failed: Array<{ ev: QueuedEvent; reason: string }> = [];
  for (const ev of p.events) {
    try {
      backend.lambda.queue.enqueueSync(ev);
      queued.push(ev);
    } catch (e) {
      failed.push({ ev, reason: why(e) });
    }
  }
  settle(backend, msg, p, queued, failed);
}

export function newMessageId(): string {
  return randomUUID();
}

// Delivery of a published message to the topic's Lambda subscribers: one Event invocation each, with
// AWS's SNS event JSON, queued durably in Lambda's asynchronous queue before Publish answers (like S3
// events). Lambda must let sns.amazonaws.com invoke the function for this topic (SourceArn); when it
// does not, or the function does not exist, SNS's delivery fails: a line on stderr and the topic's
// NumberOfNotificationsFailed counter (a topic attribute locally), and nothing is invoked.
import { randomUUID } from 'node:crypto';
import type { Json } from '../protocols/json.ts';
import type { MessageAttribute } from './input.ts';
import { SIGNING_CERT_PATH } from './signing.ts';
import type { DeliveryStatusLog } from './status-log.ts';
import type { SnsStore, SubscriptionRecord, TopicRecord } from './store.ts';

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

/** A subscriber's invocation, as SNS asks Lambda for it. */
export interface SubscriberCall {
  /** The subscription's endpoint: a function ARN. */
  endpoint: string;
  region: string;
  /** Invoke as this service principal (sns.amazonaws.com), for this source (the topic). */
  principal: string;
  sourceArn: string;
  sourceAccount: string;
  /** The event, JSON text. */
  payload: string;
}

/** Lambda's answer: the invocation is queued (durably), or refused with AWS's reason and status code. */
export type SubscriberAnswer = { requestId: string } | { refused: string; statusCode: number };

/** What SNS needs from Lambda (wired in backend.ts): invoke this function asynchronously as this principal. */
export interface LambdaSubscribers {
  /** Rejects when the invocation could not be queued. */
  invokeAsync(call: SubscriberCall): Promise<SubscriberAnswer>;
  /** The same, synchronously (throws when it could not be queued). */
  invokeAsyncSync(call: SubscriberCall): SubscriberAnswer;
}

interface Failure {
  endpoint: string;
  reason: string;
  statusCode: number;
}

const why = (e: unknown) => `could not queue the invocation: ${e instanceof Error ? e.message : String(e)}`;

export class SnsDelivery {
  constructor(
    private readonly store: SnsStore,
    private readonly lambda: LambdaSubscribers,
    private readonly status: DeliveryStatusLog,
    /** The endpoint's URL, for SigningCertUrl and UnsubscribeUrl. */
    private readonly baseUrl: string,
    private readonly accountId: string,
  ) {}

  /** Publishes: every allowed subscriber's invocation is on disk when this resolves. */
  async deliver(msg: OutgoingMessage): Promise<void> {
    // Every event is built before any is queued: a failure to build one queues none.
    const calls = this.store.subscriptionsOf(msg.topic.arn).map((sub) => this.call(msg, sub));
    const results = await Promise.allSettled(calls.map((call) => this.lambda.invokeAsync(call)));
    const queued: Array<{ endpoint: string; requestId: string }> = [];
    const refused: Failure[] = [];
    const notQueued: Array<Failure & { error: unknown }> = [];
    calls.forEach(({ endpoint }, i) => {
      const r = results[i]!;
      if (r.status === 'rejected')
        notQueued.push({ endpoint, reason: why(r.reason), statusCode: 500, error: r.reason });
      else if ('refused' in r.value)
        refused.push({ endpoint, reason: r.value.refused, statusCode: r.value.statusCode });
      else queued.push({ endpoint, requestId: r.value.requestId });
    });
    this.settle(msg, [...refused, ...notQueued], queued);
    // Not durable: Publish must not claim success (a genuine server fault).
    if (notQueued.length > 0) throw notQueued[0]!.error;
  }

  /** The same, synchronously (for S3, which must not answer before its events are durable). Never throws. */
  deliverSync(msg: OutgoingMessage): void {
    const queued: Array<{ endpoint: string; requestId: string }> = [];
    const refused: Failure[] = [];
    const notQueued: Failure[] = [];
    let calls: SubscriberCall[];
    try {
      calls = this.store.subscriptionsOf(msg.topic.arn).map((sub) => this.call(msg, sub));
    } catch (e) {
      console.error(`[local-aws] sns: could not deliver ${msg.messageId}:`, e);
      return;
    }
    for (const call of calls) {
      let answer: SubscriberAnswer;
      try {
        answer = this.lambda.invokeAsyncSync(call);
      } catch (e) {
        notQueued.push({ endpoint: call.endpoint, reason: why(e), statusCode: 500 });
        continue;
      }
      if ('refused' in answer)
        refused.push({ endpoint: call.endpoint, reason: answer.refused, statusCode: answer.statusCode });
      else queued.push({ endpoint: call.endpoint, requestId: answer.requestId });
    }
    this.settle(msg, [...refused, ...notQueued], queued);
  }

  private call(msg: OutgoingMessage, sub: SubscriptionRecord): SubscriberCall {
    return {
      endpoint: sub.endpoint,
      region: msg.topic.region,
      principal: SNS_PRINCIPAL,
      sourceArn: msg.topic.arn,
      sourceAccount: this.accountId,
      payload: JSON.stringify({ Records: [snsEventRecord(this.store, this.baseUrl, msg, sub)] }),
    };
  }

  /** Counts the outcome, and reports each failure on stderr (and in the topic's status log, if set). */
  private settle(msg: OutgoingMessage, failures: Failure[], queued: Array<{ endpoint: string; requestId: string }>) {
    const publishedAt = Date.parse(msg.timestamp);
    const base = { messageId: msg.messageId, message: lambdaMessage(msg), timestamp: msg.timestamp, publishedAt };
    for (const f of failures) {
      console.error(`[local-aws] sns: delivery of ${msg.messageId} to ${f.endpoint} failed: ${f.reason}`);
      this.status.log(msg.topic, true, {
        ...base,
        destination: f.endpoint,
        statusCode: f.statusCode,
        providerResponse: f.reason,
      });
    }
    for (const q of queued)
      this.status.log(msg.topic, false, {
        ...base,
        destination: q.endpoint,
        statusCode: 202,
        providerResponse: JSON.stringify({ lambdaRequestId: q.requestId }),
      });
    this.store.count(msg.topic, { published: 1, delivered: queued.length, failed: failures.length });
  }

  /** Resolves once the delivery status lines logged so far are written. */
  flush(): Promise<void> {
    return this.status.flush();
  }
}

/** One record of the event SNS sends to a Lambda subscriber. */
export function snsEventRecord(
  store: Pick<SnsStore, 'signer'>,
  base: string,
  msg: OutgoingMessage,
  sub: SubscriptionRecord,
): Json {
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
      Signature: store.signer.sign(
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

export function newMessageId(): string {
  return randomUUID();
}

// Delivery status logging, as SNS does it for Lambda subscribers: with the topic attributes
// LambdaFailureFeedbackRoleArn (and LambdaSuccessFeedbackRoleArn with LambdaSuccessFeedbackSampleRate,
// a percentage), SNS assumes that role and writes one JSON line per delivery to CloudWatch Logs:
// group `sns/<region>/<account>/<topic>/Failure` for failures, `sns/<region>/<account>/<topic>` for
// successes. The role must trust sns.amazonaws.com and allow logs:CreateLogGroup, CreateLogStream and
// PutLogEvents; otherwise nothing is written and stderr says why.
import { createHash, randomUUID } from 'node:crypto';
import type { SessionCaller } from '../core/request.ts';
import type { TopicRecord } from './store.ts';

/** What status logging needs from IAM and CloudWatch Logs (wired in backend.ts). */
export interface StatusLogServices {
  /** SNS's session of the role for this topic, if the role exists and trusts sns.amazonaws.com. */
  roleSession(roleArn: string, topicName: string): SessionCaller | undefined;
  allowed(caller: SessionCaller, action: string, resource: string): boolean;
  ensureLogGroup(region: string, group: string): Promise<void>;
  ensureLogStream(region: string, group: string, stream: string): Promise<void>;
  putLogEvents(
    region: string,
    group: string,
    stream: string,
    events: Array<{ timestamp: number; message: string }>,
  ): Promise<void>;
}

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

export class DeliveryStatusLog {
  /** One stream per topic and kind for this endpoint run (AWS names its streams itself). */
  private readonly streams = new Map<string, string>();
  /** Writes go one at a time (creating a group twice at once would fail). */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly services: StatusLogServices,
    private readonly accountId: string,
  ) {}

  /** Logs a delivery's outcome if the topic asks for it (in the background, one write at a time). */
  log(topic: TopicRecord, failure: boolean, outcome: DeliveryOutcome): void {
    const roleArn = failure
      ? topic.attributes.LambdaFailureFeedbackRoleArn
      : topic.attributes.LambdaSuccessFeedbackRoleArn;
    if (!roleArn) return;
    if (!failure && Math.random() * 100 >= Number(topic.attributes.LambdaSuccessFeedbackSampleRate ?? '0')) return;
    this.chain = this.chain
      .then(() => this.write(topic, roleArn, failure, outcome))
      .catch((e: unknown) =>
        console.error(`[local-aws] sns: could not log the delivery status of ${outcome.messageId}:`, e),
      );
  }

  /** Resolves once the status lines logged so far are written (before the Logs store closes). */
  flush(): Promise<void> {
    return this.chain;
  }

  private async write(topic: TopicRecord, roleArn: string, failure: boolean, o: DeliveryOutcome): Promise<void> {
    const { accountId, services } = this;
    const group = `sns/${topic.region}/${accountId}/${topic.name}${failure ? '/Failure' : ''}`;
    const streamKey = `${topic.arn}|${failure}`;
    const stream = this.streams.get(streamKey) ?? randomUUID();
    this.streams.set(streamKey, stream);
    const groupArn = `arn:aws:logs:${topic.region}:${accountId}:log-group:${group}`;
    const caller = services.roleSession(roleArn, topic.name);
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
    const denied = needs.find(([action, resource]) => !services.allowed(caller, action, resource));
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
    await services.ensureLogGroup(topic.region, group);
    await services.ensureLogStream(topic.region, group, stream);
    await services.putLogEvents(topic.region, group, stream, [
      { timestamp: Date.now(), message: JSON.stringify(record) },
    ]);
  }
}

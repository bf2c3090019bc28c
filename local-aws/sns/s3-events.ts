// S3 -> SNS (docs/local-aws/protocols.md#notification-configuration, #s3-event-notifications): S3 asks
// whether a bucket may name a topic as a destination (the topic exists and its policy lets
// s3.amazonaws.com SNS:Publish for this bucket and account), sends s3:TestEvent when a configuration is
// saved, and publishes each object event with the same record the Lambda path builds, as the message,
// Subject "Amazon S3 Notification".
import type { Backend } from '../backend.ts';
import { s3EventRecord } from '../lambda/s3-events.ts';
import type { ObjectEvent, TopicDestination, TopicTarget } from '../s3/store.ts';
import { servicePublishAllowed } from './access.ts';
import { deliverSync, newMessageId } from './delivery.ts';

const S3 = 's3.amazonaws.com';
const SUBJECT = 'Amazon S3 Notification';

function bucketArn(bucket: string): string {
  return `arn:aws:s3:::${bucket}`;
}

/** Publishes as S3 does; a topic that vanished or stopped allowing S3 drops the message with a line on stderr. */
function publishAsS3(
  backend: Backend,
  bucket: string,
  owner: string,
  topicArn: string,
  message: string,
  what: string,
): void {
  const topic = backend.sns.topic(topicArn);
  const why = !topic
    ? 'the topic does not exist'
    : !servicePublishAllowed(topic, S3, bucketArn(bucket), owner)
      ? `its policy no longer lets ${S3} publish for ${bucketArn(bucket)}`
      : undefined;
  if (!topic || why) {
    console.error(`[local-aws] s3: ${what} for bucket ${bucket} not published to ${topicArn}: ${why}`);
    return;
  }
  deliverSync(backend, {
    messageId: newMessageId(),
    topic,
    subject: SUBJECT,
    message,
    attributes: [],
    timestamp: new Date().toISOString(),
  });
}

export function topicTarget(backend: Backend): TopicTarget {
  return {
    validate(bucket, owner, topicArns) {
      const out: Array<{ arn: string; reason: string }> = [];
      for (const arn of topicArns) {
        const topic = backend.sns.topic(arn);
        if (!topic) out.push({ arn, reason: 'The destination topic does not exist' });
        else if (!servicePublishAllowed(topic, S3, bucketArn(bucket), owner))
          out.push({
            arn,
            reason: 'Permissions on the destination topic do not allow S3 to publish notifications from this bucket',
          });
      }
      return out;
    },

    sendTestEvent(bucket, owner, topicArns, requestId, hostId) {
      const message = JSON.stringify({
        Service: 'Amazon S3',
        Event: 's3:TestEvent',
        Time: new Date().toISOString(),
        Bucket: bucket,
        RequestId: requestId,
        HostId: hostId,
      });
      for (const arn of topicArns) publishAsS3(backend, bucket, owner, arn, message, 's3:TestEvent');
    },

    publish(event: ObjectEvent, destinations: TopicDestination[]) {
      const owner = backend.config.accountId;
      for (const d of destinations) {
        const message = JSON.stringify({ Records: [s3EventRecord(event, d, owner)] });
        publishAsS3(backend, event.bucket, owner, d.topicArn, message, `${event.eventName} of ${event.key}`);
      }
    },
  };
}

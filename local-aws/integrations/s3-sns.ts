// S3 -> SNS (docs/local-aws/protocols.md#notification-configuration, #s3-event-notifications): S3 asks
// whether a bucket may name a topic as a destination (the topic exists and its policy lets
// s3.amazonaws.com SNS:Publish for this bucket and account), sends s3:TestEvent when a configuration is
// saved, and publishes each object event with the same record the Lambda path builds, as the message,
// Subject "Amazon S3 Notification".
import type { ObjectEvent, TopicDestination, TopicTarget } from '../s3/store.ts';
import { servicePublishAllowed } from '../sns/access.ts';
import { newMessageId, type SnsDelivery } from '../sns/delivery.ts';
import type { SnsStore } from '../sns/store.ts';
import { s3EventRecord } from './s3-event.ts';

/** SNS as S3 reaches it: the topics, and delivery of a message published to one. */
interface Sns {
  store: Pick<SnsStore, 'topic'>;
  delivery: Pick<SnsDelivery, 'deliverSync'>;
}

const S3 = 's3.amazonaws.com';
const SUBJECT = 'Amazon S3 Notification';

function bucketArn(bucket: string): string {
  return `arn:aws:s3:::${bucket}`;
}

/** Publishes as S3 does; a topic that vanished or stopped allowing S3 drops the message with a line on stderr. */
function publishAsS3(sns: Sns, bucket: string, owner: string, topicArn: string, message: string, what: string): void {
  const topic = sns.store.topic(topicArn);
  const why = !topic
    ? 'the topic does not exist'
    : !servicePublishAllowed(topic, S3, bucketArn(bucket), owner)
      ? `its policy no longer lets ${S3} publish for ${bucketArn(bucket)}`
      : undefined;
  if (!topic || why) {
    console.error(`[local-aws] s3: ${what} for bucket ${bucket} not published to ${topicArn}: ${why}`);
    return;
  }
  sns.delivery.deliverSync({
    messageId: newMessageId(),
    topic,
    subject: SUBJECT,
    message,
    attributes: [],
    timestamp: new Date().toISOString(),
  });
}

export function topicTarget(sns: Sns, accountId: string): TopicTarget {
  return {
    validate(bucket, owner, topicArns) {
      const out: Array<{ arn: string; reason: string }> = [];
      for (const arn of topicArns) {
        const topic = sns.store.topic(arn);
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
      for (const arn of topicArns) publishAsS3(sns, bucket, owner, arn, message, 's3:TestEvent');
    },

    publish(event: ObjectEvent, destinations: TopicDestination[]) {
      const owner = accountId;
      for (const d of destinations) {
        const message = JSON.stringify({ Records: [s3EventRecord(event, d, owner)] });
        publishAsS3(sns, event.bucket, owner, d.topicArn, message, `${event.eventName} of ${event.key}`);
      }
    },
  };
}

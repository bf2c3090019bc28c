// The event record S3 sends for an object event (docs/local-aws/protocols.md#s3-event-notifications):
// to Lambda directly, and as the message it publishes to SNS topics.
import type { Json } from '../protocols/json.ts';
import type { LambdaDestination, ObjectEvent } from '../s3/store.ts';

/** S3's form encoding of keys in events: encodeURIComponent, space as `+`, `/` kept. */
export function eventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/gi, '/');
}

/** A stable id standing in for the bucket owner's canonical principal id. */
function ownerPrincipalId(accountId: string): string {
  return 'A' + Buffer.from(accountId).toString('hex').toUpperCase().slice(0, 13);
}

export function s3EventRecord(event: ObjectEvent, destination: Pick<LambdaDestination, 'id'>, accountId: string): Json {
  const object: { [k: string]: Json } = { key: eventKey(event.key) };
  if (event.size !== undefined) object.size = event.size;
  if (event.eTag !== undefined) object.eTag = event.eTag;
  object.sequencer = event.sequencer;
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: event.bucketRegion,
    eventTime: event.eventTime,
    eventName: event.eventName,
    userIdentity: { principalId: event.principalId },
    requestParameters: { sourceIPAddress: event.sourceIp },
    responseElements: { 'x-amz-request-id': event.requestId, 'x-amz-id-2': event.hostId },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: destination.id,
      bucket: {
        name: event.bucket,
        ownerIdentity: { principalId: ownerPrincipalId(accountId) },
        arn: `arn:aws:s3:::${event.bucket}`,
      },
      object,
    },
  };
}

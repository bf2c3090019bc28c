// S3 -> Lambda (docs/local-aws/protocols.md#notification-configuration, #s3-event-notifications): S3
// asks us whether a bucket may name a function as a destination, and hands us each object event for its
// Lambda destinations. Each event is queued as an Event invocation by s3.amazonaws.com, durably and
// synchronously, so it is on disk before S3 answers the request that caused it.
import { randomUUID } from 'node:crypto';
import type { DestinationValidator, LambdaDestination, ObjectEvent, ObjectEventListener } from '../s3/store.ts';
import type { Json } from '../protocols/json.ts';
import { parseFunctionRef } from './model.ts';
import { serviceMayInvoke } from './permissions.ts';
import type { LambdaStore } from './store.ts';

const S3 = 's3.amazonaws.com';

/** S3's form encoding of keys in events: encodeURIComponent, space as `+`, `/` kept. */
export function eventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/gi, '/');
}

/** A stable id standing in for the bucket owner's canonical principal id. */
function ownerPrincipalId(accountId: string): string {
  return 'A' + Buffer.from(accountId).toString('hex').toUpperCase().slice(0, 13);
}

function unqualifiedArn(store: LambdaStore, arn: string, region: string): string | undefined {
  try {
    const ref = parseFunctionRef(arn, region, store.backend.config.accountId);
    return ref.qualifier === undefined || ref.qualifier === '$LATEST' ? ref.arn : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Accepts a destination only if the function exists and lets s3.amazonaws.com invoke it for this
 * bucket and account.
 */
export function destinationValidator(store: LambdaStore): DestinationValidator {
  return (bucket, owner, arns) => {
    return arns.filter((arn) => {
      const unqualified = unqualifiedArn(store, arn, store.backend.config.defaultRegion);
      const fn = unqualified ? store.get(unqualified) : undefined;
      return !fn || !serviceMayInvoke(fn, S3, `arn:aws:s3:::${bucket}`, owner);
    });
  };
}

/** The event record S3 sends (to Lambda directly, and as the message it publishes to SNS topics). */
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

/** Queues one Event invocation per destination; never throws into S3. */
export function objectEventListener(store: LambdaStore): ObjectEventListener {
  return (event, destinations) => {
    const account = store.backend.config.accountId;
    for (const d of destinations) {
      const arn = unqualifiedArn(store, d.functionArn, event.bucketRegion);
      if (!arn || !store.get(arn)) {
        console.error(
          `[local-aws] lambda: S3 event for s3://${event.bucket}/${event.key} not delivered: ` +
            `function ${d.functionArn} does not exist`,
        );
        continue;
      }
      const now = Date.now();
      try {
        store.queue.enqueueSync({
          id: randomUUID(),
          functionArn: arn,
          invokedArn: d.functionArn,
          payload: JSON.stringify({ Records: [s3EventRecord(event, d, account)] }),
          enqueuedAt: now,
          attempts: 0,
          serviceFailures: 0,
          notBefore: now,
          source: { service: S3, sourceArn: `arn:aws:s3:::${event.bucket}`, sourceAccount: account },
        });
      } catch (e) {
        console.error(`[local-aws] lambda: could not queue the S3 event for s3://${event.bucket}/${event.key}:`, e);
      }
    }
  };
}

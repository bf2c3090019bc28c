// S3 -> Lambda (docs/local-aws/protocols.md#notification-configuration, #s3-event-notifications): S3
// asks us whether a bucket may name a function as a destination, and hands us each object event for its
// Lambda destinations. Each event is queued as an Event invocation by s3.amazonaws.com, durably: S3
// awaits it, so it is on disk before S3 answers the request that caused it.
import type { ServiceInvoker } from '../lambda/service-invoke.ts';
import type { DestinationValidator, ObjectEventListener } from '../s3/store.ts';
import { s3EventRecord } from './s3-event.ts';

const S3 = 's3.amazonaws.com';

/**
 * Accepts a destination only if the function exists and lets s3.amazonaws.com invoke it for this
 * bucket and account.
 */
export function destinationValidator(lambda: ServiceInvoker, defaultRegion: string): DestinationValidator {
  return (bucket, owner, arns) => {
    return arns.filter((arn) => {
      const fn = lambda.find(arn, defaultRegion);
      return !fn || !lambda.allows(fn, { service: S3, sourceArn: `arn:aws:s3:::${bucket}`, sourceAccount: owner });
    });
  };
}

/** Queues one Event invocation per destination, resolving once all are on disk; never rejects into S3. */
export function objectEventListener(lambda: ServiceInvoker, accountId: string): ObjectEventListener {
  return async (event, destinations) => {
    const queued: Array<Promise<unknown>> = [];
    for (const d of destinations) {
      const arn = lambda.find(d.functionArn, event.bucketRegion);
      if (!arn) {
        console.error(
          `[local-aws] lambda: S3 event for s3://${event.bucket}/${event.key} not delivered: ` +
            `function ${d.functionArn} does not exist`,
        );
        continue;
      }
      // The function's policy is checked when the event runs (and S3 checked it when configured).
      // Async: the fsync runs off the event loop (synchronous, it blocked every other request ~5-9 ms).
      const call = {
        functionArn: arn,
        invokedArn: d.functionArn,
        payload: JSON.stringify({ Records: [s3EventRecord(event, d, accountId)] }),
        source: { service: S3, sourceArn: `arn:aws:s3:::${event.bucket}`, sourceAccount: accountId },
      };
      queued.push(
        lambda
          .invokeAsync(call)
          .catch((e: unknown) =>
            console.error(`[local-aws] lambda: could not queue the S3 event for s3://${event.bucket}/${event.key}:`, e),
          ),
      );
    }
    await Promise.all(queued);
  };
}

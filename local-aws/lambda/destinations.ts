// Destinations of asynchronous invocations (docs/local-aws/protocols.md#destinations): the destination record goes to a
// Lambda function (as an Event invocation, if the function's role may invoke it); other destination
// types are accepted in the configuration but not delivered locally (said on stderr).
import { randomUUID } from 'node:crypto';
import type { Json } from '../protocols/json.ts';
import type { LocalAwsConfig } from '../config.ts';
import { parseFunctionRef, type FunctionRecord, type QueuedEvent } from './model.ts';
import type { InvokeResult } from './runtime/contract.ts';

/** What sending a destination record needs (LambdaStore is one). */
export interface DestinationHost {
  readonly config: Pick<LocalAwsConfig, 'accountId'>;
  get(arn: string): FunctionRecord | undefined;
  /** May the function's role, as Lambda acting for the function, do `action` on `resource`? (IAM) */
  roleMay(roleArn: string, sessionName: string, action: string, resource: string): boolean;
}

type Condition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';

function parsed(text: string | undefined): Json {
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

/**
 * Sends the destination record for an event that succeeded or finally failed. Resolves to whether a
 * destination took it (false: none configured, or it could not be delivered).
 */
export async function deliverToDestination(
  store: DestinationHost,
  enqueue: (ev: QueuedEvent) => Promise<void>,
  fn: FunctionRecord,
  ev: QueuedEvent,
  condition: Condition,
  result?: InvokeResult,
): Promise<boolean> {
  const destinations = fn.eventInvokeConfig?.destinations;
  const target = condition === 'Success' ? destinations?.onSuccess : destinations?.onFailure;
  if (!target) return false;
  const failed = condition !== 'Success';
  const responseContext: { [k: string]: Json } = { statusCode: 200, executedVersion: '$LATEST' };
  if (failed && ev.lastErrorType !== undefined) responseContext.functionError = 'Unhandled';
  const record: Json = {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: ev.id,
      functionArn: `${fn.arn}:$LATEST`,
      condition,
      approximateInvokeCount: ev.attempts,
    },
    requestPayload: parsed(ev.payload),
    responseContext,
    responsePayload: result ? parsed(result.payload.toString('utf8')) : parsed(ev.lastResponse),
  };
  if (!/^arn:aws[a-zA-Z-]*:lambda:/.test(target)) {
    console.error(
      `[local-aws] lambda: ${condition} record for event ${ev.id} of ${fn.name} not sent: ` +
        `the local endpoint delivers only to Lambda function destinations (configured: ${target})`,
    );
    return false;
  }
  let destArn: string;
  try {
    destArn = parseFunctionRef(target, fn.region, store.config.accountId).arn;
  } catch {
    destArn = target;
  }
  const dest = store.get(destArn);
  const why = !dest
    ? 'the destination function does not exist'
    : !store.roleMay(fn.config.role, fn.name, 'lambda:InvokeFunction', dest.arn)
      ? `the function's role is not allowed to perform lambda:InvokeFunction on ${dest.arn}`
      : undefined;
  if (why !== undefined || !dest) {
    console.error(
      `[local-aws] lambda: ${condition} record for event ${ev.id} of ${fn.name} not delivered to ${target}: ${why}`,
    );
    return false;
  }
  const now = Date.now();
  await enqueue({
    id: randomUUID(),
    functionArn: dest.arn,
    invokedArn: target,
    payload: JSON.stringify(record),
    enqueuedAt: now,
    attempts: 0,
    serviceFailures: 0,
    notBefore: now,
  });
  return true;
}

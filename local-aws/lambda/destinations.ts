// Destinations of asynchronous invocations (docs/local-aws/protocols.md#destinations): the destination record goes to a
// Lambda function (as an Event invocation, if the function's role may invoke it); other destination
// types are accepted in the configuration but not delivered locally (said on stderr).
import { randomUUID } from 'node:crypto';
import type { SessionCaller } from '../core/request.ts';
import type { Json } from '../protocols/json.ts';
import { parseFunctionRef, type FunctionRecord } from './model.ts';
import type { QueuedEvent } from './queue.ts';
import type { InvokeResult } from './runtime/contract.ts';
import type { LambdaStore } from './store.ts';

type Condition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';

function parsed(text: string | undefined): Json {
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

/** The function's role as a session, to evaluate what Lambda may do on its behalf. */
function roleCaller(store: LambdaStore, fn: FunctionRecord): SessionCaller | undefined {
  const role = store.backend.iam.roleByArn(fn.config.role);
  if (!role) return undefined;
  return {
    kind: 'session',
    accountId: store.backend.config.accountId,
    accessKeyId: '',
    arn: `arn:aws:sts::${store.backend.config.accountId}:assumed-role/${role.roleName}/${fn.name}`,
    userId: `${role.roleId}:${fn.name}`,
    roleName: role.roleName,
    roleArn: role.arn,
    sessionName: fn.name,
    expiration: new Date(Date.now() + 3600_000),
  };
}

/**
 * Sends the destination record for an event that succeeded or finally failed. Resolves to whether a
 * destination took it (false: none configured, or it could not be delivered).
 */
export async function deliverToDestination(
  store: LambdaStore,
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
    destArn = parseFunctionRef(target, fn.region, store.backend.config.accountId).arn;
  } catch {
    destArn = target;
  }
  const dest = store.get(destArn);
  const caller = roleCaller(store, fn);
  const why = !dest
    ? 'the destination function does not exist'
    : !caller || store.backend.decide(caller, 'lambda:InvokeFunction', dest.arn) !== 'allow'
      ? `the function's role is not allowed to perform lambda:InvokeFunction on ${dest.arn}`
      : undefined;
  if (why !== undefined || !dest) {
    console.error(
      `[local-aws] lambda: ${condition} record for event ${ev.id} of ${fn.name} not delivered to ${target}: ${why}`,
    );
    return false;
  }
  const now = Date.now();
  await store.queue.enqueue({
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

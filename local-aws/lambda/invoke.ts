// Invoke (docs/local-aws/protocols.md#invoke): RequestResponse runs the function now and returns its result (200),
// Event queues it durably (202), DryRun only checks (204). Also the deprecated InvokeAsync.
import { randomUUID } from 'node:crypto';
import { AwsError } from '../core/errors.ts';
import type { AwsResponse } from '../core/request.ts';
import { restJsonResponse } from '../protocols/json.ts';
import { authorizedFunction, functionRef, qualifiedArn, type LambdaContext } from './context.ts';
import { conflict, constraint, tooLarge } from './input.ts';
import type { FunctionRecord } from './model.ts';

export const MAX_SYNC_PAYLOAD = 6_291_456;
export const MAX_ASYNC_PAYLOAD = 1_048_576;
const MAX_RESPONSE = 6_291_556;
const TAIL_BYTES = 4096;
const MAX_CLIENT_CONTEXT = 3583;

function invalidContent(message: string): AwsError {
  return new AwsError('InvalidRequestContentException', message, 400);
}

/** The event bytes, checked to be JSON; an empty body is `{}`. */
function eventPayload(body: Buffer): Buffer {
  if (body.length === 0) return Buffer.from('{}');
  try {
    JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw invalidContent(
      `Could not parse request body into json: Could not parse payload into json: ${(e as Error).message}`,
    );
  }
  return body;
}

function assertInvocable(fn: FunctionRecord): void {
  if (!fn.live)
    throw conflict(
      `The operation cannot be performed at this time. The function is currently in the following state: ${fn.state}`,
    );
}

/** Last 4 KB of the invocation's log, base64 (X-Amz-Log-Result). */
export function logTail(lines: string[]): string {
  const text = Buffer.from(lines.map((l) => (l.endsWith('\n') ? l : l + '\n')).join(''), 'utf8');
  return text.subarray(Math.max(0, text.length - TAIL_BYTES)).toString('base64');
}

function clientContext(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  if (header.length > MAX_CLIENT_CONTEXT)
    throw constraint(header, 'clientContext', `Member must have length less than or equal to ${MAX_CLIENT_CONTEXT}`);
  const text = Buffer.from(header, 'base64').toString('utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
  } catch {
    throw invalidContent('Client context must be a valid Base64-encoded JSON object.');
  }
  return text;
}

async function queueEvent(
  ctx: LambdaContext,
  fn: FunctionRecord,
  invokedArn: string,
  payload: Buffer,
): Promise<string> {
  const id = randomUUID();
  const now = Date.now();
  await ctx.store.queue.enqueue({
    id,
    functionArn: fn.arn,
    invokedArn,
    payload: payload.toString('utf8'),
    enqueuedAt: now,
    attempts: 0,
    serviceFailures: 0,
    notBefore: now,
  });
  return id;
}

export async function invoke(ctx: LambdaContext): Promise<AwsResponse> {
  const ref = functionRef(ctx);
  const type = ctx.req.headers['x-amz-invocation-type'] ?? 'RequestResponse';
  if (!['RequestResponse', 'Event', 'DryRun'].includes(type))
    throw constraint(type, 'invocationType', 'Member must satisfy enum value set: [Event, RequestResponse, DryRun]');
  const logType = ctx.req.headers['x-amz-log-type'] ?? 'None';
  if (logType !== 'None' && logType !== 'Tail')
    throw constraint(logType, 'logType', 'Member must satisfy enum value set: [None, Tail]');
  const fn = authorizedFunction(ctx, 'InvokeFunction', ref);
  const size = ctx.req.body.length;
  if (type === 'Event' && size > MAX_ASYNC_PAYLOAD)
    throw tooLarge(
      `${size} byte payload is too large for the Event invocation type (limit ${MAX_ASYNC_PAYLOAD} bytes)`,
    );
  if (size > MAX_SYNC_PAYLOAD)
    throw tooLarge(`Request must be smaller than ${MAX_SYNC_PAYLOAD} bytes for the InvokeFunction operation`);
  const payload = eventPayload(ctx.req.body);
  assertInvocable(fn);
  const invokedArn = qualifiedArn(ref);
  if (type === 'DryRun') return restJsonResponse(204);
  if (type === 'Event') {
    const id = await queueEvent(ctx, fn, invokedArn, payload);
    return { status: 202, headers: { 'x-amzn-requestid': id } };
  }
  const context = clientContext(ctx.req.headers['x-amz-client-context']);
  const result = await ctx.store.engine.invoke({
    spec: ctx.store.spec(fn, fn.live!),
    payload,
    requestId: ctx.req.requestId,
    invokedFunctionArn: invokedArn,
    clientContext: context,
    traceId: ctx.req.headers['x-amzn-trace-id'],
    throttle: true,
  });
  let out = result.payload;
  let functionError = result.functionError;
  if (out.length > MAX_RESPONSE) {
    out = Buffer.from(
      JSON.stringify({
        errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE} bytes).`,
        errorType: 'Function.ResponseSizeTooLarge',
      }),
    );
    functionError = 'Unhandled';
  }
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' };
  if (functionError) headers['x-amz-function-error'] = functionError;
  if (logType === 'Tail') headers['x-amz-log-result'] = logTail(result.logLines);
  return { status: 200, headers, body: out };
}

/** The deprecated InvokeAsync (`POST /2014-11-13/functions/{name}/invoke-async/`): an Event invoke. */
export async function invokeAsync(ctx: LambdaContext): Promise<AwsResponse> {
  const ref = functionRef(ctx);
  const fn = authorizedFunction(ctx, 'InvokeFunction', ref);
  if (ctx.req.body.length > MAX_ASYNC_PAYLOAD)
    throw tooLarge(
      `${ctx.req.body.length} byte payload is too large ` +
        `for the Event invocation type (limit ${MAX_ASYNC_PAYLOAD} bytes)`,
    );
  const payload = eventPayload(ctx.req.body);
  assertInvocable(fn);
  const id = await queueEvent(ctx, fn, qualifiedArn(ref), payload);
  return restJsonResponse(202, { Status: 202 }, { 'x-amzn-requestid': id });
}

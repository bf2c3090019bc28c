// Per-function settings besides the configuration: the resource policy (AddPermission, GetPolicy,
// RemovePermission; docs/local-aws/protocols.md#function-policies), asynchronous-invocation settings
// (#event-invoke-config), the recursion setting (#recursive-loops); and the account settings.
import { AwsError } from '../core/errors.ts';
import type { AwsResponse } from '../core/request.ts';
import { restJsonResponse } from '../protocols/json.ts';
import { authorizedFunction, body, functionRef, qualifiedArn, type LambdaContext } from './context.ts';
import { conflict, constraint, invalidParameter, nullError, resourceNotFound, type LambdaInput } from './input.ts';
import type { EventInvokeConfig, FunctionRecord } from './model.ts';
import { MAX_POLICY_BYTES, policyText, statementFromInput } from './permissions.ts';
import { eventInvokeConfigJson } from './render.ts';
import { MAX_UNZIPPED, MAX_ZIPPED } from './zip.ts';

export async function addPermission(ctx: LambdaContext): Promise<AwsResponse> {
  const ref = functionRef(ctx);
  const fn = authorizedFunction(ctx, 'AddPermission', ref);
  const input = body(ctx);
  const statement = statementFromInput(input, qualifiedArn(ref));
  ctx.store.checkRevision(fn, input.str('RevisionId'), 'GetPolicy');
  if (fn.policy.some((s) => s.Sid === statement.Sid))
    throw conflict(
      `The statement id (${statement.Sid}) provided already exists. ` +
        'Please provide a new statement id, or remove the existing statement.',
    );
  const size = Buffer.byteLength(policyText([...fn.policy, statement]));
  if (size > MAX_POLICY_BYTES)
    throw new AwsError(
      'PolicyLengthExceededException',
      `The final policy size (${size}) is bigger than the limit (${MAX_POLICY_BYTES}).`,
      400,
    );
  fn.policy.push(statement);
  ctx.store.touch(fn);
  await ctx.store.save();
  return restJsonResponse(201, { Statement: JSON.stringify(statement) });
}

export async function getPolicy(ctx: LambdaContext): Promise<AwsResponse> {
  const fn = authorizedFunction(ctx, 'GetPolicy');
  if (fn.policy.length === 0) throw resourceNotFound('The resource you requested does not exist.');
  return restJsonResponse(200, { Policy: policyText(fn.policy), RevisionId: fn.revisionId });
}

export async function removePermission(ctx: LambdaContext): Promise<AwsResponse> {
  const fn = authorizedFunction(ctx, 'RemovePermission');
  const sid = ctx.segments[3] ?? '';
  ctx.store.checkRevision(fn, ctx.req.query.get('RevisionId') ?? undefined, 'GetPolicy');
  const i = fn.policy.findIndex((s) => s.Sid === sid);
  if (i < 0) throw resourceNotFound(`Statement ${sid} is not found in resource policy.`);
  fn.policy.splice(i, 1);
  ctx.store.touch(fn);
  await ctx.store.save();
  return restJsonResponse(204);
}

// ---- asynchronous invocation settings ----

const DESTINATION_ARN =
  /^arn:aws[a-zA-Z-]*:(sqs|sns|lambda|events|s3):[a-z0-9-]*:\d{0,12}:.+$|^arn:aws[a-zA-Z-]*:s3:::[a-z0-9.-]+$/;

function noConfig(fn: FunctionRecord): AwsError {
  return resourceNotFound(`The function ${fn.arn}:$LATEST doesn't have an EventInvokeConfig`);
}

function destination(input: LambdaInput | undefined, fn: FunctionRecord): string | null | undefined {
  if (!input) return undefined;
  const arn = input.str('Destination', { min: 0, max: 350 });
  if (!arn) return null;
  if (!DESTINATION_ARN.test(arn)) throw invalidParameter(`The destination ARN ${arn} is invalid.`);
  const unqualified = arn.replace(/^(arn:[^:]+:lambda:[^:]+:\d{12}:function:[^:]+):.*$/, '$1');
  if (unqualified === fn.arn) throw invalidParameter("You can't specify the function as a destination for itself.");
  return arn;
}

/** Put replaces the settings, Update merges into the existing ones. */
async function writeEventInvokeConfig(ctx: LambdaContext, op: 'Put' | 'Update'): Promise<AwsResponse> {
  const fn = authorizedFunction(ctx, `${op}FunctionEventInvokeConfig`);
  const input = body(ctx);
  const retries = input.int('MaximumRetryAttempts', { min: 0, max: 2 });
  const age = input.int('MaximumEventAgeInSeconds', { min: 60, max: 21600 });
  const dc = input.obj('DestinationConfig');
  const onSuccess = destination(dc?.obj('OnSuccess'), fn);
  const onFailure = destination(dc?.obj('OnFailure'), fn);
  if (retries === undefined && age === undefined && !dc)
    throw invalidParameter('You must specify at least one of error handling or destination setting.');
  const base: EventInvokeConfig | undefined = op === 'Update' ? fn.eventInvokeConfig : undefined;
  if (op === 'Update' && !base) throw noConfig(fn);
  const next: EventInvokeConfig = {
    maximumRetryAttempts: retries ?? base?.maximumRetryAttempts,
    maximumEventAgeInSeconds: age ?? base?.maximumEventAgeInSeconds,
    destinations: { ...(base?.destinations ?? {}) },
    lastModified: Date.now() / 1000,
  };
  if (onSuccess !== undefined) next.destinations.onSuccess = onSuccess ?? undefined;
  if (onFailure !== undefined) next.destinations.onFailure = onFailure ?? undefined;
  fn.eventInvokeConfig = next;
  await ctx.store.save();
  return restJsonResponse(200, eventInvokeConfigJson(fn, next));
}

export const putEventInvokeConfig = (ctx: LambdaContext) => writeEventInvokeConfig(ctx, 'Put');
export const updateEventInvokeConfig = (ctx: LambdaContext) => writeEventInvokeConfig(ctx, 'Update');

export async function getEventInvokeConfig(ctx: LambdaContext): Promise<AwsResponse> {
  const fn = authorizedFunction(ctx, 'GetFunctionEventInvokeConfig');
  if (!fn.eventInvokeConfig) throw noConfig(fn);
  return restJsonResponse(200, eventInvokeConfigJson(fn, fn.eventInvokeConfig));
}

export async function deleteEventInvokeConfig(ctx: LambdaContext): Promise<AwsResponse> {
  const fn = authorizedFunction(ctx, 'DeleteFunctionEventInvokeConfig');
  if (!fn.eventInvokeConfig) throw noConfig(fn);
  fn.eventInvokeConfig = undefined;
  await ctx.store.save();
  return restJsonResponse(204);
}

export async function listEventInvokeConfigs(ctx: LambdaContext): Promise<AwsResponse> {
  const fn = authorizedFunction(ctx, 'ListFunctionEventInvokeConfigs');
  const list = fn.eventInvokeConfig ? [eventInvokeConfigJson(fn, fn.eventInvokeConfig)] : [];
  return restJsonResponse(200, { FunctionEventInvokeConfigs: list });
}

// ---- recursion, account ----

export async function getRecursionConfig(ctx: LambdaContext): Promise<AwsResponse> {
  const fn = authorizedFunction(ctx, 'GetFunctionRecursionConfig');
  return restJsonResponse(200, { RecursiveLoop: fn.recursiveLoop });
}

export async function putRecursionConfig(ctx: LambdaContext): Promise<AwsResponse> {
  const fn = authorizedFunction(ctx, 'PutFunctionRecursionConfig');
  const value = body(ctx).str('RecursiveLoop');
  if (value === undefined) throw nullError('recursiveLoop');
  if (value !== 'Allow' && value !== 'Terminate')
    throw constraint(value, 'recursiveLoop', 'Member must satisfy enum value set: [Allow, Terminate]');
  fn.recursiveLoop = value;
  await ctx.store.save();
  return restJsonResponse(200, { RecursiveLoop: value });
}

export async function getAccountSettings(ctx: LambdaContext): Promise<AwsResponse> {
  ctx.backend.authorize(ctx.req, 'lambda:GetAccountSettings', '*');
  const fns = ctx.store.list(ctx.req.region);
  const limit = Math.max(1, ctx.backend.config.lambdaMaxConcurrency);
  return restJsonResponse(200, {
    AccountLimit: {
      TotalCodeSize: 80530636800,
      CodeSizeUnzipped: MAX_UNZIPPED,
      CodeSizeZipped: MAX_ZIPPED,
      ConcurrentExecutions: limit,
      UnreservedConcurrentExecutions: limit,
    },
    AccountUsage: { TotalCodeSize: fns.reduce((n, f) => n + f.config.codeSize, 0), FunctionCount: fns.length },
  });
}

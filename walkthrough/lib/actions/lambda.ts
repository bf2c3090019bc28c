// Lambda actions: one SDK call (or one SDK waiter) each.
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetPolicyCommand,
  InvokeCommand,
  RemovePermissionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  type Architecture,
  type CreateFunctionCommandInput,
  type FunctionConfiguration,
  type InvokeCommandOutput,
  type Runtime,
  type UpdateFunctionConfigurationCommandInput,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import { awsCommand, cliJson, shellQuote } from '../aws-cli.ts';
import { awsCode, isNotFound, UserError } from '../errors.ts';
import { stepRef } from '../steps.ts';
import { retry } from '../retry.ts';
import { change, type ActionCtx } from './run.ts';
import { registerClient } from '../context.ts';

registerClient('lambda', LambdaClient);

export async function getFunction(ctx: ActionCtx, name: string) {
  try {
    return await ctx.clients.lambda.send(new GetFunctionCommand({ FunctionName: name }));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export interface FunctionDefinition {
  name: string;
  roleArn: string;
  runtime: string;
  handler: string;
  architecture: string;
  memorySize: number;
  timeout: number;
  environment: Record<string, string>;
  tags: Record<string, string>;
  zipPath: string;
  description: string;
  /** Layer version ARNs, in order (the sharp layer); absent: no layers, and not compared. */
  layers?: string[];
}

function envCli(env: Record<string, string>): string {
  return cliJson({ Variables: env });
}

/** `code.zip` is read only when the call is made (as for the other code uploads). */
export function createFunction(ctx: ActionCtx, def: FunctionDefinition, code: { readonly zip: Buffer }) {
  const input = (): CreateFunctionCommandInput => ({
    FunctionName: def.name,
    Role: def.roleArn,
    Runtime: def.runtime as Runtime,
    Handler: def.handler,
    Architectures: [def.architecture as Architecture],
    MemorySize: def.memorySize,
    Timeout: def.timeout,
    Environment: { Variables: def.environment },
    Tags: def.tags,
    Description: def.description,
    Code: { ZipFile: code.zip },
    Layers: def.layers?.length ? def.layers : undefined,
  });
  return change(
    ctx,
    `create function ${def.name}`,
    awsCommand(ctx.cliTarget, 'lambda', 'create-function', {
      'function-name': def.name,
      role: def.roleArn,
      runtime: def.runtime,
      handler: def.handler,
      architectures: def.architecture,
      'memory-size': def.memorySize,
      timeout: def.timeout,
      environment: envCli(def.environment),
      tags: Object.entries(def.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
      description: def.description,
      'zip-file': `fileb://${def.zipPath}`,
      layers: def.layers?.length ? def.layers : undefined,
    }),
    () => ctx.clients.lambda.send(new CreateFunctionCommand(input())),
  );
}

export function updateFunctionCode(
  ctx: ActionCtx,
  name: string,
  code: { readonly zip: Buffer },
  zipPath: string,
  architecture: string,
) {
  return change(
    ctx,
    `update the code of ${name}`,
    awsCommand(ctx.cliTarget, 'lambda', 'update-function-code', {
      'function-name': name,
      'zip-file': `fileb://${zipPath}`,
      architectures: architecture,
    }),
    () =>
      ctx.clients.lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: name,
          ZipFile: code.zip,
          Architectures: [architecture as Architecture],
        }),
      ),
  );
}

export function updateFunctionConfiguration(
  ctx: ActionCtx,
  input: UpdateFunctionConfigurationCommandInput,
  what: string,
) {
  return change(
    ctx,
    `update ${what} of ${input.FunctionName}`,
    awsCommand(ctx.cliTarget, 'lambda', 'update-function-configuration', {
      'function-name': input.FunctionName,
      role: input.Role,
      runtime: input.Runtime,
      handler: input.Handler,
      'memory-size': input.MemorySize,
      timeout: input.Timeout,
      environment: input.Environment ? envCli(input.Environment.Variables ?? {}) : undefined,
      layers: input.Layers,
    }),
    () => ctx.clients.lambda.send(new UpdateFunctionConfigurationCommand(input)),
  );
}

const WAIT_SECONDS = 300;
/** First re-check after 0.25 s, then backing off to 5 s: a quick state change is seen at once. */
const POLL = { minDelay: 0.25, maxDelay: 5 };

export async function waitFunctionActiveV2(ctx: ActionCtx, name: string): Promise<void> {
  ctx.report.cli(awsCommand(ctx.cliTarget, 'lambda', 'wait function-active-v2', { 'function-name': name }));
  if (ctx.dryRun) return;
  await waitUntilFunctionActiveV2(
    { client: ctx.clients.lambda, maxWaitTime: WAIT_SECONDS, ...POLL },
    { FunctionName: name },
  ).catch((err: unknown) => {
    throw waiterError(ctx, err, name, 'become Active', WAIT_SECONDS);
  });
}

export async function waitFunctionUpdatedV2(ctx: ActionCtx, name: string): Promise<void> {
  ctx.report.cli(awsCommand(ctx.cliTarget, 'lambda', 'wait function-updated-v2', { 'function-name': name }));
  if (ctx.dryRun) return;
  await waitUntilFunctionUpdatedV2(
    { client: ctx.clients.lambda, maxWaitTime: WAIT_SECONDS, ...POLL },
    { FunctionName: name },
  ).catch((err: unknown) => {
    throw waiterError(ctx, err, name, 'finish its update', WAIT_SECONDS);
  });
}

/** The function's state as the waiter last saw it (its error message is that result, as JSON). */
interface WaiterResult {
  state?: string;
  reason?: FunctionConfiguration & { Configuration?: FunctionConfiguration };
}

/**
 * An SDK waiter that timed out, or saw the function fail (State Failed, LastUpdateStatus Failed),
 * as a message with the state reason and how to look further. Anything else is returned as is.
 */
export function waiterError(
  ctx: Pick<ActionCtx, 'cliTarget'>,
  err: unknown,
  name: string,
  goal: string,
  seconds: number,
): unknown {
  if (!(err instanceof Error) || !err.message.startsWith('{')) return err;
  let result: WaiterResult;
  try {
    result = JSON.parse(err.message) as WaiterResult;
  } catch {
    return err;
  }
  const c = result.reason?.Configuration ?? result.reason ?? {};
  const stateCommand = awsCommand(ctx.cliTarget, 'lambda', 'get-function-configuration', { 'function-name': name });
  const look =
    `See its state with \`${stateCommand}\` ` +
    `and its log with \`${awsCommand(ctx.cliTarget, 'logs', 'tail', { since: '15m' }, [`/aws/lambda/${name}`])}\``;
  const now = `state ${c.State ?? 'unknown'}, last update ${c.LastUpdateStatus ?? 'unknown'}`;
  if (err.name === 'TimeoutError')
    return new UserError(
      `Gave up after ${seconds} s waiting for function ${name} to ${goal} (${now}).`,
      `${look}; then re-run this step: it resumes.`,
    );
  const why =
    c.State === 'Failed'
      ? `${c.StateReason ?? 'no reason given'}${c.StateReasonCode ? ` (${c.StateReasonCode})` : ''}`
      : `${c.LastUpdateStatusReason ?? 'no reason given'}` +
        `${c.LastUpdateStatusReasonCode ? ` (${c.LastUpdateStatusReasonCode})` : ''}`;
  return new UserError(
    `Function ${name} did not ${goal}: ${now}: ${why}.`,
    `Fix the cause above (re-running ${stepRef('role')} repairs the role), ` +
      `then re-run ${stepRef('function')}. ${look}.`,
  );
}

export function deleteFunction(ctx: ActionCtx, name: string) {
  return change(
    ctx,
    `delete function ${name}`,
    awsCommand(ctx.cliTarget, 'lambda', 'delete-function', { 'function-name': name }),
    () => ctx.clients.lambda.send(new DeleteFunctionCommand({ FunctionName: name })),
  );
}

export interface PolicyStatement {
  Sid?: string;
  Principal?: unknown;
  Action?: unknown;
  Condition?: Record<string, Record<string, string>>;
}

/** The function's resource policy statements ([] when it has none). */
export async function getPolicy(ctx: ActionCtx, name: string): Promise<PolicyStatement[]> {
  try {
    const r = await ctx.clients.lambda.send(new GetPolicyCommand({ FunctionName: name }));
    return (JSON.parse(r.Policy ?? '{}') as { Statement?: PolicyStatement[] }).Statement ?? [];
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

export interface InvokePermission {
  functionName: string;
  statementId: string;
  /** The service allowed to invoke: s3.amazonaws.com or sns.amazonaws.com. */
  principal: string;
  /** Only for this bucket or topic. */
  sourceArn: string;
  /** Only for buckets of this account (S3 ARNs carry no account). */
  sourceAccount?: string;
}

/** Lets one service invoke the function, for one source only. */
export function addPermission(ctx: ActionCtx, p: InvokePermission) {
  return change(
    ctx,
    `allow ${p.principal} to invoke ${p.functionName} for ${p.sourceArn}`,
    awsCommand(ctx.cliTarget, 'lambda', 'add-permission', {
      'function-name': p.functionName,
      'statement-id': p.statementId,
      action: 'lambda:InvokeFunction',
      principal: p.principal,
      'source-arn': p.sourceArn,
      'source-account': p.sourceAccount,
    }),
    () =>
      ctx.clients.lambda.send(
        new AddPermissionCommand({
          FunctionName: p.functionName,
          StatementId: p.statementId,
          Action: 'lambda:InvokeFunction',
          Principal: p.principal,
          SourceArn: p.sourceArn,
          SourceAccount: p.sourceAccount,
        }),
      ),
  );
}

export function removePermission(ctx: ActionCtx, functionName: string, statementId: string) {
  return change(
    ctx,
    `remove permission ${statementId} from ${functionName}`,
    awsCommand(ctx.cliTarget, 'lambda', 'remove-permission', {
      'function-name': functionName,
      'statement-id': statementId,
    }),
    () =>
      ctx.clients.lambda.send(new RemovePermissionCommand({ FunctionName: functionName, StatementId: statementId })),
  );
}

/** Lambda's answer while a brand-new role is not yet visible to it (IAM is eventually consistent; pitfall 2). */
export function isRoleNotReady(err: unknown): boolean {
  return (
    awsCode(err) === 'InvalidParameterValueException' && /cannot be assumed by Lambda/i.test((err as Error).message)
  );
}

/**
 * Runs `create` (a CreateFunction), retried with backoff while the function's new role is not visible to
 * Lambda, up to `deadlineMs`.
 */
export function retryWhileRoleNotReady<T>(ctx: ActionCtx, create: () => Promise<T>, deadlineMs = 120_000): Promise<T> {
  return retry(create, {
    deadlineMs,
    initialDelayMs: 1000,
    retryable: isRoleNotReady,
    onRetry: () =>
      ctx.report.info('the new role is not visible to Lambda yet (IAM is eventually consistent); retrying'),
  });
}

export interface InvokeOutcome {
  statusCode: number;
  functionError?: string;
  payload: string;
  /** The last 4 KB of the invocation's log (START … REPORT) when asked for; else empty. */
  logTail: string;
}

function outcomeOf(r: InvokeCommandOutput): InvokeOutcome {
  return {
    statusCode: r.StatusCode ?? 0,
    functionError: r.FunctionError,
    payload: r.Payload ? Buffer.from(r.Payload).toString('utf8') : '',
    logTail: r.LogResult ? Buffer.from(r.LogResult, 'base64').toString('utf8') : '',
  };
}

/** `aws lambda invoke … --log-type Tail` printing the log tail (REPORT line included). */
export function invokeTailCli(ctx: ActionCtx, name: string, eventFile: string, outFile: string): string {
  return (
    awsCommand(ctx.cliTarget, 'lambda', 'invoke', {
      'function-name': name,
      'cli-binary-format': 'raw-in-base64-out',
      payload: `file://${eventFile}`,
      'log-type': 'Tail',
      query: 'LogResult',
      output: 'text',
    }) + ` ${shellQuote(outFile)} | base64 --decode`
  );
}

/** A synchronous invoke with the log tail; the caller prints the aws-cli equivalent (the extras: once for
 * many calls). */
export async function invokeTail(ctx: ActionCtx, name: string, event: unknown): Promise<InvokeOutcome> {
  return outcomeOf(
    await ctx.clients.lambda.send(
      new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(event)), LogType: 'Tail' }),
    ),
  );
}

export async function invoke(
  ctx: ActionCtx,
  name: string,
  event: unknown,
  eventFile: string,
  outFile: string,
): Promise<InvokeOutcome> {
  ctx.report.cli(invokeTailCli(ctx, name, eventFile, outFile));
  return invokeTail(ctx, name, event);
}

/** `aws lambda invoke` with the JSON event inline, printing the function's answer. */
export function invokeJsonCli(ctx: ActionCtx, name: string, event: unknown): string {
  return (
    awsCommand(ctx.cliTarget, 'lambda', 'invoke', {
      'function-name': name,
      'cli-binary-format': 'raw-in-base64-out',
      payload: cliJson(event),
    }) + ' /dev/stdout'
  );
}

/** A synchronous invoke with a JSON event given inline (lambdash: one command per call). */
export async function invokeJson(ctx: ActionCtx, name: string, event: unknown): Promise<InvokeOutcome> {
  ctx.report.cli(invokeJsonCli(ctx, name, event));
  return outcomeOf(
    await ctx.clients.lambda.send(
      new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(event)) }),
    ),
  );
}

export type { FunctionConfiguration };

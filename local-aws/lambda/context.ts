// What every Lambda operation handler gets, and the steps they share: resolving the function the
// path names and authorising `lambda:<Op>` on it.
import type { LocalAwsConfig } from '../config.ts';
import type { AwsRequest, AwsResponse } from '../core/request.ts';
import { parseJsonBody } from '../protocols/json.ts';
import { invalidParameter, LambdaInput } from './input.ts';
import { parseFunctionRef, type FunctionRecord, type FunctionRef } from './model.ts';
import type { Authorizer } from '../iam/authorize.ts';
import { requestPrincipal } from '../iam/resource-policy.ts';
import type { IamStore } from '../iam/store.ts';
import { functionPolicyDecision } from './permissions.ts';
import type { LambdaStore } from './store.ts';

/** What Lambda's handlers use of the endpoint (Backend is one): IAM for roles, S3 for code. */
export interface LambdaBackend extends Authorizer {
  readonly config: LocalAwsConfig;
  readonly lambda: LambdaStore;
  readonly iam: Pick<IamStore, 'roleByArn' | 'canAssume'>;
  /** S3's bytes of an object (S3Bucket/S3Key code); the caller's s3:GetObject is checked with decide(). */
  readonly s3: { getObjectBytes(bucket: string, key: string): Promise<Buffer> };
}

export interface LambdaContext {
  req: AwsRequest;
  backend: LambdaBackend;
  store: LambdaStore;
  /** Path segments after the API version, percent-decoded one by one. */
  segments: string[];
}

export type LambdaHandler = (ctx: LambdaContext) => Promise<AwsResponse>;

export function body(ctx: LambdaContext): LambdaInput {
  return new LambdaInput(parseJsonBody(ctx.req, 'InvalidRequestContentException'));
}

/** The function named in the path (segment 1), with the query's Qualifier. */
export function functionRef(ctx: LambdaContext, raw = ctx.segments[1] ?? ''): FunctionRef {
  const q = ctx.req.query.get('Qualifier') ?? undefined;
  return parseFunctionRef(raw, ctx.req.region, ctx.backend.config.accountId, q);
}

export function qualifiedArn(ref: FunctionRef): string {
  return ref.qualifier ? `${ref.arn}:${ref.qualifier}` : ref.arn;
}

/**
 * Authorises `lambda:<op>` on the function (identity and resource policy), then finds it:
 * an unauthorised caller learns nothing about whether it exists.
 */
export function authorizedFunction(ctx: LambdaContext, op: string, ref = functionRef(ctx)): FunctionRecord {
  const fn = ref.accountId === ctx.backend.config.accountId ? ctx.store.get(ref.arn) : undefined;
  authorizeFunction(ctx, `lambda:${op}`, qualifiedArn(ref), fn);
  return ctx.store.require(ref);
}

/**
 * `lambda:<Op>` on a function: the root may do everything; a role session needs an Allow in its
 * identity policies or in the function's policy, and no Deny in either.
 */
export function authorizeFunction(
  ctx: Pick<LambdaContext, 'backend' | 'req'>,
  action: string,
  resource: string,
  fn: FunctionRecord | undefined,
): void {
  ctx.backend.authorizeWithResourcePolicy(ctx.req, action, resource, () =>
    fn ? functionPolicyDecision(fn, requestPrincipal(ctx.req.caller), action, resource) : 'none',
  );
}

/**
 * The role must exist and trust lambda.amazonaws.com (checked the way Lambda's sts:AssumeRole would be),
 * and the caller needs iam:PassRole on it.
 */
export function checkRole(ctx: Pick<LambdaContext, 'backend' | 'req'>, roleArn: string): void {
  ctx.backend.authorize(ctx.req, 'iam:PassRole', roleArn);
  const role = ctx.backend.iam.roleByArn(roleArn);
  if (!role || !ctx.backend.iam.canAssume(role, { service: 'lambda.amazonaws.com' }))
    throw invalidParameter('The role defined for the function cannot be assumed by Lambda.');
}

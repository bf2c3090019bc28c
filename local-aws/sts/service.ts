// Wire protocol of the local STS (query protocol): GetCallerIdentity and AssumeRole.
import { AwsError } from '../core/errors.ts';
import type { AwsRequest, AwsResponse } from '../core/request.ts';
import { parsePolicyDocument } from '../iam/policy.ts';
import { invalidAction, QueryParams, queryResponse } from '../protocols/query.ts';
import { assumeRoleAs, MAX_DURATION_SECONDS, MIN_DURATION_SECONDS, type CallerRoleSessions } from './assume.ts';

export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

function constraint(value: string, field: string, rule: string): AwsError {
  return new AwsError(
    'ValidationError',
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${rule}`,
    400,
  );
}

function lengthBetween(value: string, field: string, min: number, max: number): void {
  if (value.length < min) throw constraint(value, field, `Member must have length greater than or equal to ${min}`);
  if (value.length > max) throw constraint(value, field, `Member must have length less than or equal to ${max}`);
}

/** Session policies: an inline `Policy` and/or up to 10 managed `PolicyArns`, as JSON texts. */
function sessionPolicies(params: QueryParams, backend: CallerRoleSessions): string[] {
  const out: string[] = [];
  const inline = params.get('Policy');
  if (inline !== undefined) {
    lengthBetween(inline, 'policy', 1, 2048);
    parsePolicyDocument(inline, 'identity');
    out.push(inline);
  }
  const arns = params.structList('PolicyArns').map((p) => p.arn ?? '');
  if (arns.length > 10) throw constraint('[…]', 'policyArns', 'Member must have length less than or equal to 10');
  for (const arn of arns) {
    const doc = backend.iam.policies.defaultDocument(arn);
    if (doc === undefined)
      throw new AwsError('ValidationError', `Policy ${arn} does not exist or is not attachable.`, 400);
    out.push(doc);
  }
  return out;
}

async function assumeRole(req: AwsRequest, params: QueryParams, backend: CallerRoleSessions): Promise<AwsResponse> {
  const roleArn = params.required('RoleArn');
  lengthBetween(roleArn, 'roleArn', 20, 2048);
  if (!/^arn:aws[\w-]*:iam::\d{12}:role\/\S+$/.test(roleArn))
    throw new AwsError('ValidationError', `${roleArn} is invalid`, 400);
  const sessionName = params.required('RoleSessionName');
  lengthBetween(sessionName, 'roleSessionName', 2, 64);
  if (!/^[\w+=,.@-]+$/.test(sessionName))
    throw constraint(sessionName, 'roleSessionName', 'Member must satisfy regular expression pattern: [\\w+=,.@-]*');
  const duration = params.int('DurationSeconds');
  if (duration !== undefined && duration < MIN_DURATION_SECONDS)
    throw constraint(
      String(duration),
      'durationSeconds',
      `Member must have value greater than or equal to ${MIN_DURATION_SECONDS}`,
    );
  if (duration !== undefined && duration > MAX_DURATION_SECONDS)
    throw constraint(
      String(duration),
      'durationSeconds',
      `Member must have value less than or equal to ${MAX_DURATION_SECONDS}`,
    );
  const externalId = params.get('ExternalId');
  if (externalId !== undefined) lengthBetween(externalId, 'externalId', 2, 1224);
  const policies = sessionPolicies(params, backend);

  const session = await assumeRoleAs(backend, req.caller, {
    roleArn,
    sessionName,
    durationSeconds: duration,
    sessionPolicies: policies,
    externalId,
  });
  const packed = params.get('Policy');
  return queryResponse('AssumeRole', STS_XMLNS, req.requestId, {
    Credentials: {
      AccessKeyId: session.accessKeyId,
      SecretAccessKey: session.secretAccessKey,
      SessionToken: session.sessionToken,
      Expiration: session.expiration,
    },
    AssumedRoleUser: {
      AssumedRoleId: `${session.roleId}:${session.sessionName}`,
      Arn: `arn:aws:sts::${session.accountId}:assumed-role/${session.roleName}/${session.sessionName}`,
    },
    // Percentage of the packed-policy allowance used (AWS reports it when a session policy was passed).
    PackedPolicySize: packed !== undefined ? Math.ceil((packed.length / 2048) * 100) : undefined,
  });
}

export async function handleSts(req: AwsRequest, backend: CallerRoleSessions): Promise<AwsResponse> {
  const params = new QueryParams(req);
  switch (params.action) {
    case 'GetCallerIdentity':
      // Needs no permission.
      return queryResponse('GetCallerIdentity', STS_XMLNS, req.requestId, {
        UserId: req.caller.userId,
        Account: req.caller.accountId,
        Arn: req.caller.arn,
      });
    case 'AssumeRole':
      return assumeRole(req, params, backend);
    default:
      throw invalidAction(params.action, '2011-06-15');
  }
}

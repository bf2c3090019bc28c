// Minting role sessions: for STS AssumeRole callers (trust policy + identity policy checks,
// docs/local-aws/protocols.md#assumerole), and for AWS services that act as a role (Lambda assumes a
// function's role as lambda.amazonaws.com).
import type { LocalAwsConfig } from '../config.ts';
import { AwsError } from '../core/errors.ts';
import type { Caller } from '../core/request.ts';
import type { ConditionContext, Decision } from '../iam/evaluate.ts';
import { requestPrincipal } from '../iam/resource-policy.ts';
import type { IamStore, Role } from '../iam/store.ts';
import type { Session, StsStore } from './store.ts';

/** What minting sessions needs: the account's roles and sessions (Backend is one). */
export interface RoleSessions {
  readonly config: Pick<LocalAwsConfig, 'accountId'>;
  readonly iam: IamStore;
  readonly sts: StsStore;
}

/** The same for a signed-in caller, whose own identity policies count too. */
export interface CallerRoleSessions extends RoleSessions {
  decide(caller: Caller, action: string, resource: string, context?: ConditionContext): Decision;
}

/** Why a service could not assume a role. */
export class AssumeRoleRefused extends Error {
  constructor(
    readonly reason: 'no-such-role' | 'not-trusted',
    readonly roleArn: string,
    readonly principal: string,
  ) {
    super(
      reason === 'no-such-role'
        ? `The role ${roleArn} does not exist.`
        : `The role ${roleArn} cannot be assumed by ${principal}: its trust policy does not allow it.`,
    );
    this.name = 'AssumeRoleRefused';
  }
}

export const MIN_DURATION_SECONDS = 900;
export const MAX_DURATION_SECONDS = 43200;
/** A session that assumes another role ("role chaining") gets at most one hour. */
export const CHAINED_MAX_SECONDS = 3600;

/**
 * Issues a session for `roleArn` on behalf of an AWS service principal (no caller credentials involved).
 * Throws AssumeRoleRefused when the role is missing or its trust policy does not name the service.
 */
export async function assumeRoleForService(
  backend: RoleSessions,
  roleArn: string,
  servicePrincipal: string,
  sessionName: string,
  durationSeconds = 3600,
): Promise<Session> {
  const role = backend.iam.roleByArn(roleArn);
  if (!role) throw new AssumeRoleRefused('no-such-role', roleArn, servicePrincipal);
  if (!backend.iam.canAssume(role, { service: servicePrincipal }))
    throw new AssumeRoleRefused('not-trusted', roleArn, servicePrincipal);
  const duration = Math.min(Math.max(durationSeconds, MIN_DURATION_SECONDS), MAX_DURATION_SECONDS);
  return issueFor(backend, role, sessionName, duration);
}

function issueFor(
  backend: RoleSessions,
  role: Role,
  sessionName: string,
  durationSeconds: number,
  sessionPolicies?: string[],
): Promise<Session> {
  return backend.sts.issue({
    accountId: backend.config.accountId,
    roleArn: role.arn,
    roleName: role.roleName,
    roleId: role.roleId,
    sessionName,
    durationSeconds,
    sessionPolicies,
  });
}

/**
 * STS AssumeRole for a signed-in caller (inputs already validated). The trust policy must allow the
 * caller; when it names only the caller's account, the caller's identity policies must allow
 * sts:AssumeRole too (the root always may). Any explicit Deny refuses.
 */
export async function assumeRoleAs(
  backend: CallerRoleSessions,
  caller: Caller,
  opts: {
    roleArn: string;
    sessionName: string;
    durationSeconds?: number;
    sessionPolicies?: string[];
    externalId?: string;
  },
): Promise<Session> {
  const denied = () =>
    new AwsError(
      'AccessDenied',
      `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${opts.roleArn}`,
      403,
    );
  const role = backend.iam.roleByArn(opts.roleArn);
  if (!role) throw denied();
  const context: ConditionContext = {
    'aws:PrincipalArn': caller.kind === 'root' ? caller.arn : caller.roleArn,
    'aws:PrincipalAccount': caller.accountId,
    'sts:RoleSessionName': opts.sessionName,
  };
  if (opts.externalId !== undefined) context['sts:ExternalId'] = opts.externalId;
  const trust = backend.iam.trustDecision(role, requestPrincipal(caller), context);
  const identity = backend.decide(caller, 'sts:AssumeRole', role.arn, context);
  if (trust.decision !== 'allow' || identity === 'explicit-deny') throw denied();
  if (trust.allowedBy === 'account' && identity !== 'allow') throw denied();

  const requested = opts.durationSeconds ?? 3600;
  if (requested > role.maxSessionDuration)
    throw new AwsError(
      'ValidationError',
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      400,
    );
  if (caller.kind === 'session' && requested > CHAINED_MAX_SECONDS)
    throw new AwsError(
      'ValidationError',
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      400,
    );
  return issueFor(backend, role, opts.sessionName, requested, opts.sessionPolicies);
}

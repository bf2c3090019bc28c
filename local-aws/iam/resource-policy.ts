// Resource-based policies (a function's, a topic's): one verdict for every service that keeps such a
// policy, and how a caller or an AWS service appears as the policy's `Principal`.
import type { Caller } from '../core/request.ts';
import { evaluatePoliciesDetailed, type ConditionContext, type RequestPrincipal } from './evaluate.ts';
import type { PolicyDocument } from './policy.ts';

export type ResourcePolicyDecision = 'allow' | 'explicit-deny' | 'none';

/** The caller as a policy's `Principal` sees it: root by its root ARN, a session by its session and role ARNs. */
export function requestPrincipal(caller: Caller): RequestPrincipal {
  if (caller.kind === 'root') return { type: 'AWS', arn: caller.arn, accountId: caller.accountId };
  return { type: 'AWS', arn: caller.arn, accountId: caller.accountId, aliases: [caller.roleArn] };
}

/** The policy's verdict for one principal and action ('none' without a policy). */
export function resourcePolicyDecision(
  policy: PolicyDocument | undefined,
  principal: RequestPrincipal,
  action: string,
  resource: string,
  context: ConditionContext = {},
): ResourcePolicyDecision {
  if (!policy) return 'none';
  const result = evaluatePoliciesDetailed([policy], { action, resource, principal, context });
  if (result.decision === 'explicit-deny') return 'explicit-deny';
  // An Allow naming only the account delegates to the account's identity policies.
  return result.decision === 'allow' && result.allowedBy !== 'account' ? 'allow' : 'none';
}

/** May an AWS service (s3.amazonaws.com, sns.amazonaws.com) do `action` for this source, by the policy? */
export function serviceAllowed(
  policy: PolicyDocument | undefined,
  service: string,
  action: string,
  resource: string,
  context: ConditionContext,
): boolean {
  return resourcePolicyDecision(policy, { type: 'Service', service }, action, resource, context) === 'allow';
}

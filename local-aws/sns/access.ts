// Who may do what on a topic (docs/local-aws/protocols.md#iam-policy-evaluation): the caller's identity
// policies and the topic's policy together, an explicit deny in either winning; and whether an AWS
// service (S3) may publish.
import type { Backend } from '../backend.ts';
import type { AwsRequest } from '../core/request.ts';
import { evaluatePoliciesDetailed, type ConditionContext, type RequestPrincipal } from '../iam/evaluate.ts';
import type { PolicyDocument } from '../iam/policy.ts';
import { requestPrincipal } from '../lambda/permissions.ts';
import type { TopicRecord } from './store.ts';

function policyOf(topic: TopicRecord): PolicyDocument | undefined {
  const text = topic.attributes.Policy;
  if (!text) return undefined;
  try {
    return JSON.parse(text) as PolicyDocument;
  } catch {
    return undefined; // validated when set: unreachable
  }
}

/** The topic policy's verdict for one principal and action. */
export function topicPolicyDecision(
  topic: TopicRecord,
  principal: RequestPrincipal,
  action: string,
  context: ConditionContext = {},
): 'allow' | 'explicit-deny' | 'none' {
  const policy = policyOf(topic);
  if (!policy) return 'none';
  const result = evaluatePoliciesDetailed([policy], { action, resource: topic.arn, principal, context });
  if (result.decision === 'explicit-deny') return 'explicit-deny';
  // An Allow naming only the account delegates to the account's identity policies.
  return result.decision === 'allow' && result.allowedBy !== 'account' ? 'allow' : 'none';
}

/**
 * `SNS:<Op>` (AWS's spelling in its messages) on a topic or `*`: the root may do everything; a role
 * session needs an Allow in its identity policies or in the topic's policy, and no Deny in either.
 * Requests made directly carry no AWS:SourceOwner, so the default topic policy grants them nothing.
 */
export function authorizeSns(
  backend: Backend,
  req: AwsRequest,
  operation: string,
  resource: string,
  topic?: TopicRecord,
): void {
  const action = `SNS:${operation}`;
  backend.authorizeWithResourcePolicy(req, action, resource, () =>
    topic ? topicPolicyDecision(topic, requestPrincipal(req.caller), action) : 'none',
  );
}

/** May an AWS service (s3.amazonaws.com) publish to the topic for this source (bucket ARN, owner account)? */
export function servicePublishAllowed(
  topic: TopicRecord,
  service: string,
  sourceArn: string,
  sourceAccount: string,
): boolean {
  const context = { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': sourceAccount, 'aws:SourceOwner': sourceAccount };
  return topicPolicyDecision(topic, { type: 'Service', service }, 'SNS:Publish', context) === 'allow';
}

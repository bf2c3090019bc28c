// What a topic's policy allows (docs/local-aws/protocols.md#iam-policy-evaluation): its verdict for a
// caller, and whether an AWS service (S3) may publish to it.
import type { ConditionContext, RequestPrincipal } from '../iam/evaluate.ts';
import type { PolicyDocument } from '../iam/policy.ts';
import { resourcePolicyDecision, serviceAllowed, type ResourcePolicyDecision } from '../iam/resource-policy.ts';
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
): ResourcePolicyDecision {
  return resourcePolicyDecision(policyOf(topic), principal, action, topic.arn, context);
}

/** May an AWS service (s3.amazonaws.com) publish to the topic for this source (bucket ARN, owner account)? */
export function servicePublishAllowed(
  topic: TopicRecord,
  service: string,
  sourceArn: string,
  sourceAccount: string,
): boolean {
  const context = { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': sourceAccount, 'aws:SourceOwner': sourceAccount };
  return serviceAllowed(policyOf(topic), service, 'SNS:Publish', topic.arn, context);
}

// What the services' request handlers ask of IAM about the caller (Backend implements it): its
// decision, and the service's own access-denied error when the answer is no.
import type { AwsRequest, Caller } from '../core/request.ts';
import type { ConditionContext, Decision } from './evaluate.ts';

export interface Authorizer {
  /** IAM's decision for a caller: the root is allowed everything, a role session what its policies allow. */
  decide(caller: Caller, action: string, resource: string, context?: ConditionContext): Decision;
  /** Throws the service's own access-denied error unless the caller may do `action` on `resource`. */
  authorize(
    req: Pick<AwsRequest, 'caller' | 'service'>,
    action: string,
    resource: string,
    context?: ConditionContext,
  ): void;
  /** The same for a resource with a policy of its own (a function's, a topic's): see Backend. */
  authorizeWithResourcePolicy(
    req: Pick<AwsRequest, 'caller' | 'service'>,
    action: string,
    resource: string,
    byResourcePolicy: () => Decision | 'none',
  ): void;
}

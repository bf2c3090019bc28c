// What every SNS operation handler gets, and the lookups they share (topic by ARN with its
// authorisation, paging with NextToken).
import type { LocalAwsConfig } from '../config.ts';
import type { AwsRequest } from '../core/request.ts';
import type { QueryParams } from '../protocols/query.ts';
import type { XmlNode } from '../protocols/xml.ts';
import type { Authorizer } from '../iam/authorize.ts';
import { requestPrincipal } from '../iam/resource-policy.ts';
import type { IamStore } from '../iam/store.ts';
import { topicPolicyDecision } from './access.ts';
import type { PolicyPrincipals } from './attributes.ts';
import type { SnsDelivery } from './delivery.ts';
import { checkTopicArn, invalidParameter, required, topicNotFound } from './input.ts';
import type { SnsStore, TopicRecord } from './store.ts';

/** What SNS's handlers use of the endpoint (Backend is one): IAM for the roles topic policies name. */
export interface SnsBackend extends Pick<Authorizer, 'authorizeWithResourcePolicy'> {
  readonly config: LocalAwsConfig;
  readonly sns: SnsStore;
  readonly snsDelivery: SnsDelivery;
  readonly iam: Pick<IamStore, 'roleByArn'>;
}

export interface SnsContext {
  req: AwsRequest;
  params: QueryParams;
  backend: SnsBackend;
  store: SnsStore;
  delivery: SnsDelivery;
}

/** Returns the `<ActionResult>` content, or undefined for operations without output. */
export type SnsHandler = (ctx: SnsContext) => Promise<XmlNode | undefined>;

/**
 * `SNS:<Op>` (AWS's spelling in its messages) on a topic or `*`: the root may do everything; a role
 * session needs an Allow in its identity policies or in the topic's policy, and no Deny in either.
 * Requests made directly carry no AWS:SourceOwner, so the default topic policy grants them nothing.
 */
export function authorizeSns(ctx: SnsContext, operation: string, resource: string, topic?: TopicRecord): void {
  const action = `SNS:${operation}`;
  ctx.backend.authorizeWithResourcePolicy(ctx.req, action, resource, () =>
    topic ? topicPolicyDecision(topic, requestPrincipal(ctx.req.caller), action) : 'none',
  );
}

/** The topic a parameter names, after authorising `SNS:<operation>` on it (NotFound when missing). */
export function authorizedTopic(ctx: SnsContext, operation: string, param = 'TopicArn'): TopicRecord {
  const arn = required(ctx.params, param);
  const parsed = checkTopicArn(arn, ctx.req.region, param);
  const topic = parsed.account === ctx.backend.config.accountId ? ctx.store.topic(arn) : undefined;
  authorizeSns(ctx, operation, arn, topic);
  if (!topic) throw topicNotFound();
  return topic;
}

/** The account's roles, as topic policies name them (a missing one is refused). */
export function policyPrincipals(ctx: SnsContext): PolicyPrincipals {
  return {
    accountId: ctx.backend.config.accountId,
    roleExists: (roleArn) => ctx.backend.iam.roleByArn(roleArn) !== undefined,
  };
}

/** The ARN resource of region-wide operations (ListTopics, ListSubscriptions). */
export function regionWildcard(ctx: SnsContext): string {
  return `arn:aws:sns:${ctx.req.region}:${ctx.backend.config.accountId}:*`;
}

export const PAGE_SIZE = 100;

/** One page of items keyed by ARN; NextToken is opaque (the last ARN returned, base64). */
export function page<T>(
  items: T[],
  arnOf: (item: T) => string,
  token: string | undefined,
): { items: T[]; nextToken?: string } {
  let start = 0;
  if (token !== undefined) {
    const after = Buffer.from(token, 'base64').toString('utf8');
    const i = items.findIndex((x) => arnOf(x) === after);
    if (token === '' || i < 0) throw invalidParameter('NextToken');
    start = i + 1;
  }
  const slice = items.slice(start, start + PAGE_SIZE);
  const more = start + PAGE_SIZE < items.length;
  return {
    items: slice,
    nextToken: more ? Buffer.from(arnOf(slice[slice.length - 1]!)).toString('base64') : undefined,
  };
}

/** A map as SNS's XML writes it: `<entry><key>…</key><value>…</value></entry>`. */
export function entries(pairs: Array<[string, string]>): XmlNode {
  return { entry: pairs.map(([key, value]) => ({ key, value })) };
}

// Wire protocol of the local SNS (query protocol, 2010-03-31): parses requests, authorises them
// (access.ts), calls the store, renders responses. Operations live in topics.ts, subscriptions.ts
// and publish.ts.
import type { AwsRequest, AwsResponse } from '../core/request.ts';
import { invalidAction, QueryParams, queryResponse } from '../protocols/query.ts';
import type { SnsBackend, SnsHandler } from './context.ts';
import { PUBLISH_HANDLERS } from './publish.ts';
import { SUBSCRIPTION_HANDLERS } from './subscriptions.ts';
import { TOPIC_HANDLERS } from './topics.ts';

export const SNS_XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';

const HANDLERS: { [action: string]: SnsHandler } = { ...TOPIC_HANDLERS, ...SUBSCRIPTION_HANDLERS, ...PUBLISH_HANDLERS };

export async function handleSns(req: AwsRequest, backend: SnsBackend): Promise<AwsResponse> {
  const params = new QueryParams(req);
  const action = params.action;
  const handler = Object.hasOwn(HANDLERS, action) ? HANDLERS[action] : undefined;
  if (!handler) throw invalidAction(action, '2010-03-31');
  const result = await handler({ req, params, backend, store: backend.sns, delivery: backend.snsDelivery });
  return queryResponse(action, SNS_XMLNS, req.requestId, result);
}

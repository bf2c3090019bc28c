// Wire protocol of the local STS (query protocol).
import type { Backend } from '../backend.ts';
import { notImplemented } from '../core/errors.ts';
import type { AwsRequest, AwsResponse } from '../core/request.ts';
import { QueryParams, queryResponse } from '../protocols/query.ts';

export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export async function handleSts(req: AwsRequest, _backend: Backend): Promise<AwsResponse> {
  const params = new QueryParams(req);
  switch (params.action) {
    case 'GetCallerIdentity':
      return queryResponse('GetCallerIdentity', STS_XMLNS, req.requestId, {
        UserId: req.caller.userId,
        Account: req.caller.accountId,
        Arn: req.caller.arn,
      });
    default:
      throw notImplemented('sts', params.action || '(no Action)');
  }
}

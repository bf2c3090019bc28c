// Wire protocol of the local lambda service: parses requests, calls the store, renders responses.
import type { Backend } from '../backend.ts';
import { notImplemented } from '../core/errors.ts';
import type { AwsRequest, AwsResponse } from '../core/request.ts';

export async function handleLambda(req: AwsRequest, _backend: Backend): Promise<AwsResponse> {
  throw notImplemented('lambda', `${req.method} ${req.path}`);
}

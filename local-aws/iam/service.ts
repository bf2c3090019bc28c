// Wire protocol of the local iam service: parses requests, calls the store, renders responses.
import type { Backend } from '../backend.ts';
import { notImplemented } from '../core/errors.ts';
import type { AwsRequest, AwsResponse } from '../core/request.ts';

export async function handleIam(req: AwsRequest, _backend: Backend): Promise<AwsResponse> {
  throw notImplemented('iam', `${req.method} ${req.path}`);
}

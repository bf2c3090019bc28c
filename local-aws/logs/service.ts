// Wire protocol of the local logs service: parses requests, calls the store, renders responses.
import type { Backend } from '../backend.ts';
import { notImplemented } from '../core/errors.ts';
import type { AwsRequest, AwsResponse } from '../core/request.ts';

export async function handleLogs(req: AwsRequest, _backend: Backend): Promise<AwsResponse> {
  throw notImplemented('logs', `${req.method} ${req.path}`);
}

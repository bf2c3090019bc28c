// Wire protocol of the local s3 service: parses requests, calls the store, renders responses.
import type { Backend } from '../backend.ts';
import { notImplemented } from '../core/errors.ts';
import type { AwsRequest, AwsResponse } from '../core/request.ts';

export async function handleS3(req: AwsRequest, _backend: Backend): Promise<AwsResponse> {
  throw notImplemented('s3', `${req.method} ${req.path}`);
}

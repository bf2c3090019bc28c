// What every S3 route needs: the request, the backend, which bucket and key it addresses (path
// style or virtual-hosted style), IAM checks and small response helpers.
import { createHash } from 'node:crypto';
import type { Backend } from '../backend.ts';
import { AwsError } from '../core/errors.ts';
import type { AwsRequest, AwsResponse } from '../core/request.ts';
import type { S3Store } from './store.ts';

export interface S3Context {
  req: AwsRequest;
  backend: Backend;
  store: S3Store;
  /** '' for service-level requests (ListBuckets). */
  bucketName: string;
  /** undefined for bucket-level requests. */
  key?: string;
}

export type S3Handler = (ctx: S3Context) => Promise<AwsResponse>;

export const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;
export const objectArn = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;

/** Throws AccessDenied unless the caller may do `action` on `resource` (docs/local-aws/protocols.md#s3-actions). */
export function allow(ctx: S3Context, action: string, resource: string): void {
  ctx.backend.authorize(ctx.req, action, resource);
}

export function mayListBucket(ctx: S3Context): boolean {
  return ctx.backend.decide(ctx.req.caller, 's3:ListBucket', bucketArn(ctx.bucketName)) === 'allow';
}

/** Canonical user id of the account that owns every local bucket. */
export function owner(ctx: S3Context): { ID: string; DisplayName: string } {
  return {
    ID: createHash('sha256').update(`local-aws:${ctx.backend.config.accountId}`).digest('hex'),
    DisplayName: 'local-aws',
  };
}

/** Percent-decodes a path part; malformed escapes or invalid UTF-8 are AWS's InvalidURI. */
export function decodePathPart(raw: string, rawPath: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new AwsError('InvalidURI', "Couldn't parse the specified URI.", 400, { URI: rawPath });
  }
}

/** Bucket and key of a request: `Host: <bucket>.localhost` puts the whole path in the key. */
export function addressOf(req: AwsRequest): { bucketName: string; key?: string } {
  const raw = req.rawPath.startsWith('/') ? req.rawPath.slice(1) : req.rawPath;
  if (req.hostBucket)
    return { bucketName: req.hostBucket, key: raw === '' ? undefined : decodePathPart(raw, req.rawPath) };
  const slash = raw.indexOf('/');
  const bucketName = decodePathPart(slash < 0 ? raw : raw.slice(0, slash), req.rawPath);
  const rawKey = slash < 0 ? '' : raw.slice(slash + 1);
  return { bucketName, key: rawKey === '' ? undefined : decodePathPart(rawKey, req.rawPath) };
}

export function methodNotAllowed(method: string, resourceType: 'SERVICE' | 'BUCKET' | 'OBJECT'): AwsError {
  return new AwsError('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405, {
    Method: method,
    ResourceType: resourceType,
  });
}

export function invalidArgument(message: string, name: string, value: string): AwsError {
  return new AwsError('InvalidArgument', message, 400, { ArgumentName: name, ArgumentValue: value });
}

export function ok(headers: Record<string, string> = {}, status = 200): AwsResponse {
  return { status, headers };
}

export function noContent(headers: Record<string, string> = {}): AwsResponse {
  return { status: 204, headers };
}

/** HTTP date as S3 writes Last-Modified. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

export const quote = (etag: string) => `"${etag}"`;

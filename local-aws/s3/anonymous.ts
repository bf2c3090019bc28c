// Unsigned requests. Nothing on this endpoint is public (no bucket policies or public ACLs), so an
// anonymous caller is refused; but, as on S3, a bucket that does not exist is NoSuchBucket (404)
// for everyone: there is no owner or policy to ask, and S3 says so even to anonymous callers.
import { AwsError, notImplemented } from '../core/errors.ts';
import { noSuchBucket } from './bucket-name.ts';
import { decodePathPart } from './context.ts';
import type { S3Store } from './store.ts';

/** The error for an unsigned S3 request to `rawPath` (`hostBucket` for virtual-hosted style). */
export function anonymousError(
  store: S3Store,
  rawPath: string,
  hostBucket: string | undefined,
  rawQuery = '',
): AwsError {
  // A Signature Version 2 presigned URL: a feature this endpoint leaves out, said so by name.
  const query = new URLSearchParams(rawQuery);
  if (query.has('AWSAccessKeyId') && query.has('Signature'))
    return notImplemented('s3', 'Signature Version 2 (presigned URL with AWSAccessKeyId and Signature)');
  const denied = new AwsError('AccessDenied', 'Access Denied', 403);
  // A path that is not valid percent-encoded UTF-8 is InvalidURI (400) before anything else.
  let name: string;
  try {
    const raw = rawPath.replace(/^\//, '');
    decodePathPart(raw, rawPath);
    const slash = raw.indexOf('/');
    name = hostBucket ?? decodePathPart(slash < 0 ? raw : raw.slice(0, slash), rawPath);
  } catch (e) {
    return e as AwsError;
  }
  if (name === '' || store.findBucket(name)) return denied;
  return noSuchBucket(name);
}

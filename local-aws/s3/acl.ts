// Write options this endpoint does not have: object lock headers (NotImplemented), and ACLs on
// writes (x-amz-acl, x-amz-grant-*). Every local bucket and object is private to the one
// account, so the canned ACLs that keep it that way are accepted; public ones are refused with
// AccessDenied when the bucket's BlockPublicAcls is on (as S3 does), otherwise NotImplemented
// (this endpoint has no public access to grant). Other grants are ACL features it does not have.
import { AwsError, notImplemented } from '../core/errors.ts';
import type { AwsRequest } from '../core/request.ts';
import type { BucketMeta } from './bucket-meta.ts';

const PRIVATE_ACLS = new Set(['private', 'bucket-owner-read', 'bucket-owner-full-control']);
const PUBLIC_ACLS = new Set(['public-read', 'public-read-write', 'authenticated-read']);
const GRANTS = [
  'x-amz-grant-read',
  'x-amz-grant-write',
  'x-amz-grant-read-acp',
  'x-amz-grant-write-acp',
  'x-amz-grant-full-control',
];
const PUBLIC_GROUPS = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)/;

/** ACL and object-lock headers of a write (PutObject, CopyObject, CreateMultipartUpload). */
export function checkWriteOptions(req: AwsRequest, bucket: BucketMeta, operation: string): void {
  refuseObjectLock(req, operation);
  const canned = req.headers['x-amz-acl'];
  // The usual write has neither: checked without allocating (PutObject's hot path).
  if (canned === undefined && !GRANTS.some((g) => req.headers[g] !== undefined)) return;
  const grants = GRANTS.filter((g) => req.headers[g] !== undefined);
  if (canned !== undefined && PRIVATE_ACLS.has(canned) && grants.length === 0) return;
  const isPublic =
    (canned !== undefined && PUBLIC_ACLS.has(canned)) || grants.some((g) => PUBLIC_GROUPS.test(req.headers[g]!));
  if (isPublic && bucket.publicAccessBlock?.blockPublicAcls) throw new AwsError('AccessDenied', 'Access Denied', 403);
  throw notImplemented(
    's3',
    `${operation} with ${canned !== undefined ? `x-amz-acl: ${canned}` : grants.join(', ')} (ACL grants)`,
  );
}

const OBJECT_LOCK = ['x-amz-object-lock-mode', 'x-amz-object-lock-retain-until-date', 'x-amz-object-lock-legal-hold'];

/** Object lock (retention, legal hold) on a write: not implemented, never silently ignored. */
export function refuseObjectLock(req: AwsRequest, operation: string): void {
  const found = OBJECT_LOCK.find((h) => req.headers[h] !== undefined);
  if (found) throw notImplemented('s3', `${operation} with object lock (${found})`);
}

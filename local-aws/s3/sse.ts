// Server-side encryption as S3 reports it. Every object is encrypted at rest on S3 (SSE-S3 by
// default); this endpoint records which kind a writer asked for (AES256, aws:kms, aws:kms:dsse,
// the KMS key and the bucket-key flag) and answers it back truthfully. It has no KMS: the bytes are
// stored the same either way. SSE-C (customer-provided keys) is refused with the error S3 gives to
// a plain-HTTP request (S3 only takes SSE-C over TLS, and this endpoint only speaks HTTP).
import { createHash } from 'node:crypto';
import { AwsError } from '../core/errors.ts';
import type { AwsRequest } from '../core/request.ts';
import { invalidArgument } from './context.ts';

import type { Encryption, SseAlgorithm } from './object-file.ts';

const ALGORITHMS = new Set<string>(['AES256', 'aws:kms', 'aws:kms:dsse']);

const SSE_C_HEADERS = [
  'x-amz-server-side-encryption-customer-algorithm',
  'x-amz-server-side-encryption-customer-key',
  'x-amz-server-side-encryption-customer-key-md5',
  'x-amz-copy-source-server-side-encryption-customer-algorithm',
  'x-amz-copy-source-server-side-encryption-customer-key',
  'x-amz-copy-source-server-side-encryption-customer-key-md5',
];

/** SSE-C on this request (or on its copy source): refused as S3 refuses it over plain HTTP. */
export function refuseCustomerKeys(req: AwsRequest): void {
  for (const name of SSE_C_HEADERS) {
    if (req.headers[name] !== undefined)
      throw new AwsError(
        'InvalidRequest',
        'Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.',
        400,
      );
  }
}

/** The AWS managed key (alias aws/s3) of an account and region: a stable made-up key id. */
export function awsManagedKey(region: string, account: string): string {
  const h = createHash('sha256').update(`aws/s3:${account}:${region}`).digest('hex');
  const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
  return `arn:aws:kms:${region}:${account}:key/${id}`;
}

/** A key id, alias or ARN as S3 reports it: always an ARN. */
function keyArn(value: string, region: string, account: string): string {
  if (value.startsWith('arn:')) return value;
  if (value.startsWith('alias/')) return `arn:aws:kms:${region}:${account}:${value}`;
  return `arn:aws:kms:${region}:${account}:key/${value}`;
}

/**
 * What a write asks for (PutObject, CreateMultipartUpload, CopyObject): the x-amz-server-side-encryption
 * headers, checked; undefined = SSE-S3 (AES256), asked for or by default.
 */
export function requestedEncryption(req: AwsRequest, region: string, account: string): Encryption | undefined {
  refuseCustomerKeys(req);
  const h = req.headers;
  const algorithm = h['x-amz-server-side-encryption'];
  const keyId = h['x-amz-server-side-encryption-aws-kms-key-id'];
  const bucketKey = h['x-amz-server-side-encryption-bucket-key-enabled'];
  const context = h['x-amz-server-side-encryption-context'];
  if (algorithm === undefined) {
    if (keyId !== undefined || context !== undefined)
      throw invalidArgument(
        'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
        'x-amz-server-side-encryption',
        'null',
      );
    return undefined;
  }
  if (!ALGORITHMS.has(algorithm))
    throw invalidArgument(
      'The encryption method specified is not supported',
      'x-amz-server-side-encryption',
      algorithm,
    );
  if (algorithm === 'AES256') {
    if (keyId !== undefined || context !== undefined)
      throw invalidArgument(
        'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
        'x-amz-server-side-encryption',
        algorithm,
      );
    return undefined; // the default, stored as nothing
  }
  const enc: Encryption = {
    algorithm: algorithm as SseAlgorithm,
    kmsKeyId: keyId ? keyArn(keyId.trim(), region, account) : awsManagedKey(region, account),
  };
  if ((bucketKey ?? '').toLowerCase() === 'true') enc.bucketKeyEnabled = true;
  if (context !== undefined) enc.context = context;
  return enc;
}

/** Response headers for an object's (or an upload's) encryption. */
export function encryptionHeaders(enc: Encryption | undefined): Record<string, string> {
  if (!enc || enc.algorithm === 'AES256') return { 'x-amz-server-side-encryption': 'AES256' };
  const h: Record<string, string> = { 'x-amz-server-side-encryption': enc.algorithm };
  if (enc.kmsKeyId) h['x-amz-server-side-encryption-aws-kms-key-id'] = enc.kmsKeyId;
  if (enc.bucketKeyEnabled) h['x-amz-server-side-encryption-bucket-key-enabled'] = 'true';
  return h;
}

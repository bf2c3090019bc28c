// Multipart upload: Create, UploadPart, Abort, ListParts (Complete is in complete.ts,
// UploadPartCopy in part-copy.ts).
import { AwsError } from '../../core/errors.ts';
import type { AwsResponse } from '../../core/request.ts';
import { xmlResponse } from '../../protocols/rest-xml.ts';
import type { XmlNode } from '../../protocols/xml.ts';
import { checkWriteOptions } from '../acl.ts';
import { allow, invalidArgument, noContent, objectArn, ok, owner, quote, type S3Context } from '../context.ts';
import {
  ALGORITHM_NAMES,
  digestBase64,
  objectHeaders,
  requestedAlgorithm,
  taggingHeader,
  verifyBody,
} from '../input.ts';
import type { Upload } from '../multipart.ts';
import type { ChecksumType } from '../object-file.ts';
import { encryptionHeaders, refuseCustomerKeys, requestedEncryption } from '../sse.ts';
import { objectKey } from './objects.ts';

export const MIN_PART = 5 * 1024 * 1024;

export function noSuchUpload(uploadId: string): AwsError {
  return new AwsError(
    'NoSuchUpload',
    'The specified upload does not exist. ' +
      'The upload ID may be invalid, or the upload may have been aborted or completed.',
    404,
    { UploadId: uploadId },
  );
}

export function findUpload(ctx: S3Context, key: string): Upload {
  const bucket = ctx.store.bucket(ctx.bucketName);
  const id = ctx.req.query.get('uploadId') ?? '';
  const upload = ctx.store.uploads.find(id, bucket.meta.id, key);
  if (!upload) throw noSuchUpload(id);
  return upload;
}

export async function createMultipartUpload(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  allow(ctx, 's3:PutObject', objectArn(ctx.bucketName, key));
  const bucket = ctx.store.bucket(ctx.bucketName);
  checkWriteOptions(ctx.req, bucket.meta, 'CreateMultipartUpload');
  const algorithm = requestedAlgorithm(ctx.req);
  const typeHeader = ctx.req.headers['x-amz-checksum-type']?.toUpperCase();
  if (typeHeader !== undefined && typeHeader !== 'FULL_OBJECT' && typeHeader !== 'COMPOSITE')
    throw invalidArgument('Value for x-amz-checksum-type header is invalid.', 'x-amz-checksum-type', typeHeader);
  const checksumType: ChecksumType | undefined = algorithm
    ? ((typeHeader as ChecksumType | undefined) ?? (algorithm === 'crc64nvme' ? 'FULL_OBJECT' : 'COMPOSITE'))
    : undefined;
  if (checksumType === 'FULL_OBJECT' && (algorithm === 'sha1' || algorithm === 'sha256'))
    throw new AwsError(
      'InvalidRequest',
      `The FULL_OBJECT checksum type cannot be used with the ${ALGORITHM_NAMES[algorithm]} checksum algorithm.`,
      400,
    );
  const upload = await ctx.store.uploads.create({
    bucket: bucket.name,
    bucketId: bucket.meta.id,
    key,
    initiator: ctx.req.caller.arn,
    ...objectHeaders(ctx.req),
    tags: taggingHeader(ctx.req),
    checksumAlgorithm: algorithm,
    checksumType,
    sse: requestedEncryption(ctx.req, bucket.meta.region, ctx.backend.config.accountId),
  });
  const headers = encryptionHeaders(upload.meta.sse);
  if (algorithm) {
    headers['x-amz-checksum-algorithm'] = ALGORITHM_NAMES[algorithm];
    headers['x-amz-checksum-type'] = checksumType!;
  }
  return xmlResponse(
    'InitiateMultipartUploadResult',
    { Bucket: bucket.name, Key: key, UploadId: upload.meta.uploadId },
    200,
    headers,
  );
}

export function partNumberOf(ctx: S3Context): number {
  const raw = ctx.req.query.get('partNumber') ?? '';
  const n = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= 10000))
    throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', raw);
  return n;
}

export async function uploadPart(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  allow(ctx, 's3:PutObject', objectArn(ctx.bucketName, key));
  const partNumber = partNumberOf(ctx);
  const upload = findUpload(ctx, key);
  refuseCustomerKeys(ctx.req);
  const digests = verifyBody(ctx.req);
  const algorithm = upload.meta.checksumAlgorithm;
  if (algorithm && digests.checksum && digests.checksum.algorithm !== algorithm)
    throw new AwsError(
      'InvalidRequest',
      `Checksum Type mismatch occurred, expected checksum Type: ${algorithm}, ` +
        `actual checksum Type: ${digests.checksum.algorithm}`,
      400,
    );
  const checksum =
    digests.checksum ?? (algorithm ? { algorithm, value: digestBase64(algorithm, ctx.req.body) } : undefined);
  const part = {
    partNumber,
    size: ctx.req.body.length,
    etag: digests.md5,
    lastModified: Date.now(),
    checksum: checksum?.value,
    checksumAlgorithm: checksum?.algorithm,
  };
  await ctx.store.uploads.putPart(upload, part, ctx.req.body);
  const headers: Record<string, string> = { etag: quote(part.etag), ...encryptionHeaders(upload.meta.sse) };
  if (checksum) headers[`x-amz-checksum-${checksum.algorithm}`] = checksum.value;
  return ok(headers);
}

export async function abortMultipartUpload(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  allow(ctx, 's3:AbortMultipartUpload', objectArn(ctx.bucketName, key));
  const upload = findUpload(ctx, key);
  await ctx.store.uploads.remove(upload);
  return noContent();
}

export async function listParts(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  allow(ctx, 's3:ListMultipartUploadParts', objectArn(ctx.bucketName, key));
  const upload = findUpload(ctx, key);
  const q = ctx.req.query;
  const markerRaw = q.get('part-number-marker') ?? '0';
  const marker = /^\d{1,5}$/.test(markerRaw) ? Number(markerRaw) : NaN;
  if (Number.isNaN(marker))
    throw invalidArgument(
      'Provided part-number-marker not an integer or within integer range',
      'part-number-marker',
      markerRaw,
    );
  const maxRaw = q.get('max-parts') ?? '1000';
  const max = /^\d{1,10}$/.test(maxRaw) ? Math.min(Number(maxRaw), 1000) : NaN;
  if (Number.isNaN(max))
    throw invalidArgument('Provided max-parts not an integer or within integer range', 'max-parts', maxRaw);
  const all = [...upload.parts.values()]
    .filter((p) => p.partNumber > marker)
    .sort((a, b) => a.partNumber - b.partNumber);
  const page = all.slice(0, max);
  const truncated = all.length > page.length;
  const body: XmlNode = {
    Bucket: ctx.bucketName,
    Key: key,
    UploadId: upload.meta.uploadId,
    PartNumberMarker: marker,
    NextPartNumberMarker: page.length > 0 ? page[page.length - 1]!.partNumber : marker,
    MaxParts: max,
    IsTruncated: truncated,
    Part: page.map((p) => {
      const node: XmlNode = {
        PartNumber: p.partNumber,
        LastModified: new Date(p.lastModified),
        ETag: quote(p.etag),
        Size: p.size,
      };
      if (p.checksum && p.checksumAlgorithm) node[`Checksum${ALGORITHM_NAMES[p.checksumAlgorithm]}`] = p.checksum;
      return node;
    }),
    Initiator: { ID: upload.meta.initiator, DisplayName: upload.meta.initiator },
    Owner: owner(ctx),
    StorageClass: upload.meta.storageClass ?? 'STANDARD',
  };
  if (upload.meta.checksumAlgorithm) {
    body.ChecksumAlgorithm = ALGORITHM_NAMES[upload.meta.checksumAlgorithm];
    body.ChecksumType = upload.meta.checksumType;
  }
  return xmlResponse('ListPartsResult', body);
}

// Multipart upload: Create, UploadPart, Complete (EntityTooSmall, InvalidPart, InvalidPartOrder,
// ETag `-N`, composite or full-object checksums), Abort, ListParts.
import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { AwsError, notImplemented } from '../../core/errors.ts';
import { createDigest, type ChecksumAlgorithm } from '../../core/checksums.ts';
import type { AwsResponse } from '../../core/request.ts';
import { xmlResponse } from '../../protocols/rest-xml.ts';
import { malformedXml, type XmlNode } from '../../protocols/xml.ts';
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
import { readHeader, type ChecksumType, type StoredChecksum } from '../object-file.ts';
import { checksumHeaders, emitEvent, objectKey } from './objects.ts';
import { child, children, parseS3Xml, textOf } from '../xml-input.ts';

const MIN_PART = 5 * 1024 * 1024;

function noSuchUpload(uploadId: string): AwsError {
  return new AwsError(
    'NoSuchUpload',
    'The specified upload does not exist. ' +
      'The upload ID may be invalid, or the upload may have been aborted or completed.',
    404,
    { UploadId: uploadId },
  );
}

function findUpload(ctx: S3Context, key: string): Upload {
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
  });
  const headers: Record<string, string> = { 'x-amz-server-side-encryption': 'AES256' };
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

function partNumberOf(ctx: S3Context): number {
  const raw = ctx.req.query.get('partNumber') ?? '';
  const n = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= 10000))
    throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', raw);
  return n;
}

export async function uploadPart(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  allow(ctx, 's3:PutObject', objectArn(ctx.bucketName, key));
  if (ctx.req.headers['x-amz-copy-source'] !== undefined) throw notImplemented('s3', 'UploadPartCopy');
  const partNumber = partNumberOf(ctx);
  const upload = findUpload(ctx, key);
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
  const headers: Record<string, string> = { etag: quote(part.etag), 'x-amz-server-side-encryption': 'AES256' };
  if (checksum) headers[`x-amz-checksum-${checksum.algorithm}`] = checksum.value;
  return ok(headers);
}

interface RequestedPart {
  partNumber: number;
  etag: string;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

function parseCompletion(body: Buffer): RequestedPart[] {
  const root = parseS3Xml(body, ['Part'])['CompleteMultipartUpload'];
  if (root === undefined) throw malformedXml();
  const parts = children(root, 'Part').map((p): RequestedPart => {
    const num = textOf(child(p, 'PartNumber')).trim();
    if (!/^\d{1,5}$/.test(num) || child(p, 'ETag') === undefined) throw malformedXml();
    const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
    for (const alg of Object.keys(ALGORITHM_NAMES) as ChecksumAlgorithm[]) {
      const v = textOf(child(p, `Checksum${ALGORITHM_NAMES[alg]}`)).trim();
      if (v) checksums[alg] = v;
    }
    return {
      partNumber: Number(num),
      etag: textOf(child(p, 'ETag'))
        .trim()
        .replace(/^"(.*)"$/, '$1'),
      checksums,
    };
  });
  if (parts.length === 0) throw malformedXml();
  return parts;
}

function invalidPart(uploadId: string, part: RequestedPart): AwsError {
  return new AwsError(
    'InvalidPart',
    'One or more of the specified parts could not be found.  ' +
      "The part may not have been uploaded, or the specified entity tag may not have matched the part's entity tag.",
    400,
    { UploadId: uploadId, PartNumber: part.partNumber, ETag: part.etag },
  );
}

export async function completeMultipartUpload(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  allow(ctx, 's3:PutObject', objectArn(ctx.bucketName, key));
  const bucket = ctx.store.bucket(ctx.bucketName);
  const upload = findUpload(ctx, key);
  const uploadId = upload.meta.uploadId;
  const requested = parseCompletion(ctx.req.body);
  for (let i = 1; i < requested.length; i++) {
    if (requested[i]!.partNumber <= requested[i - 1]!.partNumber)
      throw new AwsError(
        'InvalidPartOrder',
        'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
        400,
        {
          UploadId: uploadId,
        },
      );
  }
  const parts = requested.map((r) => {
    const stored = upload.parts.get(r.partNumber);
    if (!stored || stored.etag !== r.etag) throw invalidPart(uploadId, r);
    for (const [alg, value] of Object.entries(r.checksums)) {
      if (stored.checksum !== undefined && stored.checksumAlgorithm === alg && stored.checksum !== value)
        throw invalidPart(uploadId, r);
    }
    return stored;
  });
  parts.forEach((p, i) => {
    if (i < parts.length - 1 && p.size < MIN_PART)
      throw new AwsError('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', 400, {
        ProposedSize: p.size,
        MinSizeAllowed: MIN_PART,
        PartNumber: p.partNumber,
        ETag: p.etag,
      });
  });
  const md5s = Buffer.concat(parts.map((p) => Buffer.from(p.etag, 'hex')));
  const etag = `${createHash('md5').update(md5s).digest('hex')}-${parts.length}`;
  const files = parts.map((p) => ({ file: upload.partFile(p.partNumber), size: p.size, offset: 0 }));
  // Part files start with their own header: find where the bytes begin.
  for (const f of files) {
    const handle = await fsp.open(f.file, 'r');
    try {
      f.offset = (await readHeader(handle)).bodyOffset;
    } finally {
      await handle.close();
    }
  }
  const checksum = await objectChecksum(upload, parts, files);
  const wholeHeader = Object.keys(ctx.req.headers).find((h) =>
    /^x-amz-checksum-(crc32|crc32c|crc64nvme|sha1|sha256)$/.test(h),
  );
  if (
    wholeHeader &&
    checksum &&
    checksum.type === 'FULL_OBJECT' &&
    `x-amz-checksum-${checksum.algorithm}` === wholeHeader &&
    ctx.req.headers[wholeHeader] !== checksum.value
  )
    throw new AwsError(
      'BadDigest',
      `The ${ALGORITHM_NAMES[checksum.algorithm]} you specified did not match the calculated checksum.`,
      400,
    );
  upload.completing = true;
  let meta;
  try {
    const {
      uploadId: _u,
      bucket: _b,
      bucketId: _id,
      initiated: _i,
      initiator: _in,
      checksumAlgorithm: _a,
      checksumType: _t,
      ...headers
    } = upload.meta;
    meta = await ctx.store.objects.writeParts(
      bucket,
      { ...headers, key, size: parts.reduce((n, p) => n + p.size, 0), etag, checksum, parts: parts.length, uploadId },
      files,
    );
  } catch (e) {
    upload.completing = false;
    throw e;
  }
  await ctx.store.uploads.remove(upload);
  await emitEvent(ctx, bucket, 'ObjectCreated:CompleteMultipartUpload', key, meta);
  const result: XmlNode = {
    Location:
      (ctx.req.headers['host'] ? `http://${ctx.req.headers['host']}` : '') +
      `/${encodeURIComponent(bucket.name)}/${key.split('/').map(encodeURIComponent).join('/')}`,
    Bucket: bucket.name,
    Key: key,
    ETag: quote(etag),
  };
  if (checksum) {
    result[`Checksum${ALGORITHM_NAMES[checksum.algorithm]}`] = checksum.value;
    result.ChecksumType = checksum.type;
  }
  return xmlResponse('CompleteMultipartUploadResult', result, 200, {
    'x-amz-server-side-encryption': 'AES256',
    ...checksumHeaders(meta),
  });
}

/**
 * The checksum of the assembled object, when every part has one in the upload's algorithm:
 * COMPOSITE = checksum of the part checksums + `-N`; FULL_OBJECT = checksum of all the bytes.
 */
async function objectChecksum(
  upload: Upload,
  parts: Array<{ checksum?: string; checksumAlgorithm?: ChecksumAlgorithm }>,
  files: Array<{ file: string; offset: number; size: number }>,
): Promise<StoredChecksum | undefined> {
  const algorithm = upload.meta.checksumAlgorithm ?? parts[0]?.checksumAlgorithm;
  if (!algorithm || parts.some((p) => p.checksum === undefined || p.checksumAlgorithm !== algorithm)) return undefined;
  const digest = createDigest(algorithm);
  if (upload.meta.checksumType === 'FULL_OBJECT') {
    for (const f of files) {
      const handle = await fsp.open(f.file, 'r');
      try {
        const buf = Buffer.allocUnsafe(1024 * 1024);
        for (let done = 0; done < f.size;) {
          const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, f.size - done), f.offset + done);
          if (bytesRead === 0) break;
          digest.update(buf.subarray(0, bytesRead));
          done += bytesRead;
        }
      } finally {
        await handle.close();
      }
    }
    return { algorithm, value: digest.digest().toString('base64'), type: 'FULL_OBJECT' };
  }
  for (const p of parts) digest.update(Buffer.from(p.checksum!, 'base64'));
  return { algorithm, value: `${digest.digest().toString('base64')}-${parts.length}`, type: 'COMPOSITE' };
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

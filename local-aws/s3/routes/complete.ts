// CompleteMultipartUpload: part checks (InvalidPart, InvalidPartOrder, EntityTooSmall), ETag `-N`,
// composite or full-object checksums, the whole-object checksum header, and retries: S3 answers a
// retried Complete of an upload it already completed with the same success (an SDK retry after a
// lost response must not turn a good upload into NoSuchUpload).
import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { AwsError } from '../../core/errors.ts';
import { createDigest, type ChecksumAlgorithm } from '../../core/checksums.ts';
import type { AwsResponse } from '../../core/request.ts';
import { xmlResponse } from '../../protocols/rest-xml.ts';
import { malformedXml, type XmlNode } from '../../protocols/xml.ts';
import { allow, objectArn, quote, type S3Context } from '../context.ts';
import { ALGORITHM_NAMES } from '../input.ts';
import type { PartMeta, Upload } from '../multipart.ts';
import { readHeader, type ObjectMeta, type StoredChecksum } from '../object-file.ts';
import { encryptionHeaders } from '../sse.ts';
import type { Bucket } from '../store.ts';
import { child, children, parseS3Xml, textOf } from '../xml-input.ts';
import { MIN_PART, noSuchUpload } from './multipart.ts';
import { checksumHeaders, emitEvent, objectKey, versionHeaders } from './objects.ts';

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
    'One or more of the specified parts could not be found.  The part may not have been uploaded, ' +
      "or the specified entity tag may not have matched the part's entity tag.",
    400,
    { UploadId: uploadId, PartNumber: part.partNumber, ETag: part.etag },
  );
}

/**
 * Part numbers must not go down (InvalidPartOrder); a part listed twice in a row is taken once
 * (both entries must name the stored part).
 */
function inOrder(uploadId: string, requested: RequestedPart[]): RequestedPart[] {
  const out: RequestedPart[] = [];
  for (const r of requested) {
    const last = out[out.length - 1];
    if (last && r.partNumber < last.partNumber)
      throw new AwsError(
        'InvalidPartOrder',
        'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
        400,
        { UploadId: uploadId },
      );
    if (last && r.partNumber === last.partNumber) {
      if (r.etag !== last.etag) throw invalidPart(uploadId, r);
      continue;
    }
    out.push(r);
  }
  return out;
}

const multipartEtag = (etags: string[]) =>
  `${createHash('md5')
    .update(Buffer.concat(etags.map((e) => Buffer.from(e, 'hex'))))
    .digest('hex')}-${etags.length}`;

/** `x-amz-checksum-<alg>` on Complete: the whole object's checksum as the client computed it. */
function checkWholeChecksum(ctx: S3Context, checksum: StoredChecksum | undefined): void {
  if (!checksum) return;
  const sent = ctx.req.headers[`x-amz-checksum-${checksum.algorithm}`]?.trim();
  if (sent === undefined) return;
  // A composite value may be sent with or without its `-N`.
  const bare = checksum.value.replace(/-\d+$/, '');
  if (sent !== checksum.value && sent !== bare)
    throw new AwsError(
      'BadDigest',
      `The ${ALGORITHM_NAMES[checksum.algorithm]} you specified did not match the calculated checksum.`,
      400,
    );
}

function answer(ctx: S3Context, bucket: Bucket, key: string, meta: ObjectMeta): AwsResponse {
  const host = ctx.req.headers['host'];
  const path = `/${encodeURIComponent(bucket.name)}/${key.split('/').map(encodeURIComponent).join('/')}`;
  const result: XmlNode = {
    Location: `${host ? `http://${host}` : ''}${path}`,
    Bucket: bucket.name,
    Key: key,
    ETag: quote(meta.etag),
  };
  if (meta.checksum) {
    result[`Checksum${ALGORITHM_NAMES[meta.checksum.algorithm]}`] = meta.checksum.value;
    result.ChecksumType = meta.checksum.type;
  }
  return xmlResponse('CompleteMultipartUploadResult', result, 200, {
    ...encryptionHeaders(meta.sse),
    ...checksumHeaders(meta),
    ...versionHeaders(bucket, meta),
  });
}

/** A Complete retried after it succeeded: the same answer while the object is still that upload's. */
function retriedAnswer(ctx: S3Context, bucket: Bucket, key: string, uploadId: string): AwsResponse | undefined {
  const meta = ctx.store.objects.head(bucket, key);
  if (!meta || meta.uploadId !== uploadId || uploadId === '') return undefined;
  let requested: RequestedPart[];
  try {
    requested = inOrder(uploadId, parseCompletion(ctx.req.body));
  } catch {
    return undefined;
  }
  // The ETag is a digest of the part ETags: equal means the same parts in the same order.
  if (multipartEtag(requested.map((r) => r.etag)) !== meta.etag) return undefined;
  return answer(ctx, bucket, key, meta);
}

export async function completeMultipartUpload(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  allow(ctx, 's3:PutObject', objectArn(ctx.bucketName, key));
  const bucket = ctx.store.bucket(ctx.bucketName);
  const id = ctx.req.query.get('uploadId') ?? '';
  const upload = ctx.store.uploads.find(id, bucket.meta.id, key);
  if (!upload) {
    const again = retriedAnswer(ctx, bucket, key, id);
    if (again) return again;
    throw noSuchUpload(id);
  }
  const uploadId = upload.meta.uploadId;
  const requested = inOrder(uploadId, parseCompletion(ctx.req.body));
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
  const etag = multipartEtag(parts.map((p) => p.etag));
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
  checkWholeChecksum(ctx, checksum);
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
      {
        ...headers,
        key,
        size: parts.reduce((n, p) => n + p.size, 0),
        etag,
        checksum,
        parts: parts.length,
        partSizes: parts.map((p) => p.size),
        uploadId,
      },
      files,
    );
  } catch (e) {
    upload.completing = false;
    throw e;
  }
  await ctx.store.uploads.remove(upload);
  await emitEvent(ctx, bucket, 'ObjectCreated:CompleteMultipartUpload', key, meta);
  return answer(ctx, bucket, key, meta);
}

/**
 * The checksum of the assembled object, when every part has one in the upload's algorithm:
 * COMPOSITE = checksum of the part checksums + `-N`; FULL_OBJECT = checksum of all the bytes.
 */
async function objectChecksum(
  upload: Upload,
  parts: PartMeta[],
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

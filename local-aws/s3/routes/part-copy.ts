// UploadPartCopy (PUT ?partNumber&uploadId with x-amz-copy-source): a part made of a byte range of
// an existing object. `aws s3 cp`/`sync` between S3 locations and boto3's managed copy use it for
// objects above their multipart threshold (8 MB by default).
import { AwsError } from '../../core/errors.ts';
import { createDigest } from '../../core/checksums.ts';
import type { AwsResponse } from '../../core/request.ts';
import { xmlResponse } from '../../protocols/rest-xml.ts';
import type { XmlNode } from '../../protocols/xml.ts';
import { evaluateConditions, type ByteRange } from '../conditions.ts';
import { allow, invalidArgument, objectArn, quote, type S3Context } from '../context.ts';
import { ALGORITHM_NAMES, checkKey } from '../input.ts';
import type { PartMeta } from '../multipart.ts';
import { encryptionHeaders, refuseCustomerKeys } from '../sse.ts';
import type { OpenObject } from '../store.ts';
import { copySource, copyVersionHeaders, openSource, reopenSource } from './copy.ts';
import { findUpload, partNumberOf } from './multipart.ts';
import { objectKey } from './objects.ts';

const MAX_PART = 5 * 1024 * 1024 * 1024;
/** Ranges up to this size are read once into memory; larger ones are read twice (digest, then copy). */
const IN_MEMORY = 64 * 1024 * 1024;

/** `x-amz-copy-source-range: bytes=first-last` (both required, inclusive), checked against the source size. */
function sourceRange(header: string | undefined, size: number): ByteRange {
  if (header === undefined) return { start: 0, end: size - 1 };
  const m = /^bytes=(\d+)-(\d+)$/.exec(header.trim());
  if (!m)
    throw invalidArgument(
      'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are ' +
        'the zero-based offsets of the first and last bytes to copy',
      'x-amz-copy-source-range',
      header,
    );
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (start > end || end >= size)
    throw invalidArgument(
      `Range specified is not valid for source object of size: ${size}`,
      'x-amz-copy-source-range',
      header,
    );
  return { start, end };
}

async function readRange(source: OpenObject, range: ByteRange): Promise<Buffer> {
  if (source.bytes) return source.bytes.subarray(range.start, range.end + 1);
  const chunks: Buffer[] = [];
  for await (const chunk of source.stream(range.start, range.end)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function uploadPartCopy(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  const src = copySource(ctx.req.headers['x-amz-copy-source']!);
  checkKey(src.key);
  allow(ctx, 's3:GetObject', objectArn(src.bucket, src.key));
  allow(ctx, 's3:PutObject', objectArn(ctx.bucketName, key));
  const partNumber = partNumberOf(ctx);
  const upload = findUpload(ctx, key);
  refuseCustomerKeys(ctx.req);
  const srcBucket = ctx.store.bucket(src.bucket);
  let source: OpenObject | undefined = await openSource(ctx, srcBucket, src);
  const srcMeta = source.meta;
  let range: ByteRange;
  try {
    evaluateConditions(ctx.req, srcMeta, 'x-amz-copy-source-');
    range = sourceRange(ctx.req.headers['x-amz-copy-source-range'], srcMeta.size);
  } catch (e) {
    source.close();
    throw e;
  }
  const size = srcMeta.size === 0 ? 0 : range.end - range.start + 1;
  if (size > MAX_PART) {
    source.close();
    throw new AwsError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400, {
      ProposedSize: size,
      MaxSizeAllowed: MAX_PART,
    });
  }
  const algorithm = upload.meta.checksumAlgorithm;
  const md5 = createDigest('md5');
  const other = algorithm ? createDigest(algorithm) : undefined;
  let body: Buffer | undefined;
  if (size === 0) source.close();
  else if (size <= IN_MEMORY) body = await readRange(source, range);
  else {
    for await (const chunk of source.stream(range.start, range.end)) {
      md5.update(chunk as Buffer);
      other?.update(chunk as Buffer);
    }
    source = await reopenSource(ctx, srcBucket, src, srcMeta.seq);
  }
  if (body) {
    md5.update(body);
    other?.update(body);
  }
  const part: PartMeta = {
    partNumber,
    size,
    etag: md5.digest().toString('hex'),
    lastModified: Date.now(),
    checksum: other?.digest().toString('base64'),
    checksumAlgorithm: algorithm,
  };
  const streamed = source;
  await ctx.store.uploads.putPart(
    upload,
    part,
    body ??
      (size === 0
        ? Buffer.alloc(0)
        : async (handle, offset) => {
            let at = offset;
            for await (const chunk of streamed.stream(range.start, range.end)) {
              const bytes = chunk as Buffer;
              await handle.write(bytes, 0, bytes.length, at);
              at += bytes.length;
            }
          }),
  );
  const result: XmlNode = { LastModified: new Date(part.lastModified), ETag: quote(part.etag) };
  if (part.checksum && algorithm) result[`Checksum${ALGORITHM_NAMES[algorithm]}`] = part.checksum;
  return xmlResponse('CopyPartResult', result, 200, {
    ...encryptionHeaders(upload.meta.sse),
    ...copyVersionHeaders(srcBucket, srcMeta, srcBucket),
  });
}

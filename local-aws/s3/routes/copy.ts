// CopyObject (PUT with x-amz-copy-source): source decoding, metadata and tagging directives, the
// copy-onto-itself rule, copy-source conditions, and checksums of the copy.
import { AwsError } from '../../core/errors.ts';
import { createDigest, type ChecksumAlgorithm } from '../../core/checksums.ts';
import type { AwsResponse } from '../../core/request.ts';
import { xmlResponse } from '../../protocols/rest-xml.ts';
import type { XmlNode } from '../../protocols/xml.ts';
import { checkWriteOptions } from '../acl.ts';
import { evaluateConditions } from '../conditions.ts';
import { allow, invalidArgument, objectArn, type S3Context } from '../context.ts';
import { ALGORITHM_NAMES, checkKey, objectHeaders, pickHeaders, requestedAlgorithm, taggingHeader } from '../input.ts';
import type { ObjectMeta, StoredChecksum } from '../object-file.ts';
import { encryptionHeaders, requestedEncryption } from '../sse.ts';
import type { Bucket, OpenObject } from '../store.ts';
import { findVersion, looksLikeVersionId, versionIdOf } from '../versions.ts';
import { emitEvent, missingKey, noSuchVersion, objectKey } from './objects.ts';

/** `x-amz-copy-source: [/]bucket/url-encoded-key[?versionId=…]` */
export function copySource(raw: string): { bucket: string; key: string; versionId?: string } {
  const bad = () =>
    invalidArgument(
      'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
      'x-amz-copy-source',
      raw,
    );
  let value = raw.startsWith('/') ? raw.slice(1) : raw;
  const q = value.indexOf('?');
  let versionId: string | undefined;
  if (q >= 0) {
    versionId = new URLSearchParams(value.slice(q + 1)).get('versionId') ?? undefined;
    if (versionId !== undefined && !looksLikeVersionId(versionId))
      throw invalidArgument('Invalid version id specified', 'x-amz-copy-source', raw);
    value = value.slice(0, q);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    throw bad();
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) throw bad();
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1), versionId };
}

/** Opens the copy source (the version it names, if any); NoSuchKey, NoSuchVersion, or a delete marker refused. */
export async function openSource(
  ctx: S3Context,
  bucket: Bucket,
  src: { key: string; versionId?: string },
): Promise<OpenObject> {
  let version: ObjectMeta | undefined;
  if (src.versionId !== undefined) {
    version = findVersion(bucket, src.key, src.versionId);
    if (!version) throw noSuchVersion(src.key, src.versionId);
    if (version.deleteMarker)
      throw new AwsError(
        'InvalidRequest',
        'The source of a copy request may not specifically refer to a delete marker by version id.',
        400,
      );
  }
  const source = await ctx.store.objects.open(bucket, src.key, version);
  if (!source) throw missingKey({ ...ctx, bucketName: bucket.name }, src.key);
  return source;
}

/** Opens the source again after its stream was used up: OperationAborted if it is no longer the same object. */
export async function reopenSource(
  ctx: S3Context,
  bucket: Bucket,
  src: { key: string; versionId?: string },
  seq: number,
): Promise<OpenObject> {
  const source = await openSource(ctx, bucket, src).catch(() => undefined);
  if (source && source.meta.seq === seq) return source;
  source?.close();
  throw new AwsError(
    'OperationAborted',
    'A conflicting conditional operation is currently in progress against this resource. Please try again.',
    409,
  );
}

/** Version headers of a copy's answer. */
export function copyVersionHeaders(srcBucket: Bucket, src: ObjectMeta, dst: Bucket, meta?: ObjectMeta) {
  const h: Record<string, string> = {};
  if (srcBucket.meta.versioning) h['x-amz-copy-source-version-id'] = versionIdOf(src);
  if (meta && dst.meta.versioning) h['x-amz-version-id'] = versionIdOf(meta);
  return h;
}

function directive(ctx: S3Context, header: string, what: string): 'COPY' | 'REPLACE' {
  const value = (ctx.req.headers[header] ?? 'COPY').toUpperCase();
  if (value !== 'COPY' && value !== 'REPLACE')
    throw invalidArgument(`Unknown ${what} directive.`, header, ctx.req.headers[header]!);
  return value;
}

/** MD5 and (optionally) another digest of a source body, read once. */
async function digestSource(
  source: OpenObject,
  algorithm: ChecksumAlgorithm | undefined,
): Promise<{ md5: string; checksum?: string }> {
  const md5 = createDigest('md5');
  const other = algorithm ? createDigest(algorithm) : undefined;
  const feed = (b: Buffer) => {
    md5.update(b);
    other?.update(b);
  };
  if (source.bytes) feed(source.bytes);
  else for await (const chunk of source.stream(0, source.meta.size - 1)) feed(chunk as Buffer);
  return { md5: md5.digest().toString('hex'), checksum: other?.digest().toString('base64') };
}

export async function copyObject(ctx: S3Context): Promise<AwsResponse> {
  const key = objectKey(ctx);
  const src = copySource(ctx.req.headers['x-amz-copy-source']!);
  checkKey(src.key);
  allow(ctx, 's3:GetObject', objectArn(src.bucket, src.key));
  allow(ctx, 's3:PutObject', objectArn(ctx.bucketName, key));
  const srcBucket = ctx.store.bucket(src.bucket);
  const dstBucket = ctx.store.bucket(ctx.bucketName);
  checkWriteOptions(ctx.req, dstBucket.meta, 'CopyObject');
  // The copy is encrypted as this request asks (S3 does not carry the source's encryption over).
  const sse = requestedEncryption(ctx.req, dstBucket.meta.region, ctx.backend.config.accountId);
  const metadataDirective = directive(ctx, 'x-amz-metadata-directive', 'metadata');
  const taggingDirective = directive(ctx, 'x-amz-tagging-directive', 'tagging');
  const algorithm = requestedAlgorithm(ctx.req);
  const h = ctx.req.headers;
  const sameObject = srcBucket === dstBucket && src.key === key;
  const changesSomething =
    metadataDirective === 'REPLACE' ||
    h['x-amz-storage-class'] !== undefined ||
    h['x-amz-website-redirect-location'] !== undefined ||
    h['x-amz-server-side-encryption'] !== undefined ||
    algorithm !== undefined;
  if (sameObject && !changesSomething)
    throw new AwsError(
      'InvalidRequest',
      'This copy request is illegal because it is trying to copy an object to itself ' +
        "without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      400,
    );

  let source: OpenObject | undefined = await openSource(ctx, srcBucket, src);
  const srcMeta = source.meta;
  try {
    evaluateConditions(ctx.req, srcMeta, 'x-amz-copy-source-');
  } catch (e) {
    source.close();
    throw e;
  }

  // The copy is a single-part object: its ETag is the MD5 of the bytes, and a composite
  // (multipart) checksum cannot carry over.
  const keepChecksum =
    srcMeta.checksum?.type === 'FULL_OBJECT' && (!algorithm || srcMeta.checksum.algorithm === algorithm);
  const wantAlgorithm = keepChecksum ? undefined : algorithm;
  let etag = srcMeta.etag;
  let checksum: StoredChecksum | undefined = keepChecksum ? srcMeta.checksum : undefined;
  if (srcMeta.parts || wantAlgorithm) {
    const digests = await digestSource(source, wantAlgorithm);
    etag = digests.md5;
    if (wantAlgorithm) checksum = { algorithm: wantAlgorithm, value: digests.checksum!, type: 'FULL_OBJECT' };
    if (!source.bytes) {
      source = await reopenSource(ctx, srcBucket, src, srcMeta.seq);
    }
  }
  const headers = metadataDirective === 'REPLACE' ? objectHeaders(ctx.req) : pickHeaders(srcMeta);
  if (metadataDirective === 'COPY' && h['x-amz-storage-class'] !== undefined)
    headers.storageClass = objectHeaders(ctx.req).storageClass;
  const tags = taggingDirective === 'REPLACE' ? taggingHeader(ctx.req) : srcMeta.tags;
  const meta = await ctx.store.objects.writeFrom(
    dstBucket,
    { key, size: srcMeta.size, etag, checksum, tags, ...headers, sse },
    source,
  );
  await emitEvent(ctx, dstBucket, 'ObjectCreated:Copy', key, meta);
  const result: XmlNode = { LastModified: new Date(meta.lastModified), ETag: `"${meta.etag}"` };
  if (meta.checksum) {
    result.ChecksumType = meta.checksum.type;
    result[`Checksum${ALGORITHM_NAMES[meta.checksum.algorithm]}`] = meta.checksum.value;
  }
  return xmlResponse('CopyObjectResult', result, 200, {
    ...encryptionHeaders(sse),
    ...copyVersionHeaders(srcBucket, srcMeta, dstBucket, meta),
  });
}

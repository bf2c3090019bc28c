// ListObjectsV2, ListObjects (v1) and ListMultipartUploads (ListObjectVersions is in list-versions.ts).
import type { AwsResponse } from '../../core/request.ts';
import { xmlResponse } from '../../protocols/rest-xml.ts';
import type { XmlNode } from '../../protocols/xml.ts';
import { allow, bucketArn, invalidArgument, owner, quote, type S3Context } from '../context.ts';
import { ALGORITHM_NAMES } from '../input.ts';
import type { ListPage } from '../key-index.ts';
import { compareKeys } from '../key-index.ts';
import type { ObjectMeta } from '../object-file.ts';

export interface Common {
  prefix: string;
  delimiter?: string;
  maxKeys: number;
  encode: (s: string) => string;
  encodingType?: string;
}

/**
 * `encoding-type=url` as S3 does it: every byte but the unreserved ones and `/` percent-encoded, a
 * space as `%20` (boto3 callers who ask for it themselves see the value raw), `+` as `%2B`.
 */
function urlEncode(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, '/');
}

export function commonParams(ctx: S3Context, maxName = 'max-keys'): Common {
  const q = ctx.req.query;
  const encodingType = q.get('encoding-type') ?? undefined;
  if (encodingType !== undefined && encodingType !== 'url')
    throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encodingType);
  const maxRaw = q.get(maxName);
  let maxKeys = 1000;
  if (maxRaw !== null) {
    maxKeys = /^\d{1,10}$/.test(maxRaw.trim()) ? Number(maxRaw.trim()) : NaN;
    if (!Number.isInteger(maxKeys) || maxKeys > 2147483647)
      throw invalidArgument(`Provided ${maxName} not an integer or within integer range`, maxName, maxRaw);
    maxKeys = Math.min(maxKeys, 1000);
  }
  return {
    prefix: q.get('prefix') ?? '',
    delimiter: q.get('delimiter') || undefined,
    maxKeys,
    encode: encodingType ? urlEncode : (s) => s,
    encodingType,
  };
}

function contents(ctx: S3Context, meta: ObjectMeta, c: Common, withOwner: boolean): XmlNode {
  const node: XmlNode = {
    Key: c.encode(meta.key),
    LastModified: new Date(meta.lastModified),
    ETag: quote(meta.etag),
  };
  if (meta.checksum) {
    node.ChecksumAlgorithm = ALGORITHM_NAMES[meta.checksum.algorithm];
    node.ChecksumType = meta.checksum.type;
  }
  node.Size = meta.size;
  if (withOwner) node.Owner = owner(ctx);
  node.StorageClass = meta.storageClass ?? 'STANDARD';
  return node;
}

function prefixes(page: ListPage, c: Common): XmlNode[] {
  return page.commonPrefixes.map((p) => ({ Prefix: c.encode(p) }));
}

const TOKEN_TAG = 'k:';

export async function listObjectsV2(ctx: S3Context): Promise<AwsResponse> {
  allow(ctx, 's3:ListBucket', bucketArn(ctx.bucketName));
  const bucket = ctx.store.bucket(ctx.bucketName);
  const c = commonParams(ctx);
  const q = ctx.req.query;
  const token = q.get('continuation-token');
  let after = q.get('start-after') ?? undefined;
  if (token !== null) {
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    if (token === '' || !decoded.startsWith(TOKEN_TAG))
      throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
    after = decoded.slice(TOKEN_TAG.length);
  }
  const page = bucket.index.list({ prefix: c.prefix, delimiter: c.delimiter, after, maxKeys: c.maxKeys });
  const withOwner = q.get('fetch-owner') === 'true';
  const body: XmlNode = { Name: bucket.name, Prefix: c.encode(c.prefix) };
  if (c.delimiter !== undefined) body.Delimiter = c.encode(c.delimiter);
  body.MaxKeys = c.maxKeys;
  if (c.encodingType) body.EncodingType = c.encodingType;
  body.KeyCount = page.contents.length + page.commonPrefixes.length;
  body.IsTruncated = page.truncated;
  if (token !== null) body.ContinuationToken = token;
  if (page.truncated && page.last !== undefined)
    body.NextContinuationToken = Buffer.from(TOKEN_TAG + page.last).toString('base64url');
  if (q.has('start-after')) body.StartAfter = c.encode(q.get('start-after')!);
  body.Contents = page.contents.map((m) => contents(ctx, m, c, withOwner));
  body.CommonPrefixes = prefixes(page, c);
  return xmlResponse('ListBucketResult', body, 200, { 'x-amz-bucket-region': bucket.meta.region });
}

export async function listObjectsV1(ctx: S3Context): Promise<AwsResponse> {
  allow(ctx, 's3:ListBucket', bucketArn(ctx.bucketName));
  const bucket = ctx.store.bucket(ctx.bucketName);
  const c = commonParams(ctx);
  const marker = ctx.req.query.get('marker') ?? '';
  const page = bucket.index.list({
    prefix: c.prefix,
    delimiter: c.delimiter,
    after: marker || undefined,
    maxKeys: c.maxKeys,
  });
  // v1 answers Prefix as given even with encoding-type=url (botocore does not decode it in v1).
  const body: XmlNode = { Name: bucket.name, Prefix: c.prefix, Marker: c.encode(marker) };
  // NextMarker only with a delimiter; without one the client continues from the last key.
  if (page.truncated && c.delimiter !== undefined && page.last !== undefined) body.NextMarker = c.encode(page.last);
  body.MaxKeys = c.maxKeys;
  if (c.delimiter !== undefined) body.Delimiter = c.encode(c.delimiter);
  if (c.encodingType) body.EncodingType = c.encodingType;
  body.IsTruncated = page.truncated;
  body.Contents = page.contents.map((m) => contents(ctx, m, c, true));
  body.CommonPrefixes = prefixes(page, c);
  return xmlResponse('ListBucketResult', body, 200, { 'x-amz-bucket-region': bucket.meta.region });
}

export async function listMultipartUploads(ctx: S3Context): Promise<AwsResponse> {
  allow(ctx, 's3:ListBucketMultipartUploads', bucketArn(ctx.bucketName));
  const bucket = ctx.store.bucket(ctx.bucketName);
  const c = commonParams(ctx, 'max-uploads');
  const q = ctx.req.query;
  const keyMarker = q.get('key-marker') ?? '';
  const idMarker = q.get('upload-id-marker') ?? '';
  const uploads: XmlNode[] = [];
  const common: string[] = [];
  let truncated = false;
  let next: { key: string; id?: string } | undefined;
  let passedIdMarker = idMarker === '';
  for (const u of ctx.store.uploads.list(bucket.meta.id)) {
    const key = u.meta.key;
    if (!key.startsWith(c.prefix)) continue;
    if (keyMarker !== '') {
      const cmp = compareKeys(key, keyMarker);
      if (cmp < 0 || (cmp === 0 && idMarker === '')) continue;
      if (cmp === 0 && !passedIdMarker) {
        if (u.meta.uploadId === idMarker) passedIdMarker = true;
        continue;
      }
    }
    const cut = c.delimiter ? key.indexOf(c.delimiter, c.prefix.length) : -1;
    const cp = cut >= 0 ? key.slice(0, cut + c.delimiter!.length) : undefined;
    if (cp !== undefined && common.includes(cp)) continue;
    if (uploads.length + common.length >= c.maxKeys) {
      truncated = true;
      break;
    }
    if (cp !== undefined) {
      common.push(cp);
      next = { key: cp };
      continue;
    }
    uploads.push({
      Key: c.encode(key),
      UploadId: u.meta.uploadId,
      Initiator: { ID: u.meta.initiator, DisplayName: u.meta.initiator },
      Owner: owner(ctx),
      StorageClass: u.meta.storageClass ?? 'STANDARD',
      Initiated: new Date(u.meta.initiated),
      ...(u.meta.checksumAlgorithm ? { ChecksumAlgorithm: ALGORITHM_NAMES[u.meta.checksumAlgorithm] } : {}),
    });
    next = { key, id: u.meta.uploadId };
  }
  const body: XmlNode = { Bucket: bucket.name, KeyMarker: c.encode(keyMarker), UploadIdMarker: idMarker };
  if (truncated && next) {
    body.NextKeyMarker = c.encode(next.key);
    if (next.id) body.NextUploadIdMarker = next.id;
  }
  if (c.delimiter !== undefined) body.Delimiter = c.encode(c.delimiter);
  body.Prefix = c.encode(c.prefix);
  body.MaxUploads = c.maxKeys;
  if (c.encodingType) body.EncodingType = c.encodingType;
  body.IsTruncated = truncated;
  body.Upload = uploads;
  body.CommonPrefixes = common.map((p) => ({ Prefix: c.encode(p) }));
  return xmlResponse('ListMultipartUploadsResult', body);
}

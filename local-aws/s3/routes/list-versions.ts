// ListObjectVersions: every version and delete marker, keys in UTF-8 order and each key's versions
// newest first; paged by key-marker and version-id-marker. An unversioned bucket's objects are each
// their key's one version, "null".
import type { AwsResponse } from '../../core/request.ts';
import { xmlResponse } from '../../protocols/rest-xml.ts';
import type { XmlNode } from '../../protocols/xml.ts';
import { allow, bucketArn, invalidArgument, owner, quote, type S3Context } from '../context.ts';
import { ALGORITHM_NAMES } from '../input.ts';
import { compareKeys } from '../key-index.ts';
import type { ObjectMeta } from '../object-file.ts';
import type { Bucket } from '../store.ts';
import { looksLikeVersionId, versionIdOf, versionsOf } from '../versions.ts';
import { commonParams } from './list.ts';

/** Every key with a version (current or not), in listing order. */
function allKeys(bucket: Bucket): string[] {
  const keys = bucket.index.keys();
  if (bucket.versions.size === 0) return keys;
  const set = new Set(keys);
  for (const k of bucket.versions.keys()) set.add(k);
  return [...set].sort(compareKeys);
}

function firstAfter(keys: string[], marker: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareKeys(keys[mid]!, marker) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export async function listObjectVersions(ctx: S3Context): Promise<AwsResponse> {
  allow(ctx, 's3:ListBucketVersions', bucketArn(ctx.bucketName));
  const bucket = ctx.store.bucket(ctx.bucketName);
  const c = commonParams(ctx);
  const q = ctx.req.query;
  const keyMarker = q.get('key-marker') ?? '';
  const versionMarker = q.get('version-id-marker') ?? '';
  if (versionMarker !== '' && keyMarker === '')
    throw invalidArgument(
      'A version-id marker cannot be specified without a key marker.',
      'version-id-marker',
      versionMarker,
    );
  if (versionMarker !== '' && !looksLikeVersionId(versionMarker))
    throw invalidArgument('Invalid version id specified', 'version-id-marker', versionMarker);
  const keys = allKeys(bucket);
  const versions: XmlNode[] = [];
  const markers: XmlNode[] = [];
  const common: string[] = [];
  let count = 0;
  let truncated = false;
  let next: { key: string; versionId?: string } | undefined;
  outer: for (let i = keyMarker === '' ? 0 : firstAfter(keys, keyMarker); i < keys.length; i++) {
    const key = keys[i]!;
    if (!key.startsWith(c.prefix)) {
      if (compareKeys(key, c.prefix) > 0 && !key.startsWith(c.prefix)) break;
      continue;
    }
    const cut = c.delimiter ? key.indexOf(c.delimiter, c.prefix.length) : -1;
    if (cut >= 0) {
      const cp = key.slice(0, cut + c.delimiter!.length);
      if (common[common.length - 1] === cp || (keyMarker !== '' && compareKeys(cp, keyMarker) <= 0)) continue;
      if (count >= c.maxKeys) {
        truncated = true;
        break;
      }
      common.push(cp);
      count++;
      next = { key: cp };
      continue;
    }
    let list = versionsOf(bucket, key);
    if (key === keyMarker) {
      // Without a version marker the key was done; with one, resume after that version.
      const at = versionMarker === '' ? list.length : list.findIndex((v) => versionIdOf(v) === versionMarker);
      list = at < 0 ? [] : list.slice(at + 1);
    }
    for (const v of list) {
      if (count >= c.maxKeys) {
        truncated = true;
        break outer;
      }
      (v.deleteMarker ? markers : versions).push(entry(ctx, v, v === versionsOf(bucket, key)[0], c.encode));
      count++;
      next = { key, versionId: versionIdOf(v) };
    }
  }
  const body: XmlNode = {
    Name: bucket.name,
    Prefix: c.encode(c.prefix),
    KeyMarker: c.encode(keyMarker),
    VersionIdMarker: versionMarker,
  };
  if (truncated && next) {
    body.NextKeyMarker = c.encode(next.key);
    if (next.versionId !== undefined) body.NextVersionIdMarker = next.versionId;
  }
  body.MaxKeys = c.maxKeys;
  if (c.delimiter !== undefined) body.Delimiter = c.encode(c.delimiter);
  if (c.encodingType) body.EncodingType = c.encodingType;
  body.IsTruncated = truncated;
  body.Version = versions;
  body.DeleteMarker = markers;
  body.CommonPrefixes = common.map((p) => ({ Prefix: c.encode(p) }));
  return xmlResponse('ListVersionsResult', body);
}

function entry(ctx: S3Context, m: ObjectMeta, latest: boolean, encode: (s: string) => string): XmlNode {
  const common: XmlNode = {
    Key: encode(m.key),
    VersionId: versionIdOf(m),
    IsLatest: latest,
    LastModified: new Date(m.lastModified),
  };
  if (m.deleteMarker) return { ...common, Owner: owner(ctx) };
  const node: XmlNode = {
    ...common,
    ETag: quote(m.etag),
    Size: m.size,
    StorageClass: m.storageClass ?? 'STANDARD',
    Owner: owner(ctx),
  };
  if (m.checksum) {
    node.ChecksumAlgorithm = ALGORITHM_NAMES[m.checksum.algorithm];
    node.ChecksumType = m.checksum.type;
  }
  return node;
}

// S3 listings through the real SDK: ListObjectsV2 (prefix, delimiter, paging, start-after,
// encoding-type=url, KeyCount), ListObjects v1 (markers), ListObjectVersions, and DeleteObjects.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandInput,
} from '@aws-sdk/client-s3';
import type { TestServer } from '../../support/local-aws.ts';
import { startS3WithBucket } from '../../support/s3.ts';
import { errorCode, s3Raw } from '../../support/s3-raw.ts';

let server: TestServer;
let s3: S3Client;
const B = 'list-bucket';
const KEYS = [
  'a.txt',
  'photos/2023/jan.jpg',
  'photos/2023/feb.jpg',
  'photos/2024/mar.jpg',
  'photos/top.jpg',
  'plus+key',
  'space key',
  'z/deep/er/key',
  '\u{E000}private-use', // sorts before the emoji in UTF-8, after it in UTF-16
  '\u{1F34A}orange',
];

before(async () => {
  ({ server, s3 } = await startS3WithBucket(B));
  await Promise.all(KEYS.map((Key) => s3.send(new PutObjectCommand({ Bucket: B, Key, Body: Key }))));
});
after(() => server.stopAndRemove());

const md5 = (s: string) => createHash('md5').update(s).digest('base64');
const utf8Sorted = [...KEYS].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

async function listAll(input: Omit<ListObjectsV2CommandInput, 'Bucket'>) {
  const keys: string[] = [];
  const prefixes: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: B, ...input, ContinuationToken: token }));
    pages++;
    keys.push(...(r.Contents ?? []).map((c) => c.Key!));
    prefixes.push(...(r.CommonPrefixes ?? []).map((c) => c.Prefix!));
    assert.equal(r.KeyCount, (r.Contents?.length ?? 0) + (r.CommonPrefixes?.length ?? 0));
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
    if (r.IsTruncated) assert.ok(token);
  } while (token);
  return { keys, prefixes, pages };
}

describe('S3 ListObjectsV2', () => {
  it('lists every key in UTF-8 binary order with sizes, ETags and storage class', async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: B }));
    assert.deepEqual(
      r.Contents?.map((c) => c.Key),
      utf8Sorted,
    );
    assert.equal(r.KeyCount, KEYS.length);
    assert.equal(r.IsTruncated, false);
    assert.equal(r.Name, B);
    assert.equal(r.MaxKeys, 1000);
    const a = r.Contents!.find((c) => c.Key === 'a.txt')!;
    assert.equal(a.Size, 5);
    assert.match(a.ETag ?? '', /^"[0-9a-f]{32}"$/);
    assert.equal(a.StorageClass, 'STANDARD');
    assert.ok(a.LastModified instanceof Date);
    assert.equal(a.Owner, undefined);
    const owned = await s3.send(new ListObjectsV2Command({ Bucket: B, FetchOwner: true, MaxKeys: 1 }));
    assert.ok(owned.Contents?.[0]?.Owner?.ID);
  });

  it('rolls keys up into CommonPrefixes with a delimiter, and KeyCount counts both', async () => {
    const top = await s3.send(new ListObjectsV2Command({ Bucket: B, Delimiter: '/' }));
    assert.deepEqual(
      top.CommonPrefixes?.map((p) => p.Prefix),
      ['photos/', 'z/'],
    );
    assert.deepEqual(
      top.Contents?.map((c) => c.Key),
      utf8Sorted.filter((k) => !k.includes('/')),
    );
    assert.equal(top.KeyCount, 2 + utf8Sorted.filter((k) => !k.includes('/')).length);
    const photos = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'photos/', Delimiter: '/' }));
    assert.deepEqual(
      photos.CommonPrefixes?.map((p) => p.Prefix),
      ['photos/2023/', 'photos/2024/'],
    );
    assert.deepEqual(
      photos.Contents?.map((c) => c.Key),
      ['photos/top.jpg'],
    );
    assert.equal(photos.Prefix, 'photos/');
    assert.equal(photos.Delimiter, '/');
    const none = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'nothing-here/' }));
    assert.equal(none.KeyCount, 0);
    assert.equal(none.Contents, undefined);
  });

  it('pages with max-keys and continuation tokens, common prefixes included', async () => {
    const all = await listAll({ MaxKeys: 3 });
    assert.deepEqual(all.keys, utf8Sorted);
    assert.equal(all.pages, Math.ceil(KEYS.length / 3));
    const rolled = await listAll({ MaxKeys: 1, Delimiter: '/' });
    assert.deepEqual(rolled.prefixes, ['photos/', 'z/']);
    assert.deepEqual(
      rolled.keys,
      utf8Sorted.filter((k) => !k.includes('/')),
    );
    const exact = await s3.send(new ListObjectsV2Command({ Bucket: B, MaxKeys: KEYS.length }));
    assert.equal(exact.IsTruncated, false, 'exactly max-keys keys is not truncated');
    const zero = await s3.send(new ListObjectsV2Command({ Bucket: B, MaxKeys: 0 }));
    assert.equal(zero.KeyCount, 0);
  });

  it('starts after start-after, and refuses an empty or forged continuation token', async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: B, StartAfter: 'photos/2023/jan.jpg' }));
    assert.deepEqual(
      r.Contents?.map((c) => c.Key),
      utf8Sorted.slice(utf8Sorted.indexOf('photos/2023/jan.jpg') + 1),
    );
    assert.equal(r.StartAfter, 'photos/2023/jan.jpg');
    for (const token of ['', 'garbage']) {
      const raw = await s3Raw(server.url, {
        method: 'GET',
        path: `/${B}`,
        query: `continuation-token=${token}&list-type=2`,
      });
      assert.equal(raw.status, 400);
      assert.equal(errorCode(raw), 'InvalidArgument');
      assert.match(raw.text, /The continuation token provided is incorrect/);
    }
  });

  it('URL-encodes keys and prefixes with encoding-type=url (+ as %2B)', async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: B, EncodingType: 'url', Prefix: 'p', Delimiter: '/' }));
    assert.equal(r.EncodingType, 'url');
    assert.deepEqual(
      r.Contents?.map((c) => c.Key),
      ['plus%2Bkey'],
    );
    assert.deepEqual(
      r.CommonPrefixes?.map((p) => p.Prefix),
      ['photos/'],
    );
    const s = await s3.send(new ListObjectsV2Command({ Bucket: B, EncodingType: 'url', Prefix: 'space' }));
    assert.equal(decodeURIComponent(s.Contents![0]!.Key!.replace(/\+/g, ' ')), 'space key');
    const bad = await s3Raw(server.url, { method: 'GET', path: `/${B}`, query: 'encoding-type=base64&list-type=2' });
    assert.equal(errorCode(bad), 'InvalidArgument');
    const badMax = await s3Raw(server.url, { method: 'GET', path: `/${B}`, query: 'list-type=2&max-keys=-1' });
    assert.equal(errorCode(badMax), 'InvalidArgument');
  });

  it('answers NoSuchBucket for a missing bucket', async () => {
    await assert.rejects(s3.send(new ListObjectsV2Command({ Bucket: 'no-such-list-bucket' })), {
      name: 'NoSuchBucket',
    });
  });
});

describe('S3 ListObjects (v1) and ListObjectVersions', () => {
  it('pages with Marker / NextMarker', async () => {
    const first = await s3.send(new ListObjectsCommand({ Bucket: B, MaxKeys: 4 }));
    assert.equal(first.IsTruncated, true);
    assert.equal(first.NextMarker, undefined, 'no NextMarker without a delimiter');
    assert.deepEqual(
      first.Contents?.map((c) => c.Key),
      utf8Sorted.slice(0, 4),
    );
    assert.ok(first.Contents?.[0]?.Owner?.ID, 'v1 always lists the owner');
    const second = await s3.send(new ListObjectsCommand({ Bucket: B, Marker: first.Contents![3]!.Key }));
    assert.deepEqual(
      second.Contents?.map((c) => c.Key),
      utf8Sorted.slice(4),
    );
    const rolled = await s3.send(new ListObjectsCommand({ Bucket: B, Delimiter: '/', MaxKeys: 2 }));
    assert.equal(rolled.IsTruncated, true);
    assert.ok(rolled.NextMarker);
    const next = await s3.send(new ListObjectsCommand({ Bucket: B, Delimiter: '/', Marker: rolled.NextMarker }));
    const seen = [...(rolled.Contents ?? []).map((c) => c.Key), ...(rolled.CommonPrefixes ?? []).map((p) => p.Prefix)];
    const rest = [...(next.Contents ?? []).map((c) => c.Key), ...(next.CommonPrefixes ?? []).map((p) => p.Prefix)];
    assert.equal(new Set([...seen, ...rest]).size, seen.length + rest.length, 'no item twice');
    assert.equal(seen.length + rest.length, 2 + utf8Sorted.filter((k) => !k.includes('/')).length);
  });

  it('lists every object as version "null", the latest, and pages by key marker', async () => {
    const r = await s3.send(new ListObjectVersionsCommand({ Bucket: B }));
    assert.deepEqual(
      r.Versions?.map((v) => v.Key),
      utf8Sorted,
    );
    assert.ok(r.Versions?.every((v) => v.VersionId === 'null' && v.IsLatest === true && typeof v.Size === 'number'));
    assert.equal(r.DeleteMarkers, undefined);
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: B, MaxKeys: 3 }));
    assert.equal(page.IsTruncated, true);
    assert.equal(page.NextKeyMarker, utf8Sorted[2]);
    assert.equal(page.NextVersionIdMarker, 'null');
    const next = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: B,
        KeyMarker: page.NextKeyMarker,
        VersionIdMarker: page.NextVersionIdMarker,
      }),
    );
    assert.deepEqual(
      next.Versions?.map((v) => v.Key),
      utf8Sorted.slice(3),
    );
  });
});

describe('S3 DeleteObjects', () => {
  it('deletes a batch, lists each key (even missing ones), and quiet mode lists none', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'batch-delete' }));
    const keys = ['one', 'two', 'dir/three', 'with space+plus'];
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: 'batch-delete', Key, Body: Key }));
    const r = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'batch-delete',
        Delete: { Objects: [{ Key: 'one' }, { Key: 'missing' }, { Key: 'two', VersionId: 'null' }] },
      }),
    );
    assert.deepEqual(
      r.Deleted?.map((d) => d.Key),
      ['one', 'missing', 'two'],
    );
    assert.equal(r.Deleted?.[2]?.VersionId, 'null');
    assert.equal(r.Errors, undefined);
    const quiet = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'batch-delete',
        Delete: {
          Quiet: true,
          Objects: [{ Key: 'dir/three' }, { Key: 'with space+plus' }, { Key: 'x', VersionId: 'bogus' }],
        },
      }),
    );
    assert.equal(quiet.Deleted, undefined);
    assert.deepEqual(
      quiet.Errors?.map((e) => [e.Key, e.Code]),
      [['x', 'NoSuchVersion']],
    );
    const left = await s3.send(new ListObjectsV2Command({ Bucket: 'batch-delete' }));
    assert.equal(left.KeyCount, 0);
  });

  it('refuses a batch without Content-MD5 or checksum, and malformed ones', async () => {
    const body = '<Delete><Object><Key>a</Key></Object></Delete>';
    const missing = await s3Raw(server.url, { method: 'POST', path: '/batch-delete', query: 'delete', body });
    assert.equal(missing.status, 400);
    assert.equal(errorCode(missing), 'InvalidRequest');
    const tooMany = `<Delete>${'<Object><Key>k</Key></Object>'.repeat(1001)}</Delete>`;
    const big = await s3Raw(server.url, {
      method: 'POST',
      path: '/batch-delete',
      query: 'delete',
      body: tooMany,
      headers: { 'content-md5': md5(tooMany) },
    });
    assert.equal(errorCode(big), 'MalformedXML');
    const empty = '<Delete></Delete>';
    const none = await s3Raw(server.url, {
      method: 'POST',
      path: '/batch-delete',
      query: 'delete',
      body: empty,
      headers: { 'content-md5': md5(empty) },
    });
    assert.equal(errorCode(none), 'MalformedXML');
  });
});

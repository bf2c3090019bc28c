// S3 objects through the real SDK: put/get/head/delete, keys of every kind, metadata and stored
// headers, ranges, conditional requests, checksums and Content-MD5, streaming (aws-chunked) bodies,
// copies, object tags, presigned URLs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { checksumBase64 } from '../../../local-aws/core/checksums.ts';
import type { TestServer } from '../../support/local-aws.ts';
import { startS3WithBucket } from '../../support/s3.ts';
import { errorCode, s3Raw } from '../../support/s3-raw.ts';

let server: TestServer;
let s3: S3Client;
const B = 'objects-bucket';

before(async () => ({ server, s3 } = await startS3WithBucket(B)));
after(() => server.stopAndRemove());

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

async function getText(key: string, extra: Partial<ConstructorParameters<typeof GetObjectCommand>[0]> = {}) {
  const r = await s3.send(new GetObjectCommand({ Bucket: B, Key: key, ...extra }));
  return { r, text: await r.Body!.transformToString() };
}

describe('S3 objects: put, get, head, delete', () => {
  it('round-trips bytes, ETag, stored headers and user metadata', async () => {
    const body = 'hello, world';
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: B,
        Key: 'docs/hello.txt',
        Body: body,
        ContentType: 'text/plain; charset=utf-8',
        CacheControl: 'max-age=60',
        ContentDisposition: 'attachment; filename="hello.txt"',
        ContentEncoding: 'identity',
        ContentLanguage: 'en',
        Metadata: { owner: 'me', 'x-thing': 'A b' },
        Tagging: 'a=1&b=two%20words',
      }),
    );
    assert.equal(put.ETag, `"${md5(body)}"`);
    const { r, text } = await getText('docs/hello.txt');
    assert.equal(text, body);
    assert.equal(r.ETag, `"${md5(body)}"`);
    assert.equal(r.ContentType, 'text/plain; charset=utf-8');
    assert.equal(r.CacheControl, 'max-age=60');
    assert.equal(r.ContentDisposition, 'attachment; filename="hello.txt"');
    assert.equal(r.ContentEncoding, 'identity');
    assert.equal(r.ContentLanguage, 'en');
    assert.deepEqual(r.Metadata, { owner: 'me', 'x-thing': 'A b' });
    assert.equal(r.ContentLength, body.length);
    assert.equal(r.TagCount, 2);
    assert.equal(r.AcceptRanges, 'bytes');
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'docs/hello.txt' }));
    assert.equal(head.ContentLength, body.length);
    assert.equal(head.ETag, `"${md5(body)}"`);
    assert.deepEqual(head.Metadata, { owner: 'me', 'x-thing': 'A b' });
    assert.ok(head.LastModified instanceof Date && Math.abs(head.LastModified.getTime() - Date.now()) < 60_000);
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: B, Key: 'docs/hello.txt' }));
    assert.deepEqual(tags.TagSet, [
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: 'two words' },
    ]);
  });

  it('keeps keys as opaque strings: dots, double slashes, spaces, plus, percent, unicode', async () => {
    const keys = [
      '../../etc/passwd',
      'a//b/./c/../d',
      'sp ace+plus%25percent',
      'ünï/cödé 日本 🍊.jpg',
      '..',
      '.',
      'trailing/',
      ' lead and trail ',
    ];
    for (const [i, key] of keys.entries()) {
      await s3.send(new PutObjectCommand({ Bucket: B, Key: key, Body: `body ${i}` }));
    }
    for (const [i, key] of keys.entries()) {
      assert.equal((await getText(key)).text, `body ${i}`, key);
    }
    // A key with `+` and one with a space are different objects.
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'x+y', Body: 'plus' }));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'x y', Body: 'space' }));
    assert.equal((await getText('x+y')).text, 'plus');
    assert.equal((await getText('x y')).text, 'space');
  });

  it('defaults the content type and answers NoSuchKey / NotFound for a missing key', async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'plain', Body: Buffer.from([1, 2, 3]) }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'plain' }));
    assert.ok(head.ContentType);
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: B, Key: 'nope' })), (e: Error & { Key?: string }) => {
      assert.equal(e.name, 'NoSuchKey');
      assert.equal(e.message, 'The specified key does not exist.');
      return true;
    });
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: B, Key: 'nope' })), { name: 'NotFound' });
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket-here', Key: 'k' })), {
      name: 'NoSuchBucket',
    });
  });

  it('overwrites, deletes (idempotently) and forgets', async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'over', Body: 'one' }));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'over', Body: 'two' }));
    assert.equal((await getText('over')).text, 'two');
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'over' }));
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'over' }));
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: B, Key: 'over' })), { name: 'NoSuchKey' });
  });

  it('stores an empty object and a 3 MB object', async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'empty', Body: '' }));
    const e = await getText('empty');
    assert.equal(e.text, '');
    assert.equal(e.r.ETag, `"${md5('')}"`);
    const big = Buffer.alloc(3 * 1024 * 1024 + 7);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'big', Body: big }));
    const r = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'big' }));
    assert.ok(Buffer.from(await r.Body!.transformToByteArray()).equals(big));
    assert.equal(r.ETag, `"${md5(big)}"`);
  });
});

describe('S3 objects: ranges and conditions', () => {
  const body = '0123456789abcdefghij';
  before(async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'range', Body: body }));
    const big = Buffer.alloc(600 * 1024, 'x');
    big.write('START', 0);
    big.write('END', big.length - 3);
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'range-big', Body: big }));
  });

  it('serves bytes=a-b, open-ended and suffix ranges with 206 and Content-Range', async () => {
    const cases: Array<[string, string, string]> = [
      ['bytes=0-9', '0123456789', 'bytes 0-9/20'],
      ['bytes=15-', 'fghij', 'bytes 15-19/20'],
      ['bytes=-3', 'hij', 'bytes 17-19/20'],
      ['bytes=18-100', 'ij', 'bytes 18-19/20'],
      ['bytes=-50', body, 'bytes 0-19/20'],
    ];
    for (const [range, expected, contentRange] of cases) {
      const { r, text } = await getText('range', { Range: range });
      assert.equal(r.$metadata.httpStatusCode, 206, range);
      assert.equal(text, expected, range);
      assert.equal(r.ContentRange, contentRange, range);
      assert.equal(r.ContentLength, expected.length);
      assert.equal(r.ChecksumCRC32, undefined, 'no whole-object checksum on a 206');
    }
    const big = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'range-big', Range: 'bytes=-3' }));
    assert.equal(await big.Body!.transformToString(), 'END');
    const start = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'range-big', Range: 'bytes=0-4' }));
    assert.equal(await start.Body!.transformToString(), 'START');
  });

  it('answers 416 InvalidRange past the end, and ignores ranges S3 ignores', async () => {
    await assert.rejects(
      s3.send(new GetObjectCommand({ Bucket: B, Key: 'range', Range: 'bytes=20-' })),
      (e: Error & { $metadata: { httpStatusCode: number } }) => {
        assert.equal(e.name, 'InvalidRange');
        assert.equal(e.$metadata.httpStatusCode, 416);
        return true;
      },
    );
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: B, Key: 'empty', Range: 'bytes=0-' })), {
      name: 'InvalidRange',
    });
    for (const range of ['bytes=5-2', 'items=0-1', 'bytes=0-1,4-5', 'bytes=abc']) {
      const { r, text } = await getText('range', { Range: range });
      assert.equal(r.$metadata.httpStatusCode, 200, range);
      assert.equal(text, body);
    }
  });

  it('evaluates If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since', async () => {
    const etag = `"${md5(body)}"`;
    assert.equal((await getText('range', { IfMatch: etag })).text, body);
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: B, Key: 'range', IfMatch: '"0000"' })), {
      name: 'PreconditionFailed',
    });
    await assert.rejects(
      s3.send(new GetObjectCommand({ Bucket: B, Key: 'range', IfNoneMatch: etag })),
      (e: Error & { $metadata: { httpStatusCode: number } }) => {
        assert.equal(e.$metadata.httpStatusCode, 304);
        return true;
      },
    );
    const future = new Date(Date.now() + 3600_000);
    const past = new Date(Date.now() - 3600_000);
    await assert.rejects(
      s3.send(new GetObjectCommand({ Bucket: B, Key: 'range', IfModifiedSince: future })),
      (e: Error & { $metadata: { httpStatusCode: number } }) => e.$metadata.httpStatusCode === 304,
    );
    assert.equal((await getText('range', { IfModifiedSince: past })).text, body);
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: B, Key: 'range', IfUnmodifiedSince: past })), {
      name: 'PreconditionFailed',
    });
    // If-Match that holds wins over a failing If-Unmodified-Since.
    assert.equal((await getText('range', { IfMatch: etag, IfUnmodifiedSince: past })).text, body);
    await assert.rejects(
      s3.send(new HeadObjectCommand({ Bucket: B, Key: 'range', IfMatch: '"nope"' })),
      (e: Error & { $metadata: { httpStatusCode: number } }) => e.$metadata.httpStatusCode === 412,
    );
  });

  it('supports conditional writes (If-None-Match: *)', async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'once', Body: 'first', IfNoneMatch: '*' }));
    await assert.rejects(s3.send(new PutObjectCommand({ Bucket: B, Key: 'once', Body: 'second', IfNoneMatch: '*' })), {
      name: 'PreconditionFailed',
    });
    assert.equal((await getText('once')).text, 'first');
  });
});

describe('S3 objects: checksums and digests', () => {
  it('stores the SDK checksum and echoes it only with ChecksumMode ENABLED', async () => {
    const body = 'checksum me';
    const put = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'ck', Body: body }));
    assert.equal(put.ChecksumCRC32, checksumBase64('crc32', Buffer.from(body)));
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'ck', ChecksumMode: 'ENABLED' }));
    assert.equal(got.ChecksumCRC32, checksumBase64('crc32', Buffer.from(body)));
    assert.equal(await got.Body!.transformToString(), body);
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'ck' }));
    assert.equal(head.ChecksumCRC32, undefined);
    for (const algorithm of ['SHA256', 'SHA1', 'CRC32C'] as const) {
      const p = await s3.send(
        new PutObjectCommand({ Bucket: B, Key: `ck-${algorithm}`, Body: body, ChecksumAlgorithm: algorithm }),
      );
      const field = `Checksum${algorithm}` as const;
      assert.equal(
        p[field],
        checksumBase64(algorithm.toLowerCase() as 'sha256' | 'sha1' | 'crc32c', Buffer.from(body)),
      );
      const h = await s3.send(new HeadObjectCommand({ Bucket: B, Key: `ck-${algorithm}`, ChecksumMode: 'ENABLED' }));
      assert.equal(h[field], p[field]);
    }
  });

  it('refuses a wrong checksum with BadDigest and a malformed one with InvalidRequest', async () => {
    await assert.rejects(
      s3.send(new PutObjectCommand({ Bucket: B, Key: 'bad-ck', Body: 'data', ChecksumCRC32: 'AAAAAA==' })),
      (e: Error) =>
        e.name === 'BadDigest' && e.message === 'The CRC32 you specified did not match the calculated checksum.',
    );
    await assert.rejects(
      s3.send(
        new PutObjectCommand({
          Bucket: B,
          Key: 'bad-ck',
          Body: 'data',
          ChecksumSHA256: checksumBase64('sha256', Buffer.from('other')),
        }),
      ),
      (e: Error) => e.name === 'BadDigest' && /SHA256/.test(e.message),
    );
    const raw = await s3Raw(server.url, {
      method: 'PUT',
      path: `/${B}/bad-ck`,
      body: 'data',
      headers: { 'x-amz-checksum-crc32': 'not base64!' },
    });
    assert.equal(raw.status, 400);
    assert.equal(errorCode(raw), 'InvalidRequest');
    assert.match(raw.text, /Value for x-amz-checksum-crc32 header is invalid/);
    const two = await s3Raw(server.url, {
      method: 'PUT',
      path: `/${B}/bad-ck`,
      body: 'data',
      headers: {
        'x-amz-checksum-crc32': checksumBase64('crc32', Buffer.from('data')),
        'x-amz-checksum-sha1': checksumBase64('sha1', Buffer.from('data')),
      },
    });
    assert.equal(errorCode(two), 'InvalidRequest');
    assert.match(two.text, /Multiple checksum Types are not allowed/);
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: B, Key: 'bad-ck' })), { name: 'NoSuchKey' });
  });

  it('verifies Content-MD5: BadDigest when wrong, InvalidDigest when malformed', async () => {
    const good = createHash('md5').update('abc').digest('base64');
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'md5', Body: 'abc', ContentMD5: good }));
    await assert.rejects(
      s3.send(new PutObjectCommand({ Bucket: B, Key: 'md5', Body: 'abd', ContentMD5: good })),
      (e: Error) =>
        e.name === 'BadDigest' && e.message === 'The Content-MD5 you specified did not match what we received.',
    );
    await assert.rejects(s3.send(new PutObjectCommand({ Bucket: B, Key: 'md5', Body: 'abc', ContentMD5: 'short' })), {
      name: 'InvalidDigest',
    });
    assert.equal((await getText('md5')).text, 'abc');
  });

  it('accepts streaming (aws-chunked, trailing CRC32) uploads of a Readable with ContentLength', async () => {
    const parts = [Buffer.alloc(70_000, 'a'), Buffer.alloc(33, 'b'), Buffer.alloc(100_000, 'c')];
    const all = Buffer.concat(parts);
    const put = await s3.send(
      new PutObjectCommand({ Bucket: B, Key: 'stream', Body: Readable.from(parts), ContentLength: all.length }),
    );
    assert.equal(put.ETag, `"${md5(all)}"`);
    assert.equal(put.ChecksumCRC32, checksumBase64('crc32', all));
    const r = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'stream', ChecksumMode: 'ENABLED' }));
    assert.ok(Buffer.from(await r.Body!.transformToByteArray()).equals(all));
    assert.equal(r.ContentEncoding, undefined, 'aws-chunked is not a stored content encoding');
  });
});

describe('S3 objects: copy, tags, presigned URLs', () => {
  it('copies with COPY and REPLACE metadata directives, URL-encoded sources and across buckets', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'copy-target' }));
    const key = 'src dir/ä+b%.txt';
    await s3.send(
      new PutObjectCommand({ Bucket: B, Key: key, Body: 'copy me', ContentType: 'text/x-a', Metadata: { m: '1' } }),
    );
    const source = `${B}/${encodeURIComponent(key)}`;
    const copied = await s3.send(new CopyObjectCommand({ Bucket: 'copy-target', Key: 'dst', CopySource: source }));
    assert.equal(copied.CopyObjectResult?.ETag, `"${md5('copy me')}"`);
    assert.ok(copied.CopyObjectResult?.LastModified instanceof Date);
    const a = await s3.send(new GetObjectCommand({ Bucket: 'copy-target', Key: 'dst' }));
    assert.equal(await a.Body!.transformToString(), 'copy me');
    assert.equal(a.ContentType, 'text/x-a');
    assert.deepEqual(a.Metadata, { m: '1' });
    await s3.send(
      new CopyObjectCommand({
        Bucket: 'copy-target',
        Key: 'dst2',
        CopySource: `/${source}`,
        MetadataDirective: 'REPLACE',
        ContentType: 'text/x-b',
        Metadata: { n: '2' },
      }),
    );
    const b = await s3.send(new HeadObjectCommand({ Bucket: 'copy-target', Key: 'dst2' }));
    assert.equal(b.ContentType, 'text/x-b');
    assert.deepEqual(b.Metadata, { n: '2' });
    // A large (file-backed, streamed) source copies too.
    const big = Buffer.alloc(1200 * 1024, 'z');
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'big-src', Body: big }));
    await s3.send(new CopyObjectCommand({ Bucket: 'copy-target', Key: 'big-dst', CopySource: `${B}/big-src` }));
    const c = await s3.send(new GetObjectCommand({ Bucket: 'copy-target', Key: 'big-dst' }));
    assert.ok(Buffer.from(await c.Body!.transformToByteArray()).equals(big));
  });

  it('refuses to copy an object onto itself without a change, allows it with REPLACE', async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'self', Body: 'me', Metadata: { v: '1' } }));
    await assert.rejects(
      s3.send(new CopyObjectCommand({ Bucket: B, Key: 'self', CopySource: `${B}/self` })),
      (e: Error) => {
        assert.equal(e.name, 'InvalidRequest');
        assert.match(e.message, /copy an object to itself without changing/);
        return true;
      },
    );
    await s3.send(
      new CopyObjectCommand({
        Bucket: B,
        Key: 'self',
        CopySource: `${B}/self`,
        MetadataDirective: 'REPLACE',
        Metadata: { v: '2' },
      }),
    );
    assert.deepEqual((await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'self' }))).Metadata, { v: '2' });
  });

  it('answers copy errors: missing source, bad source header, failed copy-source condition', async () => {
    await assert.rejects(s3.send(new CopyObjectCommand({ Bucket: B, Key: 'x', CopySource: `${B}/missing` })), {
      name: 'NoSuchKey',
    });
    await assert.rejects(s3.send(new CopyObjectCommand({ Bucket: B, Key: 'x', CopySource: `no-such-bucket-xyz/k` })), {
      name: 'NoSuchBucket',
    });
    await assert.rejects(s3.send(new CopyObjectCommand({ Bucket: B, Key: 'x', CopySource: 'just-a-bucket' })), {
      name: 'InvalidArgument',
    });
    await assert.rejects(
      s3.send(new CopyObjectCommand({ Bucket: B, Key: 'x', CopySource: `${B}/self`, CopySourceIfMatch: '"nope"' })),
      { name: 'PreconditionFailed' },
    );
  });

  it('puts, gets and deletes object tags, keeping ETag and Last-Modified', async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'tagged', Body: 'tags' }));
    const before = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'tagged' }));
    await s3.send(
      new PutObjectTaggingCommand({ Bucket: B, Key: 'tagged', Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } }),
    );
    assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: B, Key: 'tagged' }))).TagSet, [
      { Key: 'k', Value: 'v' },
    ]);
    const afterTag = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'tagged' }));
    assert.equal(afterTag.ETag, before.ETag);
    assert.equal(afterTag.LastModified?.getTime(), before.LastModified?.getTime());
    await assert.rejects(
      s3.send(
        new PutObjectTaggingCommand({
          Bucket: B,
          Key: 'tagged',
          Tagging: {
            TagSet: [
              { Key: 'k', Value: '1' },
              { Key: 'k', Value: '2' },
            ],
          },
        }),
      ),
      (e: Error) => e.name === 'InvalidTag' && e.message === 'Cannot provide multiple Tags with the same key',
    );
    await s3.send(new DeleteObjectTaggingCommand({ Bucket: B, Key: 'tagged' }));
    assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: B, Key: 'tagged' }))).TagSet ?? [], []);
    assert.equal(
      await (await s3.send(new GetObjectCommand({ Bucket: B, Key: 'tagged' }))).Body!.transformToString(),
      'tags',
    );
  });

  it('serves presigned GET and PUT URLs, and refuses an expired one', async () => {
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: B, Key: 'presigned/ä b.txt' }), {
      expiresIn: 300,
    });
    const put = await fetch(putUrl, { method: 'PUT', body: 'via presigned' });
    assert.equal(put.status, 200, await put.text());
    const getUrl = await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: B, Key: 'presigned/ä b.txt', ResponseContentType: 'text/x-custom' }),
      {
        expiresIn: 300,
      },
    );
    const got = await fetch(getUrl);
    assert.equal(got.status, 200);
    assert.equal(await got.text(), 'via presigned');
    assert.equal(got.headers.get('content-type'), 'text/x-custom');
    const expired = await getSignedUrl(s3, new GetObjectCommand({ Bucket: B, Key: 'presigned/ä b.txt' }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 3600_000),
    });
    const denied = await fetch(expired);
    assert.equal(denied.status, 403);
    const text = await denied.text();
    assert.match(text, /<Code>AccessDenied<\/Code>/);
    assert.match(text, /Request has expired/);
  });

  it('refuses a presigned URL with a tampered signature, an unknown key or a changed object key', async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'presigned/ä b.txt', Body: 'via presigned' }));
    const url = new URL(
      await getSignedUrl(s3, new GetObjectCommand({ Bucket: B, Key: 'presigned/ä b.txt' }), { expiresIn: 300 }),
    );
    const refused = async (u: URL, code: string) => {
      const res = await fetch(u);
      const text = await res.text();
      assert.equal(res.status, 403, text);
      assert.match(text, new RegExp(`<Code>${code}</Code>`));
      return text;
    };
    const sig = url.searchParams.get('X-Amz-Signature')!;
    const tampered = new URL(url);
    tampered.searchParams.set('X-Amz-Signature', (sig[0] === '0' ? '1' : '0') + sig.slice(1));
    await refused(tampered, 'SignatureDoesNotMatch');
    const unknown = new URL(url);
    unknown.searchParams.set(
      'X-Amz-Credential',
      url.searchParams.get('X-Amz-Credential')!.replace(/^test\//, 'AKIAIOSFODNN7EXAMPLE/'),
    );
    assert.match(
      await refused(unknown, 'InvalidAccessKeyId'),
      /<AWSAccessKeyId>AKIAIOSFODNN7EXAMPLE<\/AWSAccessKeyId>/,
    );
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'presigned/other.txt', Body: 'other' }));
    const otherKey = new URL(url);
    otherKey.pathname = url.pathname.replace(/[^/]+$/, 'other.txt');
    await refused(otherKey, 'SignatureDoesNotMatch');
    // The untouched URL still works: the refusals came from the changes.
    assert.equal((await fetch(url)).status, 200);
  });
});

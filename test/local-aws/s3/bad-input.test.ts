// Malformed and hostile S3 requests: each gets an AWS-style error with the right code (never a 500),
// the server keeps working afterwards, and keys never become file paths.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startTestServer, tempDir, type TestServer } from '../../support/local-aws.ts';
import { errorCode, s3Raw, type RawRequest } from '../../support/s3-raw.ts';

let server: TestServer;
let s3: S3Client;
const B = 'bad-input';
const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('base64');

// The data folder sits three levels deep in a folder of its own, so `../../..` from it stays
// somewhere this test can watch.
const sandbox = tempDir('s3-bad-input-');

before(async () => {
  server = await startTestServer({ dataDir: path.join(sandbox, 'x', 'y', 'data') });
  s3 = new S3Client(server.clientConfig());
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  await s3.send(new PutObjectCommand({ Bucket: B, Key: 'obj', Body: '0123456789' }));
});
after(async () => {
  await server.stopAndRemove();
  fs.rmSync(sandbox, { recursive: true, force: true });
});

interface Case {
  name: string;
  req: RawRequest;
  status: number;
  code: string;
}

async function expectError(c: Case): Promise<void> {
  const res = await s3Raw(server.url, c.req);
  assert.equal(res.status, c.status, `${c.name}: ${res.status} ${res.text}`);
  assert.equal(errorCode(res), c.code, `${c.name}: ${res.text}`);
  assert.match(res.text, /<RequestId>[0-9A-F]{16}<\/RequestId>/, c.name);
  assert.equal(res.headers['content-type'], 'application/xml', c.name);
}

async function stillWorks(): Promise<void> {
  const r = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'obj' }));
  assert.equal(await r.Body!.transformToString(), '0123456789');
}

const xml = (body: string) => ({ body, headers: { 'content-md5': md5(body), 'content-type': 'application/xml' } });

describe('S3 bad input', () => {
  it('broken XML bodies are MalformedXML', async () => {
    const cases: Case[] = [
      {
        name: 'notification',
        req: {
          method: 'PUT',
          path: `/${B}`,
          query: 'notification',
          ...xml('<NotificationConfiguration><CloudFunctionConfiguration>'),
        },
        status: 400,
        code: 'MalformedXML',
      },
      {
        name: 'tagging',
        req: { method: 'PUT', path: `/${B}`, query: 'tagging', ...xml('<Tagging><TagSet><Tag><Key>a</Key></TagSet>') },
        status: 400,
        code: 'MalformedXML',
      },
      {
        name: 'tagging without TagSet',
        req: { method: 'PUT', path: `/${B}`, query: 'tagging', ...xml('<Tagging></Tagging>') },
        status: 400,
        code: 'MalformedXML',
      },
      {
        name: 'delete',
        req: { method: 'POST', path: `/${B}`, query: 'delete', ...xml('<Delete><Object><Key>a</Key>') },
        status: 400,
        code: 'MalformedXML',
      },
      {
        name: 'delete, not XML',
        req: { method: 'POST', path: `/${B}`, query: 'delete', ...xml('{"Objects": []}') },
        status: 400,
        code: 'MalformedXML',
      },
      {
        name: 'delete without keys',
        req: { method: 'POST', path: `/${B}`, query: 'delete', ...xml('<Delete><Object></Object></Delete>') },
        status: 400,
        code: 'MalformedXML',
      },
      {
        name: 'public access block',
        req: { method: 'PUT', path: `/${B}`, query: 'publicAccessBlock', ...xml('<<<>>>') },
        status: 400,
        code: 'MalformedXML',
      },
      {
        name: 'create bucket',
        req: { method: 'PUT', path: '/new-bucket-x', ...xml('<CreateBucketConfiguration><LocationConstraint>') },
        status: 400,
        code: 'MalformedXML',
      },
      {
        name: 'entity expansion',
        req: {
          method: 'PUT',
          path: `/${B}`,
          query: 'tagging',
          ...xml(
            '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaa"><!ENTITY b ' +
              '"&a;&a;&a;">]><Tagging><TagSet><Tag><Key>&b;</Key><Value>v</Value></Tag></TagSet></Tagging>',
          ),
        },
        status: 400,
        code: 'MalformedXML',
      },
    ];
    for (const c of cases) await expectError(c);
    // CompleteMultipartUpload needs a real upload first.
    const created = await s3Raw(server.url, { method: 'POST', path: `/${B}/mpu`, query: 'uploads' });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.text)![1]!;
    for (const body of [
      '<CompleteMultipartUpload><Part><PartNumber>1</Part>',
      '<CompleteMultipartUpload></CompleteMultipartUpload>',
      '<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>"a"</ETag></Part></CompleteMultipartUpload>',
    ]) {
      await expectError({
        name: `complete ${body}`,
        req: { method: 'POST', path: `/${B}/mpu`, query: `uploadId=${encodeURIComponent(uploadId)}`, body },
        status: 400,
        code: 'MalformedXML',
      });
    }
    await stillWorks();
  });

  it('truncated or inconsistent bodies are refused and store nothing', async () => {
    const chunked = (body: string, decoded: number): RawRequest => ({
      method: 'PUT',
      path: `/${B}/chunked`,
      body,
      payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      headers: {
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': String(decoded),
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
    });
    await expectError({ name: 'chunk cut short', req: chunked('a\r\nhello', 10), status: 400, code: 'IncompleteBody' });
    await expectError({
      name: 'no final chunk',
      req: chunked('5\r\nhello\r\n', 5),
      status: 400,
      code: 'IncompleteBody',
    });
    await expectError({
      name: 'decoded length lies',
      req: chunked('5\r\nhello\r\n0\r\n\r\n', 9),
      status: 400,
      code: 'IncompleteBody',
    });
    await expectError({
      name: 'trailer checksum wrong',
      req: chunked('5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n', 5),
      status: 400,
      code: 'BadDigest',
    });
    await expectError({
      name: 'payload hash lies',
      req: { method: 'PUT', path: `/${B}/hash`, body: 'abc', payloadHash: 'a'.repeat(64) },
      status: 400,
      code: 'XAmzContentSHA256Mismatch',
    });
    // A client that sends half of its Content-Length and hangs up.
    await new Promise<void>((resolve, reject) => {
      const port = Number(new URL(server.url).port);
      const sock = net.connect(port, '127.0.0.1', () => {
        sock.write(`PUT /${B}/half HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 100\r\n\r\n0123456789`);
        sock.end();
      });
      sock.on('error', reject);
      sock.on('close', () => resolve());
      sock.resume();
    });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: B }));
    assert.deepEqual(
      listed.Contents?.map((c) => c.Key),
      ['obj'],
    );
    await stillWorks();
  });

  it('absurd or malformed headers get the right errors', async () => {
    const put = (headers: Record<string, string>, body = 'data'): RawRequest => ({
      method: 'PUT',
      path: `/${B}/h`,
      body,
      headers,
    });
    const get = (headers: Record<string, string>, query?: string): RawRequest => ({
      method: 'GET',
      path: `/${B}/obj`,
      headers,
      query,
    });
    const cases: Case[] = [
      { name: 'content-md5 not base64', req: put({ 'content-md5': '!!!' }), status: 400, code: 'InvalidDigest' },
      { name: 'content-md5 wrong', req: put({ 'content-md5': md5('other') }), status: 400, code: 'BadDigest' },
      { name: 'crc32 all padding', req: put({ 'x-amz-checksum-crc32': '====' }), status: 400, code: 'InvalidRequest' },
      {
        name: 'sha256 of crc length',
        req: put({ 'x-amz-checksum-sha256': 'AAAAAA==' }),
        status: 400,
        code: 'InvalidRequest',
      },
      { name: 'crc32c wrong', req: put({ 'x-amz-checksum-crc32c': 'AAAAAA==' }), status: 400, code: 'BadDigest' },
      {
        name: 'huge metadata',
        req: put({ 'x-amz-meta-big': 'x'.repeat(10_000) }),
        status: 400,
        code: 'MetadataTooLarge',
      },
      {
        name: 'bad storage class',
        req: put({ 'x-amz-storage-class': 'CHEAPEST' }),
        status: 400,
        code: 'InvalidStorageClass',
      },
      { name: 'bad tagging header', req: put({ 'x-amz-tagging': 'a=%ZZ' }), status: 400, code: 'InvalidTag' },
      {
        name: 'too many tags',
        req: put({ 'x-amz-tagging': Array.from({ length: 11 }, (_, i) => `k${i}=v`).join('&') }),
        status: 400,
        code: 'BadRequest',
      },
      {
        name: 'copy source without key',
        req: put({ 'x-amz-copy-source': `/${B}` }, ''),
        status: 400,
        code: 'InvalidArgument',
      },
      {
        name: 'copy source bad escape',
        req: put({ 'x-amz-copy-source': `/${B}/%ZZ` }, ''),
        status: 400,
        code: 'InvalidArgument',
      },
      {
        name: 'copy directive',
        req: put({ 'x-amz-copy-source': `/${B}/obj`, 'x-amz-metadata-directive': 'MERGE' }, ''),
        status: 400,
        code: 'InvalidArgument',
      },
      {
        name: 'range past the end',
        req: get({ range: 'bytes=99999999999999999999-' }),
        status: 416,
        code: 'InvalidRange',
      },
      { name: 'suffix of zero', req: get({ range: 'bytes=-0' }), status: 416, code: 'InvalidRange' },
      { name: 'bad version id', req: get({}, 'versionId=abc'), status: 400, code: 'InvalidArgument' },
      {
        name: 'bad max-keys',
        req: { method: 'GET', path: `/${B}`, query: 'list-type=2&max-keys=lots' },
        status: 400,
        code: 'InvalidArgument',
      },
      {
        name: 'bad part number',
        req: { method: 'PUT', path: `/${B}/obj`, query: 'partNumber=abc&uploadId=x', body: 'x' },
        status: 400,
        code: 'InvalidArgument',
      },
      {
        name: 'unknown upload',
        req: { method: 'PUT', path: `/${B}/obj`, query: 'partNumber=1&uploadId=..%2F..%2Fetc', body: 'x' },
        status: 404,
        code: 'NoSuchUpload',
      },
      {
        name: 'unsupported checksum algorithm',
        req: { method: 'POST', path: `/${B}/obj`, query: 'uploads', headers: { 'x-amz-checksum-algorithm': 'MD4' } },
        status: 400,
        code: 'InvalidRequest',
      },
      {
        name: 'unsigned request',
        req: { method: 'GET', path: `/${B}/obj`, unsigned: true },
        status: 403,
        code: 'AccessDenied',
      },
      { name: 'service-level PUT', req: { method: 'PUT', path: '/' }, status: 405, code: 'MethodNotAllowed' },
      { name: 'unknown method', req: { method: 'PATCH', path: `/${B}/obj` }, status: 405, code: 'MethodNotAllowed' },
      {
        name: 'object ACL',
        req: { method: 'GET', path: `/${B}/obj`, query: 'acl' },
        status: 501,
        code: 'NotImplemented',
      },
      {
        name: 'expected bucket owner',
        req: get({ 'x-amz-expected-bucket-owner': '111111111111' }),
        status: 403,
        code: 'AccessDenied',
      },
    ];
    for (const c of cases) await expectError(c);
    // Ranges S3 does not honour are ignored: the whole object.
    for (const range of ['bytes=--1', 'bytes=0-0-0', 'bytes=5-1', 'pages=1-2', 'bytes=' + '9'.repeat(500)]) {
      const r = await s3Raw(server.url, { method: 'GET', path: `/${B}/obj`, headers: { range } });
      assert.ok(r.status === 200 || r.status === 416, `${range}: ${r.status}`);
      if (r.status === 200) assert.equal(r.text, '0123456789');
    }
    const odd = await s3Raw(server.url, {
      method: 'GET',
      path: `/${B}/obj`,
      headers: { 'if-modified-since': 'yesterday-ish' },
    });
    assert.equal(odd.status, 200, 'an unparseable date is ignored');
    await stillWorks();
  });

  it('invalid bucket names and keys', async () => {
    for (const name of ['UPPER', 'a_b', 'x--x-s3', 'ab', '..', '%2e%2e']) {
      await expectError({
        name: `bucket ${name}`,
        req: { method: 'PUT', path: `/${name}` },
        status: 400,
        code: 'InvalidBucketName',
      });
    }
    await expectError({
      name: 'NUL in key',
      req: { method: 'PUT', path: `/${B}/a%00b`, body: 'x' },
      status: 400,
      code: 'InvalidArgument',
    });
    await expectError({
      name: 'invalid UTF-8 in key',
      req: { method: 'PUT', path: `/${B}/a%FFb`, body: 'x' },
      status: 400,
      code: 'InvalidURI',
    });
    await expectError({
      name: 'lone surrogate in key',
      req: { method: 'PUT', path: `/${B}/a%ED%A0%80b`, body: 'x' },
      status: 400,
      code: 'InvalidURI',
    });
    await expectError({
      name: 'stray percent',
      req: { method: 'GET', path: `/${B}/100%` },
      status: 400,
      code: 'InvalidURI',
    });
    await expectError({
      name: 'key too long',
      req: { method: 'PUT', path: `/${B}/${'k'.repeat(1025)}`, body: 'x' },
      status: 400,
      code: 'KeyTooLongError',
    });
    const nulInDelete = '<Delete><Object><Key>a&#0;b</Key></Object></Delete>';
    const del = await s3Raw(server.url, { method: 'POST', path: `/${B}`, query: 'delete', ...xml(nulInDelete) });
    assert.ok(del.status === 400 || del.status === 200, del.text);
    assert.ok(!del.text.includes('\0'), 'no NUL key anywhere');
    await stillWorks();
  });

  it('path traversal stays inside the bucket: `..` is part of a key, never a path', async () => {
    for (const p of ['/../../etc/passwd', '/%2e%2e%2f%2e%2e%2fetc%2fpasswd', `/${B}/..%2f..%2f..%2fetc%2fpasswd`]) {
      const r = await s3Raw(server.url, { method: 'GET', path: p });
      assert.ok(r.status === 404 || r.status === 400, `${p}: ${r.status} ${r.text}`);
      assert.match(errorCode(r) ?? '', /^(NoSuchBucket|NoSuchKey|InvalidBucketName)$/, p);
    }
    const put = await s3Raw(server.url, { method: 'PUT', path: `/${B}/../../etc/passwd`, body: 'not a password file' });
    assert.equal(put.status, 200, put.text);
    const dotted = await s3Raw(server.url, {
      method: 'PUT',
      path: `/${B}/%2e%2e%2f%2e%2e%2f%2e%2e%2ftmp%2fescape`,
      body: 'nope',
    });
    assert.equal(dotted.status, 200, dotted.text);
    const back = await s3.send(new GetObjectCommand({ Bucket: B, Key: '../../etc/passwd' }));
    assert.equal(await back.Body!.transformToString(), 'not a password file');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: '..' }));
    assert.deepEqual(listed.Contents?.map((c) => c.Key).sort(), ['../../../tmp/escape', '../../etc/passwd']);
    // Nothing appeared outside the data folder, and no file inside it is named after a key.
    const names: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(dir, e.name));
        else names.push(path.relative(sandbox, path.join(dir, e.name)));
      }
    };
    walk(sandbox);
    assert.ok(
      names.length > 0 && names.every((n) => n.startsWith(path.join('x', 'y', 'data') + path.sep)),
      names.join(', '),
    );
    assert.ok(!names.some((n) => /passwd|escape|etc/.test(path.basename(n))), names.join(', '));
    await stillWorks();
  });
});

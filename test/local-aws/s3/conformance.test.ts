// S3 answers where the clients meet them: encoding-type=url listings (a space is %20, v1 Prefix as
// given), the empty continuation token, public ACLs under BlockPublicAcls, x-amz-tagging order,
// keys that are not UTF-8, and unsigned requests (NoSuchBucket for a missing bucket, else 403).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  GetObjectTaggingCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { awsCliOk, needsAwsCli, type TestServer } from '../../support/local-aws.ts';
import { startS3WithBucket } from '../../support/s3.ts';
import { errorCode, s3Raw } from '../../support/s3-raw.ts';
import { boto3, noBoto3 } from '../../support/boto3.ts';

let server: TestServer;
let s3: S3Client;
const B = 'conformance-bucket';
const KEYS = ['asdf+b', 'foo+1/bar', 'foo/bar/xyzzy', 'quux ab/thud', "odd!'()*~.txt"];

before(async () => {
  ({ server, s3 } = await startS3WithBucket(B));
  for (const Key of KEYS) await s3.send(new PutObjectCommand({ Bucket: B, Key, Body: Key }));
});
after(() => server.stopAndRemove());

describe('listings with encoding-type=url', () => {
  it('v2: keys, prefixes and delimiter percent-encoded, a space as %20, `/` kept', async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: B, Delimiter: '/', EncodingType: 'url' }));
    assert.deepEqual(
      r.Contents?.map((c) => c.Key),
      ['asdf%2Bb', 'odd%21%27%28%29%2A~.txt'],
    );
    assert.deepEqual(
      r.CommonPrefixes?.map((p) => p.Prefix),
      ['foo%2B1/', 'foo/', 'quux%20ab/'],
    );
    const p = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'quux a', EncodingType: 'url' }));
    assert.equal(p.Prefix, 'quux%20a');
    assert.deepEqual(
      p.Contents?.map((c) => c.Key),
      ['quux%20ab/thud'],
    );
  });

  it('v1: Prefix as given, keys and markers encoded', async () => {
    const r = await s3.send(
      new ListObjectsCommand({ Bucket: B, Prefix: 'quux a', Marker: 'quux a', EncodingType: 'url' }),
    );
    assert.equal(r.Prefix, 'quux a');
    assert.equal(r.Marker, 'quux%20a');
    assert.deepEqual(
      r.Contents?.map((c) => c.Key),
      ['quux%20ab/thud'],
    );
  });

  it('the aws-cli decodes them', { skip: needsAwsCli('s3/conformance.test.ts') }, async () => {
    const cli = JSON.parse(
      await awsCliOk(server.url, ['s3api', 'list-objects', '--bucket', B, '--prefix', 'quux a']),
    ) as { Prefix: string; Contents: Array<{ Key: string }> };
    assert.equal(cli.Prefix, 'quux a');
    assert.deepEqual(
      cli.Contents.map((c) => c.Key),
      ['quux ab/thud'],
    );
    const ls = await awsCliOk(server.url, ['s3', 'ls', `s3://${B}/`]);
    assert.match(ls, /PRE quux ab\/$/m);
    assert.match(ls, /asdf\+b$/m);
  });

  it('boto3 asks for url itself, so it sees the values raw', { skip: noBoto3 }, async () => {
    const r = await boto3(
      server.url,
      `r = s3.list_objects_v2(Bucket='${B}', Delimiter='/', EncodingType='url')
out([p['Prefix'] for p in r['CommonPrefixes']])`,
    );
    assert.deepEqual(r, ['foo%2B1/', 'foo/', 'quux%20ab/']);
  });

  it('an empty continuation-token is InvalidArgument (as S3 answers it)', async () => {
    await assert.rejects(s3.send(new ListObjectsV2Command({ Bucket: B, ContinuationToken: '' })), {
      name: 'InvalidArgument',
      message: 'The continuation token provided is incorrect',
    });
  });
});

describe('error codes', () => {
  it('x-amz-acl: private is fine; public-read is AccessDenied under BlockPublicAcls, else NotImplemented', async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'acl', Body: 'x', ACL: 'private' }));
    await assert.rejects(s3.send(new PutObjectCommand({ Bucket: B, Key: 'acl', Body: 'x', ACL: 'public-read' })), {
      name: 'NotImplemented',
    });
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: B,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true },
      }),
    );
    await assert.rejects(s3.send(new PutObjectCommand({ Bucket: B, Key: 'acl', Body: 'x', ACL: 'public-read' })), {
      name: 'AccessDenied',
    });
    await assert.rejects(
      s3.send(
        new PutObjectCommand({
          Bucket: B,
          Key: 'acl',
          Body: 'x',
          GrantRead: 'uri="http://acs.amazonaws.com/groups/global/AllUsers"',
        }),
      ),
      { name: 'AccessDenied' },
    );
  });

  it('tags from x-amz-tagging come back sorted by key', async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'tagged', Body: 'x', Tagging: 'foo=bar&bar&baz=1' }));
    const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: B, Key: 'tagged' }));
    assert.deepEqual(TagSet, [
      { Key: 'bar', Value: '' },
      { Key: 'baz', Value: '1' },
      { Key: 'foo', Value: 'bar' },
    ]);
  });

  it('a key that is not UTF-8 is 400 InvalidURI, signed or not', async () => {
    for (const unsigned of [false, true]) {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const r = await s3Raw(server.url, { method, path: `/${B}/bad%FFkey`, unsigned });
        assert.equal(r.status, 400, `${method} unsigned=${unsigned}`);
        assert.equal(errorCode(r), 'InvalidURI');
      }
    }
  });

  it('unsigned: a missing bucket is NoSuchBucket (404), an existing one AccessDenied (403)', async () => {
    const missing = await s3Raw(server.url, { method: 'GET', path: '/no-such-bucket-here/key', unsigned: true });
    assert.equal(missing.status, 404);
    assert.equal(errorCode(missing), 'NoSuchBucket');
    const hosted = await s3Raw(server.url, {
      method: 'GET',
      path: '/key',
      host: `no-such-bucket-here.localhost:${new URL(server.url).port}`,
      unsigned: true,
    });
    assert.equal(errorCode(hosted), 'NoSuchBucket');
    for (const path of [`/${B}/missing-key`, `/${B}/tagged`, `/${B}`, '/']) {
      const r = await s3Raw(server.url, { method: 'GET', path, unsigned: true });
      assert.equal(r.status, 403, path);
      assert.equal(errorCode(r), 'AccessDenied');
    }
  });

  it('boto3 without credentials (UNSIGNED) sees the same', { skip: noBoto3 }, async () => {
    const r = await boto3(
      server.url,
      `from botocore import UNSIGNED
anon = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1',
    config=Config(signature_version=UNSIGNED, s3={'addressing_style': 'path'}, retries={'max_attempts': 1}))
out([error_of(lambda: anon.get_object(Bucket='no-such-bucket-here', Key='k')),
     error_of(lambda: anon.get_object(Bucket='${B}', Key='missing-key')),
     error_of(lambda: anon.head_object(Bucket='no-such-bucket-here', Key='k'))])`,
    );
    assert.deepEqual(r, [
      { code: 'NoSuchBucket', status: 404 },
      { code: 'AccessDenied', status: 403 },
      { code: '404', status: 404 },
    ]);
  });
});

describe('features this endpoint leaves out answer NotImplemented (501) with their name', () => {
  it('object lock, lifecycle, ACLs, policies, CORS, logging, torrent, POST form upload, SigV2', async () => {
    const port = new URL(server.url).port;
    const cases: Array<[Parameters<typeof s3Raw>[1], RegExp]> = [
      [{ method: 'PUT', path: `/${B}`, query: 'object-lock', body: '<x/>' }, /PutObjectLockConfiguration/],
      [{ method: 'PUT', path: `/${B}`, query: 'lifecycle', body: '<x/>' }, /PutBucketLifecycleConfiguration/],
      [{ method: 'GET', path: `/${B}`, query: 'acl' }, /GetBucketAcl/],
      [{ method: 'PUT', path: `/${B}/k`, query: 'acl', body: '<x/>' }, /PutObjectAcl/],
      [{ method: 'PUT', path: `/${B}`, query: 'policy', body: '{}' }, /PutBucketPolicy/],
      [{ method: 'GET', path: `/${B}`, query: 'cors' }, /GetBucketCors/],
      [{ method: 'PUT', path: `/${B}`, query: 'logging', body: '<x/>' }, /PutBucketLogging/],
      [{ method: 'GET', path: `/${B}/tagged`, query: 'torrent' }, /GetObjectTorrent/],
      [{ method: 'POST', path: `/${B}`, body: 'form' }, /PostObject/],
      [
        { method: 'PUT', path: `/${B}/locked`, body: 'x', headers: { 'x-amz-object-lock-mode': 'GOVERNANCE' } },
        /PutObject with object lock/,
      ],
      [
        { method: 'GET', path: `/${B}/tagged`, headers: { authorization: 'AWS test:c2lnbmF0dXJl' }, unsigned: true },
        /Signature Version 2/,
      ],
      [
        { method: 'GET', path: `/${B}/tagged`, query: 'AWSAccessKeyId=test&Expires=1&Signature=x', unsigned: true },
        /Signature Version 2/,
      ],
    ];
    for (const [req, name] of cases) {
      const r = await s3Raw(server.url, { host: `127.0.0.1:${port}`, ...req });
      assert.equal(r.status, 501, `${req.method} ${req.path}?${req.query ?? ''}: ${r.text}`);
      assert.equal(errorCode(r), 'NotImplemented');
      assert.match(r.text, name);
    }
  });
});

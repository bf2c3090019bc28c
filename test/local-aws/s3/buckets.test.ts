// S3 buckets through the real SDK: naming and LocationConstraint rules, HeadBucket, location,
// deletion, versioning, public access block, tags, NotImplemented operations, and virtual-hosted
// addressing (a hand-signed request with `Host: <bucket>.localhost:<port>`).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteBucketCorsCommand,
  DeleteBucketTaggingCommand,
  DeleteObjectCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketTaggingCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from '../../support/local-aws.ts';
import { errorCode, s3Raw } from '../../support/s3-raw.ts';

let server: TestServer;
let s3: S3Client;
let s3eu: S3Client;

before(async () => {
  server = await startTestServer();
  s3 = new S3Client(server.clientConfig());
  s3eu = new S3Client(server.clientConfig({ region: 'eu-west-1' }));
});
after(async () => {
  await server.stopAndRemove();
});

type Failure = Error & { $metadata: { httpStatusCode?: number }; BucketName?: string; LocationConstraint?: string };

describe('S3 buckets: create, list, head, location, delete', () => {
  it('creates buckets and lists them sorted, with region and owner', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'zeta-bucket' }));
    const created = await s3.send(new CreateBucketCommand({ Bucket: 'alpha.bucket-1' }));
    assert.equal(created.Location, '/alpha.bucket-1');
    const eu = await s3eu.send(
      new CreateBucketCommand({ Bucket: 'eu-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }),
    );
    assert.match(eu.Location ?? '', /eu-bucket/);
    const list = await s3.send(new ListBucketsCommand({}));
    const names = (list.Buckets ?? []).map((b) => b.Name);
    assert.deepEqual(names, ['alpha.bucket-1', 'eu-bucket', 'zeta-bucket']);
    assert.equal(list.Buckets?.find((b) => b.Name === 'eu-bucket')?.BucketRegion, 'eu-west-1');
    assert.ok(list.Buckets?.every((b) => b.CreationDate instanceof Date));
    assert.match(list.Owner?.ID ?? '', /^[0-9a-f]{64}$/);
    const page = await s3.send(new ListBucketsCommand({ MaxBuckets: 2 }));
    assert.equal(page.Buckets?.length, 2);
    assert.ok(page.ContinuationToken);
    const rest = await s3.send(new ListBucketsCommand({ MaxBuckets: 2, ContinuationToken: page.ContinuationToken }));
    assert.deepEqual(
      rest.Buckets?.map((b) => b.Name),
      ['zeta-bucket'],
    );
    const prefixed = await s3.send(new ListBucketsCommand({ Prefix: 'eu-' }));
    assert.deepEqual(
      prefixed.Buckets?.map((b) => b.Name),
      ['eu-bucket'],
    );
  });

  it('refuses invalid bucket names with InvalidBucketName', async () => {
    const bad = [
      'ab',
      'a'.repeat(64),
      'UpperCase',
      'under_score',
      '-leading',
      'trailing-',
      'double..dot',
      '192.168.5.4',
      'xn--punycode',
      'sthree-x',
      'amzn-s3-demo-x',
      'name-s3alias',
      'name--ol-s3',
      'x.mrap',
      'dot.-dash',
    ];
    // (`--x-s3` names are directory buckets to the SDK, which then signs for another service: see s3-bad-input.)
    for (const name of bad) {
      await assert.rejects(s3.send(new CreateBucketCommand({ Bucket: name })), (e: Failure) => {
        assert.equal(e.name, 'InvalidBucketName', name);
        assert.equal(e.message, 'The specified bucket is not valid.');
        return true;
      });
    }
    for (const name of ['abc', 'a'.repeat(63), 'my.bucket.name', '1-2-3', 'a1b2'])
      await s3.send(new CreateBucketCommand({ Bucket: name }));
  });

  it('applies the LocationConstraint rules of each region', async () => {
    // Signed for us-east-1: no constraint, or another valid region; never "us-east-1" itself.
    await assert.rejects(
      s3.send(
        new CreateBucketCommand({
          Bucket: 'lc-1',
          CreateBucketConfiguration: { LocationConstraint: 'us-east-1' as 'eu-west-1' },
        }),
      ),
      (e: Failure) => {
        assert.equal(e.name, 'InvalidLocationConstraint');
        assert.equal(e.message, 'The specified location-constraint is not valid');
        return true;
      },
    );
    await assert.rejects(
      s3.send(
        new CreateBucketCommand({
          Bucket: 'lc-2',
          CreateBucketConfiguration: { LocationConstraint: 'mars-north-1' as 'eu-west-1' },
        }),
      ),
      {
        name: 'InvalidLocationConstraint',
      },
    );
    await s3.send(
      new CreateBucketCommand({ Bucket: 'lc-3', CreateBucketConfiguration: { LocationConstraint: 'ap-south-1' } }),
    );
    assert.equal((await s3.send(new GetBucketLocationCommand({ Bucket: 'lc-3' }))).LocationConstraint, 'ap-south-1');
    // Signed for another region: the constraint is required and must match.
    // (The SDK fills in its own region when the constraint is missing: a hand-made request leaves it out.)
    const unspecified = await s3Raw(server.url, { method: 'PUT', path: '/lc-4', region: 'eu-west-1' });
    assert.equal(unspecified.status, 400);
    assert.equal(errorCode(unspecified), 'IllegalLocationConstraintException');
    assert.match(
      unspecified.text,
      /The unspecified location constraint is incompatible for the region specific endpoint this request was sent to\./,
    );
    await s3eu.send(new CreateBucketCommand({ Bucket: 'lc-4' }));
    assert.equal((await s3.send(new GetBucketLocationCommand({ Bucket: 'lc-4' }))).LocationConstraint, 'eu-west-1');
    await assert.rejects(
      s3eu.send(
        new CreateBucketCommand({ Bucket: 'lc-5', CreateBucketConfiguration: { LocationConstraint: 'eu-west-2' } }),
      ),
      (e: Failure) => {
        assert.equal(e.name, 'IllegalLocationConstraintException');
        assert.match(e.message, /^The eu-west-2 location constraint is incompatible/);
        return true;
      },
    );
    await s3eu.send(
      new CreateBucketCommand({ Bucket: 'lc-6', CreateBucketConfiguration: { LocationConstraint: 'EU' } }),
    );
    assert.equal((await s3.send(new GetBucketLocationCommand({ Bucket: 'lc-6' }))).LocationConstraint, 'EU');
  });

  it('creating the same bucket again: 200 in us-east-1, BucketAlreadyOwnedByYou elsewhere', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'again-us' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'again-us' }));
    await s3eu.send(
      new CreateBucketCommand({ Bucket: 'again-eu', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }),
    );
    await assert.rejects(
      s3eu.send(
        new CreateBucketCommand({ Bucket: 'again-eu', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }),
      ),
      (e: Failure) => {
        assert.equal(e.name, 'BucketAlreadyOwnedByYou');
        assert.equal(e.$metadata.httpStatusCode, 409);
        assert.equal(e.BucketName, 'again-eu');
        return true;
      },
    );
  });

  it(
    'HeadBucket gives the region; a missing bucket is ' + 'NotFound; GetBucketLocation is empty for us-east-1',
    async () => {
      const head = await s3.send(new HeadBucketCommand({ Bucket: 'eu-bucket' }));
      assert.equal(head.BucketRegion, 'eu-west-1');
      await assert.rejects(s3.send(new HeadBucketCommand({ Bucket: 'never-created-bucket' })), { name: 'NotFound' });
      assert.equal(
        (await s3.send(new GetBucketLocationCommand({ Bucket: 'zeta-bucket' }))).LocationConstraint,
        undefined,
      );
      assert.equal(
        (await s3.send(new GetBucketLocationCommand({ Bucket: 'eu-bucket' }))).LocationConstraint,
        'eu-west-1',
      );
      await assert.rejects(s3.send(new GetBucketLocationCommand({ Bucket: 'never-created-bucket' })), (e: Failure) => {
        assert.equal(e.name, 'NoSuchBucket');
        assert.equal(e.BucketName, 'never-created-bucket');
        return true;
      });
    },
  );

  it('DeleteBucket: BucketNotEmpty with objects; unfinished uploads go with the bucket', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'to-delete' }));
    await s3.send(new PutObjectCommand({ Bucket: 'to-delete', Key: 'k', Body: 'x' }));
    await assert.rejects(s3.send(new DeleteBucketCommand({ Bucket: 'to-delete' })), (e: Failure) => {
      assert.equal(e.name, 'BucketNotEmpty');
      assert.equal(e.$metadata.httpStatusCode, 409);
      return true;
    });
    await s3.send(new DeleteObjectCommand({ Bucket: 'to-delete', Key: 'k' }));
    await s3.send(new CreateMultipartUploadCommand({ Bucket: 'to-delete', Key: 'pending' }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'to-delete' }));
    await assert.rejects(s3.send(new HeadBucketCommand({ Bucket: 'to-delete' })), { name: 'NotFound' });
    await assert.rejects(s3.send(new DeleteBucketCommand({ Bucket: 'to-delete' })), { name: 'NoSuchBucket' });
    // A new bucket of the same name starts empty, without the old uploads.
    await s3.send(new CreateBucketCommand({ Bucket: 'to-delete' }));
    assert.deepEqual((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'to-delete' }))).Uploads ?? [], []);
  });

  it('GetBucketVersioning answers an empty configuration (versioning never enabled)', async () => {
    const v = await s3.send(new GetBucketVersioningCommand({ Bucket: 'zeta-bucket' }));
    assert.equal(v.Status, undefined);
    assert.equal(v.$metadata.httpStatusCode, 200);
  });
});

describe('S3 buckets: public access block and tags', () => {
  it('puts, gets and deletes the public access block', async () => {
    await assert.rejects(s3.send(new GetPublicAccessBlockCommand({ Bucket: 'zeta-bucket' })), (e: Failure) => {
      assert.equal(e.name, 'NoSuchPublicAccessBlockConfiguration');
      assert.equal(e.message, 'The public access block configuration was not found');
      assert.equal(e.$metadata.httpStatusCode, 404);
      return true;
    });
    const all = {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: false,
    };
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'zeta-bucket', PublicAccessBlockConfiguration: all }));
    const got = await s3.send(new GetPublicAccessBlockCommand({ Bucket: 'zeta-bucket' }));
    assert.deepEqual(got.PublicAccessBlockConfiguration, all);
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: 'zeta-bucket' }));
    await assert.rejects(s3.send(new GetPublicAccessBlockCommand({ Bucket: 'zeta-bucket' })), {
      name: 'NoSuchPublicAccessBlockConfiguration',
    });
  });

  it('puts, gets and deletes bucket tags; NoSuchTagSet and InvalidTag', async () => {
    await assert.rejects(s3.send(new GetBucketTaggingCommand({ Bucket: 'zeta-bucket' })), (e: Failure) => {
      assert.equal(e.name, 'NoSuchTagSet');
      assert.equal(e.message, 'The TagSet does not exist');
      return true;
    });
    const TagSet = [
      { Key: 'created-by', Value: 's3-thumbnail-walkthrough' },
      { Key: 'empty', Value: '' },
    ];
    await s3.send(new PutBucketTaggingCommand({ Bucket: 'zeta-bucket', Tagging: { TagSet } }));
    assert.deepEqual((await s3.send(new GetBucketTaggingCommand({ Bucket: 'zeta-bucket' }))).TagSet, TagSet);
    await assert.rejects(
      s3.send(
        new PutBucketTaggingCommand({
          Bucket: 'zeta-bucket',
          Tagging: {
            TagSet: [
              { Key: 'a', Value: '1' },
              { Key: 'a', Value: '2' },
            ],
          },
        }),
      ),
      (e: Failure) => e.name === 'InvalidTag' && e.message === 'Cannot provide multiple Tags with the same key',
    );
    await assert.rejects(
      s3.send(
        new PutBucketTaggingCommand({ Bucket: 'zeta-bucket', Tagging: { TagSet: [{ Key: 'aws:x', Value: '1' }] } }),
      ),
      { name: 'InvalidTag' },
    );
    assert.deepEqual(
      (await s3.send(new GetBucketTaggingCommand({ Bucket: 'zeta-bucket' }))).TagSet,
      TagSet,
      'a refused change keeps the old tags',
    );
    await s3.send(new DeleteBucketTaggingCommand({ Bucket: 'zeta-bucket' }));
    await assert.rejects(s3.send(new GetBucketTaggingCommand({ Bucket: 'zeta-bucket' })), { name: 'NoSuchTagSet' });
  });
});

describe('S3 buckets: unsupported operations and addressing', () => {
  it('answers NotImplemented naming the operation, never a silent success', async () => {
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['GetBucketAcl', () => s3.send(new GetBucketAclCommand({ Bucket: 'zeta-bucket' }))],
      ['GetBucketPolicy', () => s3.send(new GetBucketPolicyCommand({ Bucket: 'zeta-bucket' }))],
      [
        'PutBucketLifecycleConfiguration',
        () =>
          s3.send(
            new PutBucketLifecycleConfigurationCommand({
              Bucket: 'zeta-bucket',
              LifecycleConfiguration: {
                Rules: [{ Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 1 } }],
              },
            }),
          ),
      ],
      ['DeleteBucketCors', () => s3.send(new DeleteBucketCorsCommand({ Bucket: 'zeta-bucket' }))],
      [
        'PutBucketWebsite',
        () =>
          s3.send(
            new PutBucketWebsiteCommand({
              Bucket: 'zeta-bucket',
              WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } },
            }),
          ),
      ],
    ];
    for (const [op, call] of calls) {
      await assert.rejects(call(), (e: Failure) => {
        assert.equal(e.name, 'NotImplemented', op);
        assert.match(e.message, new RegExp(`s3 operation ${op}\\b`), op);
        assert.equal(e.$metadata.httpStatusCode, 501);
        return true;
      });
    }
  });

  it('serves virtual-hosted-style requests (Host: <bucket>.localhost:<port>)', async () => {
    const port = new URL(server.url).port;
    const host = `vhost-bucket.localhost:${port}`;
    const created = await s3Raw(server.url, { method: 'PUT', path: '/', host });
    assert.equal(created.status, 200, created.text);
    const put = await s3Raw(server.url, {
      method: 'PUT',
      path: '/dir/a%20b.txt',
      host,
      body: 'virtual',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(put.status, 200, put.text);
    const get = await s3Raw(server.url, { method: 'GET', path: '/dir/a%20b.txt', host });
    assert.equal(get.status, 200);
    assert.equal(get.text, 'virtual');
    assert.equal(get.headers['content-type'], 'text/plain');
    // The same object through path style and the SDK.
    const viaSdk = await s3.send(new HeadBucketCommand({ Bucket: 'vhost-bucket' }));
    assert.equal(viaSdk.$metadata.httpStatusCode, 200);
    const list = await s3Raw(server.url, { method: 'GET', path: '/', query: 'list-type=2', host });
    assert.match(list.text, /<Key>dir\/a b\.txt<\/Key>/);
    const missing = await s3Raw(server.url, { method: 'GET', path: '/x', host: `no-such-vhost.localhost:${port}` });
    assert.equal(missing.status, 404);
    assert.equal(errorCode(missing), 'NoSuchBucket');
    assert.match(missing.text, /<BucketName>no-such-vhost<\/BucketName>/);
  });
});

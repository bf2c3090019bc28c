// Bucket versioning: Put/GetBucketVersioning, version ids on put/get/head/copy/delete, delete
// markers, ListObjectVersions, Suspended (the null version), a restart, and emptying a versioned
// bucket the way teardown does (every version, then the bucket).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CopyObjectCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { awsCliOk, needsAwsCli, startTestServer, type TestServer } from '../../support/local-aws.ts';
import { startS3WithBucket } from '../../support/s3.ts';
import { errorCode, s3Raw } from '../../support/s3-raw.ts';
import { boto3, noBoto3 } from '../../support/boto3.ts';

let server: TestServer;
let s3: S3Client;
const B = 'versioned-bucket';

before(async () => ({ server, s3 } = await startS3WithBucket(B)));
after(() => server.stopAndRemove());

const put = (Key: string, Body: string) => s3.send(new PutObjectCommand({ Bucket: B, Key, Body }));
const text = async (Key: string, VersionId?: string) =>
  (await s3.send(new GetObjectCommand({ Bucket: B, Key, VersionId }))).Body!.transformToString();
const versions = async (Prefix?: string) => {
  const r = await s3.send(new ListObjectVersionsCommand({ Bucket: B, Prefix }));
  return [
    ...(r.Versions ?? []).map((v) => ({ key: v.Key, id: v.VersionId, latest: v.IsLatest, marker: false })),
    ...(r.DeleteMarkers ?? []).map((v) => ({ key: v.Key, id: v.VersionId, latest: v.IsLatest, marker: true })),
  ];
};
const setVersioning = (Status: 'Enabled' | 'Suspended') =>
  s3.send(new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status } }));

let v1: string;
let v2: string;

describe('bucket versioning', () => {
  it('Put/GetBucketVersioning; an object from before is the null version', async () => {
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: B }))).Status, undefined);
    await put('doc', 'before');
    await setVersioning('Enabled');
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: B }))).Status, 'Enabled');
    v1 = (await put('doc', 'one')).VersionId!;
    v2 = (await put('doc', 'two')).VersionId!;
    assert.match(v1, /^[A-Za-z0-9_-]{32}$/);
    assert.notEqual(v1, v2);
    assert.equal(await text('doc'), 'two');
    assert.equal(await text('doc', v1), 'one');
    assert.equal(await text('doc', 'null'), 'before');
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'doc', VersionId: v1 }));
    assert.equal(head.VersionId, v1);
    assert.equal(head.ContentLength, 3);
    assert.deepEqual(await versions('doc'), [
      { key: 'doc', id: v2, latest: true, marker: false },
      { key: 'doc', id: v1, latest: false, marker: false },
      { key: 'doc', id: 'null', latest: false, marker: false },
    ]);
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: B, Key: 'doc', VersionId: 'A'.repeat(32) })), {
      name: 'NoSuchVersion',
    });
  });

  it('a delete makes a marker: the key is gone from listings and GET, its versions stay', async () => {
    const del = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'doc' }));
    assert.equal(del.DeleteMarker, true);
    const marker = del.VersionId!;
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: B, Key: 'doc' })), { name: 'NoSuchKey' });
    const raw = await s3Raw(server.url, { method: 'GET', path: `/${B}/doc` });
    assert.equal(raw.headers['x-amz-delete-marker'], 'true');
    assert.equal(raw.headers['x-amz-version-id'], marker);
    const onMarker = await s3Raw(server.url, { method: 'GET', path: `/${B}/doc`, query: `versionId=${marker}` });
    assert.equal(onMarker.status, 405);
    assert.equal(errorCode(onMarker), 'MethodNotAllowed');
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: B }))).KeyCount, 0);
    assert.equal(await text('doc', v2), 'two');
    const list = await versions('doc');
    assert.deepEqual(list[list.length - 1], { key: 'doc', id: marker, latest: true, marker: true });
    // Removing the marker brings the newest version back; removing that one, the one before.
    const gone = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'doc', VersionId: marker }));
    assert.equal(gone.DeleteMarker, true);
    assert.equal(await text('doc'), 'two');
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'doc', VersionId: v2 }));
    assert.equal(await text('doc'), 'one');
  });

  it('CopyObject from a version; the copy gets a version of its own', async () => {
    const copy = await s3.send(
      new CopyObjectCommand({ Bucket: B, Key: 'copied', CopySource: `${B}/doc?versionId=null` }),
    );
    assert.equal(copy.CopySourceVersionId, 'null');
    assert.match(copy.VersionId!, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(await text('copied'), 'before');
  });

  it('Suspended: writes are the null version and replace it; other versions stay', async () => {
    await setVersioning('Suspended');
    const a = await put('doc', 'suspended-1');
    assert.equal(a.VersionId, 'null');
    await put('doc', 'suspended-2');
    const ids = (await versions('doc')).map((v) => v.id);
    assert.deepEqual(ids, ['null', v1]);
    assert.equal(await text('doc'), 'suspended-2');
    assert.equal(await text('doc', v1), 'one');
    await setVersioning('Enabled');
  });

  it('everything survives a restart', async () => {
    const before = await versions();
    await server.close();
    server = await startTestServer({ dataDir: server.dataDir });
    s3 = new S3Client(server.clientConfig());
    assert.deepEqual(await versions(), before);
    assert.equal(await text('doc', v1), 'one');
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: B }))).Status, 'Enabled');
    // A write after the restart is the newest version.
    const after = (await put('doc', 'after restart')).VersionId;
    assert.deepEqual((await versions('doc'))[0], { key: 'doc', id: after, latest: true, marker: false });
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'doc', VersionId: after }));
  });

  it(
    'aws-cli list-object-versions; a versioned bucket is not empty until every version is deleted',
    { skip: needsAwsCli('s3/versioning.test.ts') },
    async () => {
      await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'copied' }));
      const listed = JSON.parse(await awsCliOk(server.url, ['s3api', 'list-object-versions', '--bucket', B])) as {
        Versions?: Array<{ Key: string; VersionId: string }>;
        DeleteMarkers?: Array<{ Key: string; VersionId: string }>;
      };
      const all = [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])];
      assert.equal(all.length, 4);
      await assert.rejects(s3.send(new DeleteBucketCommand({ Bucket: B })), { name: 'BucketNotEmpty' });
      const r = await s3.send(
        new DeleteObjectsCommand({
          Bucket: B,
          Delete: { Objects: all.map((v) => ({ Key: v.Key, VersionId: v.VersionId })) },
        }),
      );
      assert.equal(r.Deleted?.length, 4);
      assert.equal(r.Deleted?.filter((d) => d.DeleteMarker).length, 1);
      assert.deepEqual(await versions(), []);
      await s3.send(new DeleteBucketCommand({ Bucket: B }));
    },
  );

  it(
    'boto3: versioned puts, a delete marker, and object_versions.delete() empties the bucket',
    { skip: noBoto3 },
    async () => {
      const r = await boto3(
        server.url,
        `s3.create_bucket(Bucket='boto-versions')
s3.put_bucket_versioning(Bucket='boto-versions', VersioningConfiguration={'Status': 'Enabled'})
a = s3.put_object(Bucket='boto-versions', Key='k', Body=b'1')['VersionId']
b = s3.put_object(Bucket='boto-versions', Key='k', Body=b'2')['VersionId']
d = s3.delete_object(Bucket='boto-versions', Key='k')
n = len(s3.list_object_versions(Bucket='boto-versions')['Versions'])
old = s3.get_object(Bucket='boto-versions', Key='k', VersionId=a)['Body'].read().decode()
boto3.resource('s3', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='test',
    aws_secret_access_key='test').Bucket('boto-versions').object_versions.delete()
s3.delete_bucket(Bucket='boto-versions')
out([a != b, d['DeleteMarker'], n, old])`,
      );
      assert.deepEqual(r, [true, true, 2, '1']);
    },
  );
});

// Versions survive a crash: every acknowledged version, delete marker, SSE record and the bucket's
// versioning state are there after `kill -9` of the endpoint, and writes after it order after them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ROOT, freePort, spawnServer, tempDir, type ServerProcess } from '../../support/local-aws.ts';

const B = 'durable-versions';
let dataDir: string;
let port: number;
let server: ServerProcess | undefined;

async function start(): Promise<S3Client> {
  server = await spawnServer(port, dataDir, { LOCAL_AWS_LOG_REQUESTS: '' });
  return new S3Client({ endpoint: server.url, region: 'us-east-1', credentials: ROOT, forcePathStyle: true });
}

before(async () => {
  dataDir = tempDir('s3-versions-durability-');
  port = await freePort();
});
after(async () => {
  await server?.stop('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const listing = async (s3: S3Client) => {
  const r = await s3.send(new ListObjectVersionsCommand({ Bucket: B }));
  return [...(r.Versions ?? []), ...(r.DeleteMarkers ?? [])].map((v) => `${v.Key} ${v.VersionId} ${v.IsLatest}`).sort();
};

describe('versions across kill -9', () => {
  it('keeps every acknowledged version and marker, and the order of later writes', async () => {
    let s3 = await start();
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'k', Body: 'null version (journaled)' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: 'Enabled' } }));
    const v1 = await s3.send(
      new PutObjectCommand({ Bucket: B, Key: 'k', Body: 'one', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'k1' }),
    );
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'k', Body: 'two' }));
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'k' }));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'other', Body: 'x'.repeat(2 * 1024 * 1024) }));
    const before = await listing(s3);
    assert.equal(before.length, 5);
    await server!.stop('SIGKILL');

    s3 = await start();
    assert.deepEqual(await listing(s3), before);
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: B }))).Status, 'Enabled');
    const old = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'k', VersionId: 'null' }));
    assert.equal(await old.Body!.transformToString(), 'null version (journaled)');
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'k', VersionId: v1.VersionId }));
    assert.equal(head.ServerSideEncryption, 'aws:kms');
    assert.match(head.SSEKMSKeyId!, /:key\/k1$/);
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: B, Key: 'k' })), { name: 'NoSuchKey' });
    const three = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'k', Body: 'three' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'k' }));
    assert.equal(got.VersionId, three.VersionId);
    assert.equal(await got.Body!.transformToString(), 'three');
  });
});

// Durability: the endpoint runs as its own process; after `kill -9` and a restart on the same data
// folder, every acknowledged write is there (same bytes, same ETag), deleted objects stay deleted,
// and unfinished multipart uploads can still be completed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutBucketTaggingCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ROOT, tempDir, freePort, spawnServer, type ServerProcess } from '../../support/local-aws.ts';

const B = 'durable';
let dataDir: string;
let port: number;
let server: ServerProcess | undefined;

async function startServer(): Promise<S3Client> {
  server = await spawnServer(port, dataDir, { LOCAL_AWS_LOG_REQUESTS: '' });
  return new S3Client({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: ROOT,
    forcePathStyle: true,
    maxAttempts: 1,
  });
}

async function kill9(): Promise<void> {
  await server?.stop('SIGKILL');
  server = undefined;
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff));

/** What must be there after the crash: key -> body (undefined = must be gone). */
const expected = new Map<string, Buffer | undefined>();
const etags = new Map<string, string>();
let pendingUpload: { UploadId: string; ETag: string } | undefined;

before(async () => {
  dataDir = tempDir('s3-durability-');
  port = await freePort();
});
after(async () => {
  await kill9();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function verify(s3: S3Client): Promise<void> {
  for (const [key, body] of expected) {
    if (body === undefined) {
      await assert.rejects(s3.send(new GetObjectCommand({ Bucket: B, Key: key })), { name: 'NoSuchKey' }, key);
      continue;
    }
    const r = await s3.send(new GetObjectCommand({ Bucket: B, Key: key }));
    assert.ok(Buffer.from(await r.Body!.transformToByteArray()).equals(body), `bytes of ${key}`);
    assert.equal(r.ETag, etags.get(key), `ETag of ${key}`);
  }
  const listed: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: B, ContinuationToken: token }));
    listed.push(...(page.Contents ?? []).map((c) => c.Key!));
    token = page.NextContinuationToken;
  } while (token);
  const present = [...expected].filter(([, b]) => b !== undefined).map(([k]) => k);
  assert.deepEqual(listed.sort(), present.sort());
}

describe('S3 durability across kill -9', () => {
  it('keeps every acknowledged write and deletion', async () => {
    const s3 = await startServer();
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    await s3.send(
      new PutBucketTaggingCommand({ Bucket: B, Tagging: { TagSet: [{ Key: 'created-by', Value: 'test' }] } }),
    );
    // Many small objects at once (they share journal syncs), then overwrites and deletions.
    await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const key = `small/${i}`;
        const body = bytes(100 + i, i);
        const r = await s3.send(new PutObjectCommand({ Bucket: B, Key: key, Body: body, Metadata: { i: String(i) } }));
        expected.set(key, body);
        etags.set(key, r.ETag!);
      }),
    );
    for (let i = 0; i < 10; i++) {
      const body = bytes(50, 100 + i);
      const r = await s3.send(new PutObjectCommand({ Bucket: B, Key: `small/${i}`, Body: body }));
      expected.set(`small/${i}`, body);
      etags.set(`small/${i}`, r.ETag!);
    }
    for (let i = 10; i < 15; i++) {
      await s3.send(new DeleteObjectCommand({ Bucket: B, Key: `small/${i}` }));
      expected.set(`small/${i}`, undefined);
    }
    await s3.send(
      new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: [15, 16, 17].map((i) => ({ Key: `small/${i}` })) } }),
    );
    for (const i of [15, 16, 17]) expected.set(`small/${i}`, undefined);
    // Deleted, then written again.
    const again = Buffer.from('back again');
    expected.set('small/12', again);
    etags.set('small/12', (await s3.send(new PutObjectCommand({ Bucket: B, Key: 'small/12', Body: again }))).ETag!);
    // A large object (written to its own file) overwritten by a small one, and the other way round.
    const large = bytes(2 * 1024 * 1024, 3);
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'large-then-small', Body: large }));
    const smallAfter = Buffer.from('small after large');
    etags.set(
      'large-then-small',
      (await s3.send(new PutObjectCommand({ Bucket: B, Key: 'large-then-small', Body: smallAfter }))).ETag!,
    );
    expected.set('large-then-small', smallAfter);
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'small-then-large', Body: 'tiny' }));
    etags.set(
      'small-then-large',
      (await s3.send(new PutObjectCommand({ Bucket: B, Key: 'small-then-large', Body: large }))).ETag!,
    );
    expected.set('small-then-large', large);
    // A completed multipart upload, and one left unfinished.
    const parts = [bytes(5 * 1024 * 1024, 9), bytes(1000, 10)];
    const mpu = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'multi' }));
    const done = [];
    for (const [i, Body] of parts.entries()) {
      const p = await s3.send(
        new UploadPartCommand({ Bucket: B, Key: 'multi', UploadId: mpu.UploadId, PartNumber: i + 1, Body }),
      );
      done.push({ PartNumber: i + 1, ETag: p.ETag });
    }
    const completed = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: B,
        Key: 'multi',
        UploadId: mpu.UploadId,
        MultipartUpload: { Parts: done },
      }),
    );
    expected.set('multi', Buffer.concat(parts));
    etags.set('multi', completed.ETag!);
    const unfinished = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'unfinished' }));
    const p1 = await s3.send(
      new UploadPartCommand({
        Bucket: B,
        Key: 'unfinished',
        UploadId: unfinished.UploadId,
        PartNumber: 1,
        Body: 'only part',
      }),
    );
    pendingUpload = { UploadId: unfinished.UploadId!, ETag: p1.ETag! };

    // The small writes are still only in the journal: the restart must replay it.
    const journal = path.join(dataDir, 's3', 'journal');
    assert.ok(fs.readdirSync(journal).some((n) => n.endsWith('.log') && fs.statSync(path.join(journal, n)).size > 0));
    await kill9();

    const after = await startServer();
    await verify(after);
    assert.equal((await after.send(new HeadObjectCommand({ Bucket: B, Key: 'small/30' }))).Metadata?.i, '30');
    assert.deepEqual((await after.send(new GetBucketTaggingCommand({ Bucket: B }))).TagSet, [
      { Key: 'created-by', Value: 'test' },
    ]);
    const uploads = await after.send(new ListMultipartUploadsCommand({ Bucket: B }));
    assert.deepEqual(
      uploads.Uploads?.map((u) => [u.Key, u.UploadId]),
      [['unfinished', pendingUpload.UploadId]],
    );
  });

  it('keeps writes made after a restart through a second kill -9', async () => {
    const s3 = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: ROOT,
      forcePathStyle: true,
      maxAttempts: 1,
    });
    const more = Buffer.from('written after the first crash');
    etags.set('small/0', (await s3.send(new PutObjectCommand({ Bucket: B, Key: 'small/0', Body: more }))).ETag!);
    expected.set('small/0', more);
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'small/1' }));
    expected.set('small/1', undefined);
    const completed = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: B,
        Key: 'unfinished',
        UploadId: pendingUpload!.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: pendingUpload!.ETag }] },
      }),
    );
    expected.set('unfinished', Buffer.from('only part'));
    etags.set('unfinished', completed.ETag!);
    assert.equal(completed.ETag, `"${md5(Buffer.from(md5(Buffer.from('only part')), 'hex'))}-1"`);
    await kill9();
    const again = await startServer();
    await verify(again);
    assert.deepEqual((await again.send(new ListMultipartUploadsCommand({ Bucket: B }))).Uploads ?? [], []);
  });
});

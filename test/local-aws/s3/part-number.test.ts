// GetObject/HeadObject ?partNumber=N: 206 with the part's bytes, Content-Range and PartsCount on a
// multipart object; a simple object is one part; the part sizes survive a restart.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from '../../support/local-aws.ts';
import { startS3WithBucket } from '../../support/s3.ts';
import { boto3, noBoto3 } from '../../support/boto3.ts';

let server: TestServer;
let s3: S3Client;
const B = 'part-number-bucket';
const MiB = 1024 * 1024;
const parts = [Buffer.alloc(5 * MiB, 'a'), Buffer.alloc(5 * MiB + 7, 'b'), Buffer.alloc(123, 'c')];
const total = parts.reduce((n, p) => n + p.length, 0);

before(async () => {
  ({ server, s3 } = await startS3WithBucket(B));
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'mpu' }));
  const done = [];
  for (const [i, Body] of parts.entries()) {
    const r = await s3.send(new UploadPartCommand({ Bucket: B, Key: 'mpu', UploadId, PartNumber: i + 1, Body }));
    done.push({ PartNumber: i + 1, ETag: r.ETag });
  }
  await s3.send(
    new CompleteMultipartUploadCommand({ Bucket: B, Key: 'mpu', UploadId, MultipartUpload: { Parts: done } }),
  );
  await s3.send(new PutObjectCommand({ Bucket: B, Key: 'simple', Body: '0123456789' }));
});
after(() => server.stopAndRemove());

async function checkParts(): Promise<void> {
  let start = 0;
  for (const [i, part] of parts.entries()) {
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'mpu', PartNumber: i + 1 }));
    assert.equal(got.$metadata.httpStatusCode, 206);
    assert.equal(got.PartsCount, 3);
    assert.equal(got.ContentRange, `bytes ${start}-${start + part.length - 1}/${total}`);
    assert.equal(got.ContentLength, part.length);
    assert.match(got.ETag!, /-3"$/, 'the whole object ETag');
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(part));
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'mpu', PartNumber: i + 1 }));
    assert.equal(head.PartsCount, 3);
    assert.equal(head.ContentLength, part.length);
    start += part.length;
  }
}

describe('GetObject / HeadObject partNumber', () => {
  it('a multipart object: each part with PartsCount and Content-Range; past the last part is 416', async () => {
    await checkParts();
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: B, Key: 'mpu', PartNumber: 4 })), {
      name: 'InvalidPartNumber',
      message: 'The requested partnumber is not satisfiable',
    });
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: B, Key: 'mpu', PartNumber: 4 })), (e: Error) => {
      assert.equal((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 416);
      return true;
    });
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: B, Key: 'mpu', PartNumber: 1, Range: 'bytes=0-1' })), {
      name: 'InvalidRequest',
    });
  });

  it('a simple object is part 1 (206, whole body, no PartsCount); part 2 is 416', async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'simple', PartNumber: 1 }));
    assert.equal(got.$metadata.httpStatusCode, 206);
    assert.equal(got.ContentRange, 'bytes 0-9/10');
    assert.equal(got.PartsCount, undefined);
    assert.equal(await got.Body!.transformToString(), '0123456789');
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: B, Key: 'simple', PartNumber: 2 })), {
      name: 'InvalidPartNumber',
    });
  });

  it('boto3 head_object/get_object with PartNumber', { skip: noBoto3 }, async () => {
    const r = (await boto3(
      server.url,
      `h = s3.head_object(Bucket='${B}', Key='mpu', PartNumber=2)
g = s3.get_object(Bucket='${B}', Key='mpu', PartNumber=3)
out([h['PartsCount'], h['ContentLength'], g['ContentRange'], len(g['Body'].read()),
     error_of(lambda: s3.get_object(Bucket='${B}', Key='mpu', PartNumber=9))])`,
    )) as unknown[];
    assert.deepEqual(r, [
      3,
      5 * MiB + 7,
      `bytes ${total - 123}-${total - 1}/${total}`,
      123,
      { code: 'InvalidPartNumber', status: 416 },
    ]);
  });

  it('the part sizes survive a restart', async () => {
    await server.close();
    const again = await startTestServer({ dataDir: server.dataDir });
    server = again;
    s3 = new S3Client(server.clientConfig());
    await checkParts();
  });
});

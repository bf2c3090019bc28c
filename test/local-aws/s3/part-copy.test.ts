// UploadPartCopy (x-amz-copy-source-range) through the SDK, and the server-side copies of large
// objects that switch to it: `aws s3 cp s3://a/big s3://b/big` and boto3's managed copy.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { awsCliOk, needsAwsCli, startTestServer, type TestServer } from '../../support/local-aws.ts';
import { boto3, noBoto3 } from '../../support/boto3.ts';

let server: TestServer;
let s3: S3Client;
const A = 'copy-src';
const B = 'copy-dst';
const MiB = 1024 * 1024;
const big = randomBytes(20 * MiB);
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

before(async () => {
  server = await startTestServer();
  s3 = new S3Client(server.clientConfig());
  await s3.send(new CreateBucketCommand({ Bucket: A }));
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  await s3.send(new PutObjectCommand({ Bucket: A, Key: 'big', Body: big }));
  await s3.send(new PutObjectCommand({ Bucket: A, Key: 'small', Body: '0123456789' }));
});
after(async () => {
  await server.stopAndRemove();
});

async function body(bucket: string, key: string): Promise<Buffer> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

describe('UploadPartCopy', () => {
  it('assembles an object from ranges of another (ETag of each part = MD5 of its range)', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'assembled' }));
    const ranges: Array<[number, number]> = [
      [0, 6 * MiB - 1],
      [6 * MiB, 12 * MiB - 1],
      [12 * MiB, big.length - 1],
    ];
    const parts = [];
    for (const [i, [start, end]] of ranges.entries()) {
      const r = await s3.send(
        new UploadPartCopyCommand({
          Bucket: B,
          Key: 'assembled',
          UploadId,
          PartNumber: i + 1,
          CopySource: `${A}/big`,
          CopySourceRange: `bytes=${start}-${end}`,
        }),
      );
      assert.equal(r.CopyPartResult!.ETag, `"${md5(big.subarray(start, end + 1))}"`);
      assert.ok(r.CopyPartResult!.LastModified instanceof Date);
      parts.push({ PartNumber: i + 1, ETag: r.CopyPartResult!.ETag });
    }
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: B, Key: 'assembled', UploadId, MultipartUpload: { Parts: parts } }),
    );
    assert.ok((await body(B, 'assembled')).equals(big));
  });

  it('without a range copies the whole source; a bad or too large range is InvalidArgument', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'whole' }));
    const part = (range?: string) =>
      s3.send(
        new UploadPartCopyCommand({
          Bucket: B,
          Key: 'whole',
          UploadId,
          PartNumber: 1,
          CopySource: `${A}/small`,
          CopySourceRange: range,
        }),
      );
    const r = await part();
    assert.equal(r.CopyPartResult!.ETag, `"${md5(Buffer.from('0123456789'))}"`);
    await assert.rejects(part('bytes=5-10'), {
      name: 'InvalidArgument',
      message: /not valid for source object of size: 10/,
    });
    await assert.rejects(part('bytes=5-'), { name: 'InvalidArgument' });
    await assert.rejects(
      s3.send(new UploadPartCopyCommand({ Bucket: B, Key: 'whole', UploadId, PartNumber: 1, CopySource: `${A}/nope` })),
      { name: 'NoSuchKey' },
    );
    await assert.rejects(
      s3.send(
        new UploadPartCopyCommand({
          Bucket: B,
          Key: 'whole',
          UploadId,
          PartNumber: 1,
          CopySource: `${A}/small`,
          CopySourceIfMatch: '"nope"',
        }),
      ),
      { name: 'PreconditionFailed' },
    );
    await assert.rejects(
      s3.send(
        new UploadPartCopyCommand({
          Bucket: B,
          Key: 'whole',
          UploadId: 'nope',
          PartNumber: 1,
          CopySource: `${A}/small`,
        }),
      ),
      { name: 'NoSuchUpload' },
    );
  });

  it(
    'aws s3 cp between buckets copies a 20 MB object in parts',
    { skip: needsAwsCli('s3/part-copy.test.ts') },
    async () => {
      await awsCliOk(server.url, ['s3', 'cp', `s3://${A}/big`, `s3://${B}/by-cli`]);
      assert.ok((await body(B, 'by-cli')).equals(big));
    },
  );

  it('boto3 managed copy (multipart above 8 MB)', { skip: noBoto3 }, async () => {
    const etag = await boto3(
      server.url,
      `s3.copy({'Bucket': '${A}', 'Key': 'big'}, '${B}', 'by-boto3')
out(s3.head_object(Bucket='${B}', Key='by-boto3')['ETag'])`,
    );
    assert.match(etag as string, /^"[0-9a-f]{32}-3"$/, 'copied in 3 parts of 8 MB');
    assert.ok((await body(B, 'by-boto3')).equals(big));
  });
});

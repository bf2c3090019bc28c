// S3 multipart uploads through the real SDK: create, upload parts, list, complete (ETag `-N`,
// composite checksum), abort, and the errors of CompleteMultipartUpload.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { checksumBase64 } from '../../../local-aws/core/checksums.ts';
import type { TestServer } from '../../support/local-aws.ts';
import { startS3WithBucket } from '../../support/s3.ts';

let server: TestServer;
let s3: S3Client;
const B = 'multipart-bucket';
const MiB = 1024 * 1024;

before(async () => ({ server, s3 } = await startS3WithBucket(B)));
after(() => server.stopAndRemove());

function pattern(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4096) b.fill((seed + i / 4096) & 0xff, i, Math.min(size, i + 4096));
  return b;
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest();

async function upload(key: string, parts: Buffer[], extra: { ChecksumAlgorithm?: 'CRC32' } = {}) {
  const created = await s3.send(
    new CreateMultipartUploadCommand({
      Bucket: B,
      Key: key,
      ContentType: 'application/x-test',
      Metadata: { origin: 'mpu' },
      ...extra,
    }),
  );
  const UploadId = created.UploadId!;
  const done: CompletedPart[] = [];
  for (const [i, Body] of parts.entries()) {
    const r = await s3.send(
      new UploadPartCommand({ Bucket: B, Key: key, UploadId, PartNumber: i + 1, Body, ...extra }),
    );
    assert.equal(r.ETag, `"${md5(Body).toString('hex')}"`);
    done.push({ PartNumber: i + 1, ETag: r.ETag, ChecksumCRC32: r.ChecksumCRC32 });
  }
  return { UploadId, done };
}

describe('S3 multipart upload', () => {
  it('assembles the parts; ETag is md5 of the part md5s + "-N"; metadata from Create', async () => {
    const parts = [pattern(5 * MiB, 1), pattern(5 * MiB, 2), pattern(1234, 3)];
    const { UploadId, done } = await upload('big/file.bin', parts);
    const listed = await s3.send(new ListPartsCommand({ Bucket: B, Key: 'big/file.bin', UploadId }));
    assert.deepEqual(
      listed.Parts?.map((p) => [p.PartNumber, p.Size]),
      [
        [1, 5 * MiB],
        [2, 5 * MiB],
        [3, 1234],
      ],
    );
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: B }));
    assert.deepEqual(
      uploads.Uploads?.map((u) => [u.Key, u.UploadId]),
      [['big/file.bin', UploadId]],
    );
    const completed = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: B,
        Key: 'big/file.bin',
        UploadId,
        MultipartUpload: { Parts: done },
      }),
    );
    const expected =
      createHash('md5')
        .update(Buffer.concat(parts.map(md5)))
        .digest('hex') + '-3';
    assert.equal(completed.ETag, `"${expected}"`);
    assert.equal(completed.Key, 'big/file.bin');
    assert.equal(completed.Bucket, B);
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'big/file.bin', ChecksumMode: 'ENABLED' }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    assert.ok(bytes.equals(Buffer.concat(parts)));
    assert.equal(got.ETag, `"${expected}"`);
    assert.equal(got.ContentType, 'application/x-test');
    assert.deepEqual(got.Metadata, { origin: 'mpu' });
    // A range across the first part boundary.
    const edge = await s3.send(
      new GetObjectCommand({ Bucket: B, Key: 'big/file.bin', Range: `bytes=${5 * MiB - 2}-${5 * MiB + 1}` }),
    );
    assert.ok(
      Buffer.from(await edge.Body!.transformToByteArray()).equals(
        Buffer.concat(parts).subarray(5 * MiB - 2, 5 * MiB + 2),
      ),
    );
    assert.deepEqual((await s3.send(new ListMultipartUploadsCommand({ Bucket: B }))).Uploads ?? [], []);
    await assert.rejects(s3.send(new ListPartsCommand({ Bucket: B, Key: 'big/file.bin', UploadId })), {
      name: 'NoSuchUpload',
    });
  });

  it('with ChecksumAlgorithm CRC32: part checksums, and a composite object checksum ("-N")', async () => {
    const parts = [pattern(5 * MiB, 7), pattern(100, 8)];
    const { UploadId, done } = await upload('crc.bin', parts, { ChecksumAlgorithm: 'CRC32' });
    assert.equal(done[0]!.ChecksumCRC32, checksumBase64('crc32', parts[0]!));
    const completed = await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: B, Key: 'crc.bin', UploadId, MultipartUpload: { Parts: done } }),
    );
    const composite = checksumBase64(
      'crc32',
      Buffer.concat(parts.map((p) => Buffer.from(checksumBase64('crc32', p), 'base64'))),
    );
    assert.equal(completed.ChecksumCRC32, `${composite}-2`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'crc.bin', ChecksumMode: 'ENABLED' }));
    assert.equal(head.ChecksumCRC32, `${composite}-2`);
    // The SDK skips validating a composite checksum, so a checked GET works.
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'crc.bin', ChecksumMode: 'ENABLED' }));
    assert.equal((await got.Body!.transformToByteArray()).length, 5 * MiB + 100);
  });

  it(
    'refuses a small middle part (EntityTooSmall), a wrong ' +
      'ETag (InvalidPart) and unordered parts (InvalidPartOrder)',
    async () => {
      const parts = [pattern(1000, 1), pattern(1000, 2)];
      const { UploadId, done } = await upload('bad.bin', parts);
      await assert.rejects(
        s3.send(
          new CompleteMultipartUploadCommand({ Bucket: B, Key: 'bad.bin', UploadId, MultipartUpload: { Parts: done } }),
        ),
        (e: Error & { ProposedSize?: string; PartNumber?: string }) => {
          assert.equal(e.name, 'EntityTooSmall');
          assert.equal(e.message, 'Your proposed upload is smaller than the minimum allowed size');
          assert.equal(String(e.ProposedSize), '1000');
          assert.equal(String(e.PartNumber), '1');
          return true;
        },
      );
      await assert.rejects(
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: B,
            Key: 'bad.bin',
            UploadId,
            MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }] },
          }),
        ),
        { name: 'InvalidPart' },
      );
      await assert.rejects(
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: B,
            Key: 'bad.bin',
            UploadId,
            MultipartUpload: { Parts: [{ PartNumber: 9, ETag: done[0]!.ETag }] },
          }),
        ),
        { name: 'InvalidPart' },
      );
      await assert.rejects(
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: B,
            Key: 'bad.bin',
            UploadId,
            MultipartUpload: { Parts: [done[1]!, done[0]!] },
          }),
        ),
        (e: Error) => e.name === 'InvalidPartOrder' && /ascending order/.test(e.message),
      );
      // A single part of any size is fine.
      const single = await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: B,
          Key: 'bad.bin',
          UploadId,
          MultipartUpload: { Parts: [done[0]!] },
        }),
      );
      assert.match(single.ETag ?? '', /-1"$/);
      assert.equal((await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'bad.bin' }))).ContentLength, 1000);
    },
  );

  it('aborts; then the upload is gone (NoSuchUpload) and no object appears', async () => {
    const { UploadId } = await upload('aborted.bin', [pattern(10, 1)]);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: B, Key: 'aborted.bin', UploadId }));
    await assert.rejects(
      s3.send(new UploadPartCommand({ Bucket: B, Key: 'aborted.bin', UploadId, PartNumber: 2, Body: 'x' })),
      (e: Error & { $metadata: { httpStatusCode: number } }) => {
        assert.equal(e.name, 'NoSuchUpload');
        assert.equal(e.$metadata.httpStatusCode, 404);
        return true;
      },
    );
    await assert.rejects(s3.send(new AbortMultipartUploadCommand({ Bucket: B, Key: 'aborted.bin', UploadId })), {
      name: 'NoSuchUpload',
    });
    await assert.rejects(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: B,
          Key: 'aborted.bin',
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"x"' }] },
        }),
      ),
      { name: 'NoSuchUpload' },
    );
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'aborted' }));
    assert.equal(listed.KeyCount, 0);
    // An upload id belongs to its key.
    const other = await upload('key-a', [pattern(10, 1)]);
    await assert.rejects(s3.send(new ListPartsCommand({ Bucket: B, Key: 'key-b', UploadId: other.UploadId })), {
      name: 'NoSuchUpload',
    });
  });

  it('refuses part numbers outside 1..10000', async () => {
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'numbers' }));
    for (const PartNumber of [0, 10001]) {
      await assert.rejects(
        s3.send(
          new UploadPartCommand({ Bucket: B, Key: 'numbers', UploadId: created.UploadId, PartNumber, Body: 'x' }),
        ),
        (e: Error) => {
          assert.equal(e.name, 'InvalidArgument');
          assert.equal(e.message, 'Part number must be an integer between 1 and 10000, inclusive');
          return true;
        },
      );
    }
  });
});

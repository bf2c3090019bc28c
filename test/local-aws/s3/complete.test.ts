// CompleteMultipartUpload as S3 answers it: a retry after success gets the same answer, a part
// listed twice in a row is taken once, parts going down are InvalidPartOrder, and a whole-object
// checksum header that does not match is BadDigest.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import type { TestServer } from '../../support/local-aws.ts';
import { startS3WithBucket } from '../../support/s3.ts';
import { boto3, noBoto3 } from '../../support/boto3.ts';

let server: TestServer;
let s3: S3Client;
const B = 'complete-bucket';
const MiB = 1024 * 1024;

before(async () => ({ server, s3 } = await startS3WithBucket(B)));
after(() => server.stopAndRemove());

const partBodies = [Buffer.alloc(5 * MiB, 1), Buffer.alloc(1000, 2)];

async function start(key: string, checksum?: 'SHA256'): Promise<{ UploadId: string; parts: CompletedPart[] }> {
  const { UploadId } = await s3.send(
    new CreateMultipartUploadCommand({ Bucket: B, Key: key, ChecksumAlgorithm: checksum }),
  );
  const parts: CompletedPart[] = [];
  for (const [i, Body] of partBodies.entries()) {
    const r = await s3.send(
      new UploadPartCommand({ Bucket: B, Key: key, UploadId, PartNumber: i + 1, Body, ChecksumAlgorithm: checksum }),
    );
    parts.push({ PartNumber: i + 1, ETag: r.ETag, ChecksumSHA256: r.ChecksumSHA256 });
  }
  return { UploadId: UploadId!, parts };
}

const complete = (key: string, UploadId: string, Parts: CompletedPart[], extra: { ChecksumSHA256?: string } = {}) =>
  s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: key, UploadId, MultipartUpload: { Parts }, ...extra }));

describe('CompleteMultipartUpload', () => {
  it('retried after it succeeded: the same answer; with other parts: NoSuchUpload', async () => {
    const { UploadId, parts } = await start('retried');
    const first = await complete('retried', UploadId, parts);
    const again = await complete('retried', UploadId, parts);
    assert.equal(again.ETag, first.ETag);
    assert.equal(again.Location, first.Location);
    assert.equal(again.Key, 'retried');
    await assert.rejects(complete('retried', UploadId, parts.slice(0, 1)), { name: 'NoSuchUpload' });
    await assert.rejects(complete('retried', 'unknown-upload', parts), { name: 'NoSuchUpload' });
  });

  it('retried by boto3', { skip: noBoto3 }, async () => {
    const { UploadId, parts } = await start('boto-retried');
    const result = (await boto3(
      server.url,
      `parts = ${JSON.stringify(parts.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag })))}
args = dict(Bucket='${B}', Key='boto-retried', UploadId='${UploadId}', MultipartUpload={'Parts': parts})
a = s3.complete_multipart_upload(**args)
b = s3.complete_multipart_upload(**args)
out([a['ETag'], b['ETag']])`,
    )) as string[];
    assert.equal(result[0], result[1]);
    assert.match(result[0]!, /-2"$/);
  });

  it('a part listed twice in a row counts once; parts going down are InvalidPartOrder', async () => {
    const { UploadId, parts } = await start('twice');
    await assert.rejects(complete('twice', UploadId, [parts[1]!, parts[0]!]), { name: 'InvalidPartOrder' });
    await assert.rejects(complete('twice', UploadId, [parts[0]!, { PartNumber: 1, ETag: '"0"' }, parts[1]!]), {
      name: 'InvalidPart',
    });
    const done = await complete('twice', UploadId, [parts[0]!, parts[0]!, parts[1]!]);
    assert.match(done.ETag!, /-2"$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'twice' }));
    assert.equal(got.ContentLength, 5 * MiB + 1000);
  });

  it('a wrong x-amz-checksum-sha256 is BadDigest; the right one (composite, with or without -N) is taken', async () => {
    const { UploadId, parts } = await start('summed', 'SHA256');
    const composite = createHash('sha256')
      .update(Buffer.concat(parts.map((p) => Buffer.from(p.ChecksumSHA256!, 'base64'))))
      .digest('base64');
    const wrong = createHash('sha256').update('something else').digest('base64');
    await assert.rejects(complete('summed', UploadId, parts, { ChecksumSHA256: wrong }), {
      name: 'BadDigest',
      message: 'The SHA256 you specified did not match the calculated checksum.',
    });
    await assert.rejects(complete('summed', UploadId, parts, { ChecksumSHA256: `${wrong}-2` }), { name: 'BadDigest' });
    const done = await complete('summed', UploadId, parts, { ChecksumSHA256: `${composite}-2` });
    assert.equal(done.ChecksumSHA256, `${composite}-2`);
    const second = await start('summed-bare', 'SHA256');
    await complete('summed-bare', second.UploadId, second.parts, { ChecksumSHA256: composite });
  });
});

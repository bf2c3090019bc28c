// Server-side encryption recorded and answered truthfully: SSE-S3 (AES256, the default), SSE-KMS
// with its key and bucket-key flag on put/get/head/copy/multipart (kept across a restart), bad
// values refused, and SSE-C refused as S3 refuses it over plain HTTP.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ACCOUNT, awsCliOk, needsAwsCli, startTestServer, type TestServer } from '../../support/local-aws.ts';
import { startS3WithBucket } from '../../support/s3.ts';
import { boto3, noBoto3 } from '../../support/boto3.ts';

let server: TestServer;
let s3: S3Client;
const B = 'sse-bucket';
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}`;

before(async () => ({ server, s3 } = await startS3WithBucket(B)));
after(() => server.stopAndRemove());

const head = (Key: string) => s3.send(new HeadObjectCommand({ Bucket: B, Key }));

describe('server-side encryption', () => {
  it('default and AES256: reported as AES256 everywhere', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'default', Body: 'x' }));
    assert.equal(put.ServerSideEncryption, 'AES256');
    const asked = await s3.send(
      new PutObjectCommand({ Bucket: B, Key: 'aes', Body: 'x', ServerSideEncryption: 'AES256' }),
    );
    assert.equal(asked.ServerSideEncryption, 'AES256');
    assert.equal((await head('aes')).ServerSideEncryption, 'AES256');
    assert.equal((await head('aes')).SSEKMSKeyId, undefined);
  });

  it('aws:kms with a key id and the bucket key: put, get, head and a copy that asks for it', async () => {
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: B,
        Key: 'kms',
        Body: 'secret',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: KEY_ID,
        BucketKeyEnabled: true,
      }),
    );
    assert.equal(put.ServerSideEncryption, 'aws:kms');
    assert.equal(put.SSEKMSKeyId, KEY_ARN);
    assert.equal(put.BucketKeyEnabled, true);
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'kms' }));
    assert.equal(got.ServerSideEncryption, 'aws:kms');
    assert.equal(got.SSEKMSKeyId, KEY_ARN);
    assert.equal(got.BucketKeyEnabled, true);
    assert.equal(await got.Body!.transformToString(), 'secret');
    // A copy is encrypted as the copy request says, not as the source was.
    const plain = await s3.send(new CopyObjectCommand({ Bucket: B, Key: 'kms-copy', CopySource: `${B}/kms` }));
    assert.equal(plain.ServerSideEncryption, 'AES256');
    assert.equal((await head('kms-copy')).SSEKMSKeyId, undefined);
    const kms = await s3.send(
      new CopyObjectCommand({ Bucket: B, Key: 'kms-copy2', CopySource: `${B}/kms`, ServerSideEncryption: 'aws:kms' }),
    );
    assert.equal(kms.ServerSideEncryption, 'aws:kms');
    assert.match(kms.SSEKMSKeyId!, /^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f-]{36}$/, 'the aws/s3 key');
    assert.equal((await head('kms-copy2')).SSEKMSKeyId, kms.SSEKMSKeyId);
  });

  it('multipart with aws:kms: create, parts and complete report it, and so does the object', async () => {
    const created = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: B,
        Key: 'kms-mpu',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: KEY_ARN,
      }),
    );
    assert.equal(created.ServerSideEncryption, 'aws:kms');
    assert.equal(created.SSEKMSKeyId, KEY_ARN);
    const UploadId = created.UploadId!;
    const part = await s3.send(
      new UploadPartCommand({ Bucket: B, Key: 'kms-mpu', UploadId, PartNumber: 1, Body: 'p' }),
    );
    assert.equal(part.ServerSideEncryption, 'aws:kms');
    assert.equal(part.SSEKMSKeyId, KEY_ARN);
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: B,
        Key: 'kms-mpu',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    assert.equal(done.ServerSideEncryption, 'aws:kms');
    assert.equal(done.SSEKMSKeyId, KEY_ARN);
    assert.equal((await head('kms-mpu')).SSEKMSKeyId, KEY_ARN);
  });

  it('bad values are InvalidArgument; SSE-C is refused (InvalidRequest: only over a secure connection)', async () => {
    await assert.rejects(
      s3.send(new PutObjectCommand({ Bucket: B, Key: 'bad', Body: 'x', ServerSideEncryption: 'AES128' as 'AES256' })),
      { name: 'InvalidArgument', message: 'The encryption method specified is not supported' },
    );
    await assert.rejects(
      s3.send(
        new PutObjectCommand({ Bucket: B, Key: 'bad', Body: 'x', ServerSideEncryption: 'AES256', SSEKMSKeyId: KEY_ID }),
      ),
      { name: 'InvalidArgument' },
    );
    const customerKey = Buffer.alloc(32, 7).toString('base64');
    const ssec = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey };
    await assert.rejects(s3.send(new PutObjectCommand({ Bucket: B, Key: 'ssec', Body: 'x', ...ssec })), {
      name: 'InvalidRequest',
      message: /Server Side Encryption with Customer provided keys must be made over a secure connection/,
    });
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: B, Key: 'default', ...ssec })), {
      name: 'InvalidRequest',
    });
    await assert.rejects(s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'ssec', ...ssec })), {
      name: 'InvalidRequest',
    });
    await assert.rejects(
      s3.send(new CopyObjectCommand({ Bucket: B, Key: 'ssec', CopySource: `${B}/default`, ...ssec })),
      { name: 'InvalidRequest' },
    );
    await assert.rejects(head('ssec'), { name: 'NotFound' });
  });

  it('aws-cli: cp --sse aws:kms --sse-kms-key-id', { skip: needsAwsCli('s3/sse.test.ts') }, async () => {
    await awsCliOk(server.url, ['s3', 'cp', '-', `s3://${B}/by-cli`, '--sse', 'aws:kms', '--sse-kms-key-id', KEY_ID], {
      input: 'from the cli',
    });
    const h = await head('by-cli');
    assert.equal(h.ServerSideEncryption, 'aws:kms');
    assert.equal(h.SSEKMSKeyId, KEY_ARN);
  });

  it('boto3: put_object with aws:kms, head_object', { skip: noBoto3 }, async () => {
    const r = await boto3(
      server.url,
      `s3.put_object(Bucket='${B}', Key='by-boto3', Body=b'x', ServerSideEncryption='aws:kms', SSEKMSKeyId='alias/mine')
h = s3.head_object(Bucket='${B}', Key='by-boto3')
out([h['ServerSideEncryption'], h['SSEKMSKeyId']])`,
    );
    assert.deepEqual(r, ['aws:kms', `arn:aws:kms:us-east-1:${ACCOUNT}:alias/mine`]);
  });

  it('the encryption of each object survives a restart', async () => {
    await server.close();
    server = await startTestServer({ dataDir: server.dataDir });
    s3 = new S3Client(server.clientConfig());
    const kms = await head('kms');
    assert.equal(kms.SSEKMSKeyId, KEY_ARN);
    assert.equal(kms.BucketKeyEnabled, true);
    assert.equal((await head('kms-mpu')).SSEKMSKeyId, KEY_ARN);
    assert.equal((await head('default')).ServerSideEncryption, 'AES256');
  });
});

// IAM on S3: a role session (AssumeRole through the SDK) may do exactly what its policy allows,
// per object ARN; CopyObject needs both sides; DeleteObjects refuses key by key; a missing key is
// 404 only for callers that may list the bucket.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startTestServer, type Credentials, type TestServer } from '../../support/local-aws.ts';

const ACCOUNT = '000000000000';
const SESSION_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/thumbnailer/run`;

let server: TestServer;
let root: S3Client;

async function session(roleName: string, statements: object[]): Promise<S3Client> {
  const iam = new IAMClient(server.clientConfig());
  const trust = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }],
  };
  await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(trust) }));
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: 'p',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    }),
  );
  const out = await new STSClient(server.clientConfig()).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`, RoleSessionName: 'run' }),
  );
  const c = out.Credentials!;
  const credentials: Credentials = {
    accessKeyId: c.AccessKeyId!,
    secretAccessKey: c.SecretAccessKey!,
    sessionToken: c.SessionToken,
  };
  return new S3Client(server.clientConfig({ credentials }));
}

let worker: S3Client;
let lister: S3Client;

before(async () => {
  server = await startTestServer();
  root = new S3Client(server.clientConfig());
  for (const Bucket of ['iam-src', 'iam-dst']) await root.send(new CreateBucketCommand({ Bucket }));
  await root.send(new PutObjectCommand({ Bucket: 'iam-src', Key: 'images/a.jpg', Body: 'image' }));
  await root.send(new PutObjectCommand({ Bucket: 'iam-src', Key: 'private/b.txt', Body: 'secret' }));
  await root.send(new PutObjectCommand({ Bucket: 'iam-dst', Key: 'keep/x', Body: 'x' }));
  await root.send(new PutObjectCommand({ Bucket: 'iam-dst', Key: 'tmp/y', Body: 'y' }));
  // The walkthrough's least-privilege shape: read the source's objects, write the destination's.
  worker = await session('thumbnailer', [
    { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::iam-src/images/*' },
    { Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: 'arn:aws:s3:::iam-dst/*' },
    { Effect: 'Deny', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::iam-dst/keep/*' },
  ]);
  lister = await session('lister', [
    { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::iam-src/*' },
    { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::iam-src' },
  ]);
});
after(async () => {
  await server.stopAndRemove();
});

describe('S3 with IAM role sessions', () => {
  it('allows exactly the objects the policy names', async () => {
    const r = await worker.send(new GetObjectCommand({ Bucket: 'iam-src', Key: 'images/a.jpg' }));
    assert.equal(await r.Body!.transformToString(), 'image');
    await worker.send(new PutObjectCommand({ Bucket: 'iam-dst', Key: 'resized-a.jpg', Body: 'small' }));
    await assert.rejects(
      worker.send(new GetObjectCommand({ Bucket: 'iam-src', Key: 'private/b.txt' })),
      (e: Error & { $metadata: { httpStatusCode: number } }) => {
        assert.equal(e.name, 'AccessDenied');
        assert.equal(e.$metadata.httpStatusCode, 403);
        assert.equal(
          e.message,
          `User: ${SESSION_ARN} is not authorized to perform: s3:GetObject on resource: ` +
            `"arn:aws:s3:::iam-src/private/b.txt" because no identity-based policy allows the s3:GetObject action`,
        );
        return true;
      },
    );
    await assert.rejects(worker.send(new PutObjectCommand({ Bucket: 'iam-src', Key: 'images/evil.jpg', Body: 'x' })), {
      name: 'AccessDenied',
    });
    await assert.rejects(worker.send(new ListObjectsV2Command({ Bucket: 'iam-src' })), { name: 'AccessDenied' });
    await assert.rejects(root.send(new HeadObjectCommand({ Bucket: 'iam-src', Key: 'images/evil.jpg' })), {
      name: 'NotFound',
    });
  });

  it('a missing key is 403 without s3:ListBucket and 404 with it', async () => {
    await assert.rejects(
      worker.send(new HeadObjectCommand({ Bucket: 'iam-src', Key: 'images/missing.jpg' })),
      (e: Error & { $metadata: { httpStatusCode: number } }) => {
        assert.equal(e.$metadata.httpStatusCode, 403);
        return true;
      },
    );
    await assert.rejects(worker.send(new GetObjectCommand({ Bucket: 'iam-src', Key: 'images/missing.jpg' })), {
      name: 'AccessDenied',
    });
    await assert.rejects(lister.send(new HeadObjectCommand({ Bucket: 'iam-src', Key: 'images/missing.jpg' })), {
      name: 'NotFound',
    });
    await assert.rejects(lister.send(new GetObjectCommand({ Bucket: 'iam-src', Key: 'images/missing.jpg' })), {
      name: 'NoSuchKey',
    });
  });

  it('CopyObject needs s3:GetObject on the source and s3:PutObject on the destination', async () => {
    await worker.send(
      new CopyObjectCommand({ Bucket: 'iam-dst', Key: 'copied.jpg', CopySource: 'iam-src/images/a.jpg' }),
    );
    await assert.rejects(
      worker.send(new CopyObjectCommand({ Bucket: 'iam-dst', Key: 'c2', CopySource: 'iam-src/private/b.txt' })),
      (e: Error) => {
        assert.equal(e.name, 'AccessDenied');
        assert.match(e.message, /s3:GetObject on resource: "arn:aws:s3:::iam-src\/private\/b\.txt"/);
        return true;
      },
    );
    await assert.rejects(
      worker.send(new CopyObjectCommand({ Bucket: 'iam-src', Key: 'images/c3', CopySource: 'iam-src/images/a.jpg' })),
      (e: Error) => {
        assert.match(e.message, /s3:PutObject on resource: "arn:aws:s3:::iam-src\/images\/c3"/);
        return true;
      },
    );
  });

  it('DeleteObjects authorises each key: refused keys come back as errors, the rest is deleted', async () => {
    const r = await worker.send(
      new DeleteObjectsCommand({ Bucket: 'iam-dst', Delete: { Objects: [{ Key: 'tmp/y' }, { Key: 'keep/x' }] } }),
    );
    assert.deepEqual(
      r.Deleted?.map((d) => d.Key),
      ['tmp/y'],
    );
    assert.equal(r.Errors?.length, 1);
    assert.equal(r.Errors?.[0]?.Key, 'keep/x');
    assert.equal(r.Errors?.[0]?.Code, 'AccessDenied');
    assert.match(r.Errors?.[0]?.Message ?? '', /explicit deny/);
    const left = await root.send(new ListObjectsV2Command({ Bucket: 'iam-dst' }));
    assert.ok(left.Contents?.some((c) => c.Key === 'keep/x'));
    assert.ok(!left.Contents?.some((c) => c.Key === 'tmp/y'));
  });
});

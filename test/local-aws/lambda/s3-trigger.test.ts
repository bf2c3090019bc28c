// S3 -> Lambda through the SDKs: destination validation by the function policy, AWS's event JSON,
// a function that writes into another bucket with its role's rights, and 100 concurrent uploads that
// must give exactly 100 invocations.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient } from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  InvokeCommand,
  LambdaClient,
  RemovePermissionCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  type PutObjectCommandOutput,
  S3Client,
} from '@aws-sdk/client-s3';
import { startTestServer, stderrDuring, type TestServer } from '../../support/local-aws.ts';
import { createRole, eventually, handlerZip } from '../../support/lambda-kit.ts';

let server: TestServer;
let lambda: LambdaClient;
let s3: S3Client;
let logs: CloudWatchLogsClient;
let iam: IAMClient;

const ACCOUNT = '000000000000';

before(async () => {
  server = await startTestServer({ lambdaRetryDelaysMs: [50, 100] });
  lambda = new LambdaClient(server.clientConfig());
  s3 = new S3Client(server.clientConfig());
  logs = new CloudWatchLogsClient(server.clientConfig());
  iam = new IAMClient(server.clientConfig());
});
after(async () => {
  await server.stopAndRemove();
});

/** A bucket pair and a copier function allowed to read `src` and write `dst` (or not, with `canPut: false`). */
async function setup(
  prefix: string,
  opts: { canPut?: boolean } = {},
): Promise<{ src: string; dst: string; fn: string; arn: string }> {
  const src = `${prefix}-src`;
  const dst = `${prefix}-dst`;
  await s3.send(new CreateBucketCommand({ Bucket: src }));
  await s3.send(new CreateBucketCommand({ Bucket: dst }));
  const statements = [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${src}/*` }];
  if (opts.canPut !== false)
    statements.push({ Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${dst}/*` });
  const role = await createRole(iam, `${prefix}-role`, statements);
  const fn = `${prefix}-copier`;
  const created = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: fn,
      Role: role,
      Runtime: 'nodejs24.x',
      Handler: 'index.s3copy',
      Timeout: 30,
      Code: { ZipFile: handlerZip() },
      Environment: { Variables: { DEST_BUCKET: dst } },
    }),
  );
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: fn });
  return { src, dst, fn, arn: created.FunctionArn! };
}

function allowS3(fn: string, bucket: string, account = ACCOUNT) {
  return lambda.send(
    new AddPermissionCommand({
      FunctionName: fn,
      StatementId: 's3invoke',
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      SourceArn: `arn:aws:s3:::${bucket}`,
      SourceAccount: account,
    }),
  );
}

function notify(bucket: string, arn: string) {
  return s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [{ Id: 'copy', LambdaFunctionArn: arn, Events: ['s3:ObjectCreated:*'] }],
      },
    }),
  );
}

async function keys(bucket: string, prefix?: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const c of page.Contents ?? []) out.push(c.Key!);
    token = page.NextContinuationToken;
  } while (token);
  return out;
}

async function logMessages(fn: string, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await logs.send(
      new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${fn}`, filterPattern: pattern, nextToken: token }),
    );
    for (const e of page.events ?? []) out.push(e.message!);
    token = page.nextToken;
  } while (token);
  return out;
}

describe('notification configuration', () => {
  it('is refused unless the function policy lets S3 invoke it for this bucket and account', async () => {
    const { src, fn, arn } = await setup('val');
    const refused = async () =>
      assert.rejects(notify(src, arn), (e: Error) => {
        assert.equal(e.name, 'InvalidArgument');
        assert.equal(e.message, 'Unable to validate the following destination configurations');
        return true;
      });
    await refused(); // no permission at all
    await allowS3(fn, 'some-other-bucket');
    await refused(); // another bucket
    await lambda.send(new RemovePermissionCommand({ FunctionName: fn, StatementId: 's3invoke' }));
    await allowS3(fn, src, '111111111111');
    await refused(); // another account
    await lambda.send(new RemovePermissionCommand({ FunctionName: fn, StatementId: 's3invoke' }));
    await assert.rejects(notify(src, `${arn}-missing`), { name: 'InvalidArgument' }); // no such function
    await allowS3(fn, src);
    await notify(src, arn);
  });
});

describe('S3 events', () => {
  it('delivers AWS event JSON; the function writes into the other bucket with its role', async () => {
    const { src, dst, fn, arn } = await setup('evt');
    await allowS3(fn, src);
    await notify(src, arn);
    const key = 'photos/Happy Face +été.jpg';
    const put = await s3.send(new PutObjectCommand({ Bucket: src, Key: key, Body: 'hello' }));
    const written = await eventually('the copy in the destination bucket', async () => {
      const found = await keys(dst, `${key}/`);
      return found.length > 0 ? found : undefined;
    });
    assert.equal(written.length, 1);
    const body = await (
      await s3.send(new GetObjectCommand({ Bucket: dst, Key: written[0] }))
    ).Body!.transformToString();
    const record = JSON.parse(body) as Record<string, unknown> & {
      s3: {
        configurationId: string;
        bucket: { name: string; arn: string };
        object: { key: string; size: number; eTag: string; sequencer: string };
      };
    };
    assert.equal(record.eventVersion, '2.1');
    assert.equal(record.eventSource, 'aws:s3');
    assert.equal(record.awsRegion, 'us-east-1');
    assert.equal(record.eventName, 'ObjectCreated:Put');
    assert.match(record.eventTime as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(record.userIdentity, { principalId: `AWS:${ACCOUNT}` });
    assert.equal(record.s3.configurationId, 'copy');
    assert.deepEqual([record.s3.bucket.name, record.s3.bucket.arn], [src, `arn:aws:s3:::${src}`]);
    assert.equal(record.s3.object.key, 'photos/Happy+Face+%2B%C3%A9t%C3%A9.jpg');
    assert.equal(record.s3.object.size, 5);
    assert.equal(`"${record.s3.object.eTag}"`, put.ETag);
    assert.match(record.s3.object.sequencer, /^[0-9A-F]+$/);
  });

  it('shows AccessDenied in the log of a function whose role may not write', async () => {
    const { src, dst, fn } = await setup('deny', { canPut: false });
    const event = { Records: [{ s3: { bucket: { name: src }, object: { key: 'a.txt' } } }] };
    const r = await lambda.send(new InvokeCommand({ FunctionName: fn, Payload: Buffer.from(JSON.stringify(event)) }));
    assert.equal(r.FunctionError, 'Unhandled');
    const error = JSON.parse(Buffer.from(r.Payload!).toString()) as { errorType: string; errorMessage: string };
    assert.equal(error.errorType, 'AccessDenied');
    assert.match(
      error.errorMessage,
      new RegExp(`is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::${dst}/a\\.txt/`),
    );
    const lines = await eventually('the AccessDenied line in the log', async () => {
      const found = await logMessages(fn, 'AccessDenied');
      return found.length > 0 ? found : undefined;
    });
    assert.match(lines.join('\n'), /s3:PutObject/);
  });

  it('drops events whose permission was removed after the notification was saved', async () => {
    const { src, dst, fn, arn } = await setup('revoked');
    await allowS3(fn, src);
    await notify(src, arn);
    await lambda.send(new RemovePermissionCommand({ FunctionName: fn, StatementId: 's3invoke' }));
    const original = console.error;
    const lines: string[] = [];
    console.error = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
    try {
      await s3.send(new PutObjectCommand({ Bucket: src, Key: 'late.txt', Body: 'x' }));
      await eventually('the drop line', async () => lines.find((l) => l.includes(`for ${fn}`)));
    } finally {
      console.error = original;
    }
    assert.match(
      lines.join('\n'),
      new RegExp(`dropped event [0-9a-f-]+ for ${fn} after 0 attempts: s3\\.amazonaws\\.com is no longer allowed`),
    );
    assert.deepEqual(await keys(dst), []);
  });

  it('never fails the upload because of delivery: the function was deleted, PutObject still succeeds', async () => {
    const { src, dst, fn, arn } = await setup('gone');
    await allowS3(fn, src);
    await notify(src, arn);
    await lambda.send(new DeleteFunctionCommand({ FunctionName: fn }));
    let put: PutObjectCommandOutput | undefined;
    const logged = await stderrDuring(async () => {
      put = await s3.send(new PutObjectCommand({ Bucket: src, Key: 'after delete.txt', Body: 'x' }));
    });
    assert.equal(put?.$metadata.httpStatusCode, 200);
    assert.ok(put?.ETag);
    // The server's log says what happened (the line is written before S3 answers).
    assert.equal(
      logged.trim(),
      `[local-aws] lambda: S3 event for s3://${src}/after delete.txt not delivered: function ${arn} does not exist`,
    );
    // The object is there, and nothing ran.
    assert.deepEqual(await keys(src), ['after delete.txt']);
    assert.deepEqual(await keys(dst), []);
  });

  it('turns 100 concurrent uploads into exactly 100 invocations', async () => {
    const { src, dst, fn, arn } = await setup('load');
    await allowS3(fn, src);
    await notify(src, arn);
    const names = Array.from({ length: 100 }, (_, i) => `obj-${String(i).padStart(3, '0')}.txt`);
    await Promise.all(names.map((k) => s3.send(new PutObjectCommand({ Bucket: src, Key: k, Body: k }))));
    const copies = await eventually(
      '100 copies',
      async () => {
        const found = await keys(dst);
        return found.length >= 100 ? found : undefined;
      },
      90_000,
      200,
    );
    // One invocation per object: one copy per key, no key twice.
    const perKey = new Map<string, number>();
    for (const c of copies) perKey.set(c.split('/')[0]!, (perKey.get(c.split('/')[0]!) ?? 0) + 1);
    assert.deepEqual([...perKey.keys()].sort(), names);
    assert.ok([...perKey.values()].every((n) => n === 1));
    // The queue lets go of an event just after the function returned.
    await eventually('an empty queue', async () => (server.backend.lambda.queue.depth() === 0 ? true : undefined));
    // And all logged: 100 REPORT lines.
    const reports = await eventually('100 REPORT lines', async () => {
      const found = await logMessages(fn, 'REPORT');
      return found.length >= 100 ? found : undefined;
    });
    assert.equal(reports.length, 100);
    // Nothing more arrives later.
    assert.equal((await keys(dst)).length, 100);
  });
});

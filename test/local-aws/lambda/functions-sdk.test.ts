// Lambda's function lifecycle through the SDK: create (zip, S3 source), states and waiters, get/list,
// updates, delete, and AWS's validation errors for roles, runtimes, limits and packages.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IAMClient } from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetFunctionRecursionConfigCommand,
  GetPolicyCommand,
  LambdaClient,
  ListFunctionsCommand,
  ListTagsCommand,
  PublishVersionCommand,
  PutFunctionRecursionConfigCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  type CreateFunctionCommandInput,
} from '@aws-sdk/client-lambda';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestServer, type TestServer } from '../../support/local-aws.ts';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  createRole,
  EC2_TRUST,
  handlerZip,
  zeroBombZip,
  zipWithEntries,
  zipWithEntry,
  zipWithSymlink,
} from '../../support/lambda-kit.ts';

let server: TestServer;
let lambda: LambdaClient;
let iam: IAMClient;
let role: string;

before(async () => {
  server = await startTestServer();
  lambda = new LambdaClient(server.clientConfig());
  iam = new IAMClient(server.clientConfig());
  role = await createRole(iam, 'fn-role');
});
after(async () => {
  await server.stopAndRemove();
});

function params(name: string, extra: Partial<CreateFunctionCommandInput> = {}): CreateFunctionCommandInput {
  return {
    FunctionName: name,
    Role: role,
    Runtime: 'nodejs22.x',
    Handler: 'index.echo',
    Code: { ZipFile: handlerZip() },
    ...extra,
  };
}

async function createActive(name: string, extra: Partial<CreateFunctionCommandInput> = {}) {
  const created = await lambda.send(new CreateFunctionCommand(params(name, extra)));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: name });
  return created;
}

async function rejects(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.name, name, `${e.name}: ${e.message}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return true;
  });
}

describe('CreateFunction', () => {
  it('answers Pending, then the waiter sees Active, with AWS fields', async () => {
    const zip = handlerZip();
    const created = await lambda.send(
      new CreateFunctionCommand(
        params('basic', {
          Code: { ZipFile: zip },
          Environment: { Variables: { GREETING: 'hi' } },
          Tags: { team: 'x' },
        }),
      ),
    );
    assert.equal(created.$metadata.httpStatusCode, 201);
    assert.equal(created.State, 'Pending');
    assert.equal(created.StateReason, 'The function is being created.');
    assert.equal(created.StateReasonCode, 'Creating');
    assert.equal(created.LastUpdateStatus, undefined);
    assert.equal(created.CodeSha256, createHash('sha256').update(zip).digest('base64'));
    assert.equal(created.CodeSize, zip.length);
    assert.equal(created.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:basic');
    assert.deepEqual(
      [created.Timeout, created.MemorySize, created.Version, created.PackageType],
      [3, 128, '$LATEST', 'Zip'],
    );
    assert.deepEqual(created.Architectures, ['x86_64']);
    assert.deepEqual(created.EphemeralStorage, { Size: 512 });
    assert.deepEqual(created.LoggingConfig, { LogFormat: 'Text', LogGroup: '/aws/lambda/basic' });
    assert.match(created.LastModified!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);

    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: 'basic' });
    const got = await lambda.send(new GetFunctionCommand({ FunctionName: 'basic' }));
    assert.equal(got.Configuration!.State, 'Active');
    assert.equal(got.Configuration!.LastUpdateStatus, 'Successful');
    assert.notEqual(got.Configuration!.RevisionId, created.RevisionId);
    assert.deepEqual(got.Configuration!.Environment, { Variables: { GREETING: 'hi' } });
    assert.deepEqual(got.Tags, { team: 'x' });
    assert.equal(got.Code!.RepositoryType, 'S3');
    // Code.Location serves the very zip that was uploaded.
    const download = await fetch(got.Code!.Location!);
    assert.equal(download.status, 200);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), zip);
    const forged = await fetch(got.Code!.Location!.replace(/Signature=[0-9a-f]/, 'Signature=z'));
    assert.equal(forged.status, 403);
  });

  it('accepts a name, a partial ARN and a full ARN with $LATEST wherever a function is named', async () => {
    await createActive('named');
    for (const ref of [
      'named',
      '000000000000:function:named',
      'arn:aws:lambda:us-east-1:000000000000:function:named',
      'named:$LATEST',
    ]) {
      const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: ref }));
      assert.equal(c.FunctionName, 'named');
    }
    await rejects(
      lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'named', Qualifier: '7' })),
      'ResourceNotFoundException',
      'Function not found: arn:aws:lambda:us-east-1:000000000000:function:named:7',
    );
    await rejects(
      lambda.send(new GetFunctionCommand({ FunctionName: 'missing' })),
      'ResourceNotFoundException',
      'Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing',
    );
  });

  it('refuses a name that exists', async () => {
    await createActive('twice');
    await rejects(
      lambda.send(new CreateFunctionCommand(params('twice'))),
      'ResourceConflictException',
      'Function already exist: twice',
    );
  });

  it('reads the code from the local S3 with the caller rights', async () => {
    const s3 = new S3Client(server.clientConfig());
    await s3.send(new CreateBucketCommand({ Bucket: 'code-bucket' }));
    const zip = handlerZip({ 'from.txt': 's3' });
    await s3.send(new PutObjectCommand({ Bucket: 'code-bucket', Key: 'pkg/fn.zip', Body: zip }));
    const created = await lambda.send(
      new CreateFunctionCommand(params('from-s3', { Code: { S3Bucket: 'code-bucket', S3Key: 'pkg/fn.zip' } })),
    );
    assert.equal(created.CodeSha256, createHash('sha256').update(zip).digest('base64'));
    assert.equal(created.CodeSize, zip.length);
    await rejects(
      lambda.send(
        new CreateFunctionCommand(params('from-s3-2', { Code: { S3Bucket: 'code-bucket', S3Key: 'missing.zip' } })),
      ),
      'InvalidParameterValueException',
      'Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.',
    );
    await rejects(
      lambda.send(
        new CreateFunctionCommand(params('from-s3-3', { Code: { S3Bucket: 'no-such-bucket-here', S3Key: 'f.zip' } })),
      ),
      'InvalidParameterValueException',
      /^Error occurred while GetObject\. S3 Error Code: NoSuchBucket\./,
    );
  });

  it('checks that the role exists and trusts lambda.amazonaws.com', async () => {
    const message = 'The role defined for the function cannot be assumed by Lambda.';
    await rejects(
      lambda.send(new CreateFunctionCommand(params('no-role', { Role: 'arn:aws:iam::000000000000:role/nope' }))),
      'InvalidParameterValueException',
      message,
    );
    const ec2Role = await createRole(iam, 'ec2-only', [], EC2_TRUST);
    await rejects(
      lambda.send(new CreateFunctionCommand(params('wrong-trust', { Role: ec2Role }))),
      'InvalidParameterValueException',
      message,
    );
    await rejects(
      lambda.send(new CreateFunctionCommand(params('bad-arn', { Role: 'role/x' }))),
      'ValidationException',
      /at 'role' failed to satisfy constraint/,
    );
  });

  it('accepts current Node.js runtimes and refuses deprecated, non-Node and unknown ones', async () => {
    for (const runtime of ['nodejs24.x', 'nodejs26.x']) {
      const c = await lambda.send(
        new CreateFunctionCommand(params(`rt-${runtime.replace('.', '-')}`, { Runtime: runtime as 'nodejs24.x' })),
      );
      assert.equal(c.Runtime, runtime);
    }
    for (const runtime of ['nodejs20.x', 'nodejs18.x', 'nodejs16.x'])
      await rejects(
        lambda.send(new CreateFunctionCommand(params('rt-old', { Runtime: runtime as 'nodejs20.x' }))),
        'InvalidParameterValueException',
        `The runtime parameter of ${runtime} is no longer supported for creating or updating AWS Lambda ` +
          `functions. We recommend you use a supported runtime while creating or updating functions.`,
      );
    await rejects(
      lambda.send(new CreateFunctionCommand(params('rt-py', { Runtime: 'python3.12' }))),
      'InvalidParameterValueException',
      /^The runtime python3\.12 is not supported by the local AWS endpoint/,
    );
    await rejects(
      lambda.send(new CreateFunctionCommand(params('rt-x', { Runtime: 'cobol85' as 'nodejs22.x' }))),
      'InvalidParameterValueException',
      new RegExp(
        /^Value cobol85 at 'runtime' failed to satisfy constraint: Member must /.source +
          /satisfy enum value set: \[nodejs, .*nodejs24\.x.*\] or be a valid ARN$/.source,
      ),
    );
  });

  it('enforces the limits on timeout, memory, storage, architectures, names and environment', async () => {
    const cases: Array<[Partial<CreateFunctionCommandInput>, string, string | RegExp]> = [
      [
        { Timeout: 0 },
        'ValidationException',
        /Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1/,
      ],
      [{ Timeout: 901 }, 'ValidationException', /Value '901' at 'timeout'.*less than or equal to 900/],
      [{ MemorySize: 127 }, 'ValidationException', /Value '127' at 'memorySize'.*greater than or equal to 128/],
      [{ MemorySize: 10241 }, 'ValidationException', /Value '10241' at 'memorySize'.*less than or equal to 10240/],
      [{ EphemeralStorage: { Size: 511 } }, 'ValidationException', /at 'ephemeralStorage.size'/],
      [
        { Architectures: ['x86_64', 'arm64'] },
        'ValidationException',
        /at 'architectures'.*length less than or equal to 1/,
      ],
      [{ Architectures: ['sparc' as 'arm64'] }, 'ValidationException', /enum value set: \[x86_64, arm64\]/],
      [{ FunctionName: 'bad name' }, 'ValidationException', /at 'functionName' failed to satisfy constraint/],
      [{ FunctionName: 'x'.repeat(65) }, 'ValidationException', /at 'functionName'/],
      [
        { Environment: { Variables: { BIG: 'v'.repeat(4100) } } },
        'InvalidParameterValueException',
        /exceeded the 4KB limit\. String measured: \{"BIG":"vvv/,
      ],
      [
        { Environment: { Variables: { AWS_REGION: 'x' } } },
        'InvalidParameterValueException',
        /Reserved keys used in this request: AWS_REGION$/,
      ],
      [
        { Environment: { Variables: { AWS_DEFAULT_REGION: 'x', OK: '1' } } },
        'InvalidParameterValueException',
        'Lambda was unable to configure your environment variables ' +
          'because the environment variables you have provided contains ' +
          'reserved keys that are currently not supported for modification. ' +
          'Reserved keys used in this request: AWS_DEFAULT_REGION',
      ],
      [
        { Environment: { Variables: { LAMBDA_TASK_ROOT: '/x', AWS_LAMBDA_FUNCTION_NAME: 'y' } } },
        'InvalidParameterValueException',
        /Reserved keys used in this request: LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_NAME$/,
      ],
    ];
    for (const [extra, name, message] of cases)
      await rejects(lambda.send(new CreateFunctionCommand(params('limits', extra))), name, message);
    const ok = await lambda.send(
      new CreateFunctionCommand(
        params('limits', {
          Timeout: 900,
          MemorySize: 10240,
          Architectures: ['arm64'],
          EphemeralStorage: { Size: 10240 },
          Environment: { Variables: { TZ: 'Europe/Paris' } },
        }),
      ),
    );
    assert.deepEqual(
      [ok.Timeout, ok.MemorySize, ok.Architectures, ok.EphemeralStorage],
      [900, 10240, ['arm64'], { Size: 10240 }],
    );
    // TZ is not reserved (AWS lists it among the unreserved variables).
    assert.deepEqual(ok.Environment, { Variables: { TZ: 'Europe/Paris' } });
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: 'limits' });
    // UpdateFunctionConfiguration checks the same way.
    await rejects(
      lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: 'limits',
          Environment: { Variables: { AWS_DEFAULT_REGION: 'eu-west-1' } },
        }),
      ),
      'InvalidParameterValueException',
      /Reserved keys used in this request: AWS_DEFAULT_REGION$/,
    );
  });

  it('refuses packages that are not zips, too big, or would write outside the function folder', async () => {
    const unzip = 'Could not unzip uploaded file. Please check your file, then try to upload again.';
    await rejects(
      lambda.send(new CreateFunctionCommand(params('bad-zip', { Code: { ZipFile: Buffer.from('not a zip at all') } }))),
      'InvalidParameterValueException',
      unzip,
    );
    const truncated = handlerZip().subarray(0, 300);
    await rejects(
      lambda.send(new CreateFunctionCommand(params('bad-zip', { Code: { ZipFile: truncated } }))),
      'InvalidParameterValueException',
      unzip,
    );
    for (const name of ['../evil.js', 'a/../../evil.js', '/etc/evil.js'])
      await rejects(
        lambda.send(new CreateFunctionCommand(params('slip', { Code: { ZipFile: zipWithEntry(name) } }))),
        'InvalidParameterValueException',
        /^Could not unzip uploaded file\. .*outside the function's folder/,
      );
    await rejects(
      lambda.send(
        new CreateFunctionCommand(
          params('slip', { Code: { ZipFile: zipWithEntries({ 'lib/a': 'file', 'lib/a/b.js': 'under a file' }) } }),
        ),
      ),
      'InvalidParameterValueException',
      /^Could not unzip uploaded file\. .*is a file/,
    );
    await rejects(
      lambda.send(new CreateFunctionCommand(params('slip', { Code: { ZipFile: zipWithSymlink('../../../etc') } }))),
      'InvalidParameterValueException',
      /symlink "link" points outside the function's folder/,
    );
    // A symlink that stays inside is fine.
    await createActive('inner-link', { Code: { ZipFile: zipWithSymlink('index.mjs') } });
    // 50 MB zipped: stored (level 0) random-ish bytes.
    const big = Buffer.alloc(52_428_800 + 1024, 7);
    const { zipSync } = await import('fflate');
    const bigZip = Buffer.from(
      zipSync({ 'index.mjs': Buffer.from('export const h = 1;'), 'blob.bin': [big, { level: 0 }] }),
    );
    await rejects(
      lambda.send(new CreateFunctionCommand(params('too-big', { Code: { ZipFile: bigZip } }))),
      'RequestEntityTooLargeException',
      'Zipped size must be smaller than 52428800 bytes',
    );
    // A request over 70167211 bytes (a zip of ~52.7 MB as base64) is refused before it is read, by operation.
    const huge = Buffer.from(zipSync({ 'blob.bin': [Buffer.alloc(52_700_000, 3), { level: 0 }] }));
    await rejects(
      lambda.send(new CreateFunctionCommand(params('huge', { Code: { ZipFile: huge } }))),
      'RequestEntityTooLargeException',
      'Request must be smaller than 70167211 bytes for the CreateFunction operation',
    );
    await rejects(
      lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'inner-link', ZipFile: huge })),
      'RequestEntityTooLargeException',
      'Request must be smaller than 70167211 bytes for the UpdateFunctionCode operation',
    );
    // 250 MB unzipped, compressed to little.
    const bomb = zeroBombZip(262_144_001);
    await rejects(
      lambda.send(new CreateFunctionCommand(params('unzipped-big', { Code: { ZipFile: bomb } }))),
      'InvalidParameterValueException',
      'Unzipped size must be smaller than 262144000 bytes',
    );
    await rejects(lambda.send(new GetFunctionCommand({ FunctionName: 'slip' })), 'ResourceNotFoundException');
    // Nothing of the refused packages is kept.
    for (const refused of [bigZip, bomb, zipWithEntry('../evil.js')]) {
      const hex = createHash('sha256').update(refused).digest('hex');
      assert.equal(fs.existsSync(path.join(server.dataDir, 'lambda', 'zips', `${hex}.zip`)), false);
    }
    // From S3 the 50 MB zipped limit does not apply, only the 250 MB unzipped one.
    const s3 = new S3Client(server.clientConfig());
    await s3.send(new CreateBucketCommand({ Bucket: 'big-code' }));
    await s3.send(new PutObjectCommand({ Bucket: 'big-code', Key: 'big.zip', Body: bigZip }));
    await s3.send(new PutObjectCommand({ Bucket: 'big-code', Key: 'bomb.zip', Body: bomb }));
    const fromS3 = await lambda.send(
      new CreateFunctionCommand(params('big-from-s3', { Code: { S3Bucket: 'big-code', S3Key: 'big.zip' } })),
    );
    assert.equal(fromS3.CodeSize, bigZip.length);
    await rejects(
      lambda.send(
        new CreateFunctionCommand(params('bomb-from-s3', { Code: { S3Bucket: 'big-code', S3Key: 'bomb.zip' } })),
      ),
      'InvalidParameterValueException',
      'Unzipped size must be smaller than 262144000 bytes',
    );
  });
});

describe('updates and deletion', () => {
  it('updates code and configuration through InProgress to Successful, with new revisions', async () => {
    const created = await createActive('upd');
    const before = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'upd' }));
    const newZip = handlerZip({ 'extra.txt': 'v2' });
    const code = await lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'upd', ZipFile: newZip, RevisionId: before.RevisionId }),
    );
    assert.equal(code.State, 'Active');
    assert.equal(code.LastUpdateStatus, 'InProgress');
    assert.equal(code.LastUpdateStatusReasonCode, 'Creating');
    assert.equal(code.CodeSha256, createHash('sha256').update(newZip).digest('base64'));
    assert.notEqual(code.CodeSha256, created.CodeSha256);
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: 'upd' });

    const cfg = await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'upd',
        Timeout: 10,
        MemorySize: 256,
        Description: 'second',
        Environment: { Variables: { GREETING: 'hello' } },
        Handler: 'index.boom',
      }),
    );
    assert.equal(cfg.LastUpdateStatus, 'InProgress');
    assert.deepEqual([cfg.Timeout, cfg.MemorySize, cfg.Description, cfg.Handler], [10, 256, 'second', 'index.boom']);
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: 'upd' });
    const after = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'upd' }));
    assert.equal(after.LastUpdateStatus, 'Successful');
    assert.deepEqual(after.Environment, { Variables: { GREETING: 'hello' } });
    await rejects(
      lambda.send(
        new UpdateFunctionCodeCommand({ FunctionName: 'upd', ZipFile: newZip, RevisionId: before.RevisionId }),
      ),
      'PreconditionFailedException',
      /^The Revision Id provided does not match the latest Revision Id\./,
    );
    await rejects(
      lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'upd', Runtime: 'nodejs20.x' })),
      'InvalidParameterValueException',
      /^The runtime parameter of nodejs20\.x is no longer supported/,
    );
    // New code from the local S3.
    const s3 = new S3Client(server.clientConfig());
    await s3.send(new CreateBucketCommand({ Bucket: 'upd-code' }));
    const s3Zip = handlerZip({ 'extra.txt': 'v3 from s3' });
    await s3.send(new PutObjectCommand({ Bucket: 'upd-code', Key: 'v3.zip', Body: s3Zip }));
    const fromS3 = await lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'upd', S3Bucket: 'upd-code', S3Key: 'v3.zip' }),
    );
    assert.equal(fromS3.CodeSha256, createHash('sha256').update(s3Zip).digest('base64'));
    assert.equal(fromS3.CodeSize, s3Zip.length);
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: 'upd' });
    const got = await lambda.send(new GetFunctionCommand({ FunctionName: 'upd' }));
    assert.equal(got.Configuration?.CodeSha256, fromS3.CodeSha256);
    const download = Buffer.from(await (await fetch(got.Code!.Location!)).arrayBuffer());
    assert.ok(download.equals(s3Zip));
    await rejects(
      lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'upd', S3Bucket: 'upd-code', S3Key: 'missing.zip' })),
      'InvalidParameterValueException',
      'Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.',
    );
  });

  it('deletes a function, its policy and tags with it', async () => {
    const first = await createActive('del', { Tags: { team: 'x' } });
    await lambda.send(new TagResourceCommand({ Resource: first.FunctionArn, Tags: { more: 'y' } }));
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: 'del',
        StatementId: 's3',
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
      }),
    );
    assert.ok((await lambda.send(new GetPolicyCommand({ FunctionName: 'del' }))).Policy);
    const del = await lambda.send(new DeleteFunctionCommand({ FunctionName: 'del' }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    await rejects(lambda.send(new GetFunctionCommand({ FunctionName: 'del' })), 'ResourceNotFoundException');
    await rejects(lambda.send(new DeleteFunctionCommand({ FunctionName: 'del' })), 'ResourceNotFoundException');
    // A new function of the same name starts without the old one's policy and tags.
    const again = await createActive('del');
    assert.equal(again.FunctionArn, first.FunctionArn);
    await rejects(
      lambda.send(new GetPolicyCommand({ FunctionName: 'del' })),
      'ResourceNotFoundException',
      'The resource you requested does not exist.',
    );
    assert.deepEqual((await lambda.send(new ListTagsCommand({ Resource: again.FunctionArn }))).Tags ?? {}, {});
  });
});

describe('listing, tags and account settings', () => {
  it('lists page by page without state fields', async () => {
    for (const n of ['list-a', 'list-b', 'list-c']) await lambda.send(new CreateFunctionCommand(params(n)));
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await lambda.send(new ListFunctionsCommand({ MaxItems: 2, Marker: marker }));
      assert.ok(page.Functions!.length <= 2);
      for (const f of page.Functions!) {
        names.push(f.FunctionName!);
        assert.equal(f.State, undefined);
        assert.equal(f.LastUpdateStatus, undefined);
      }
      marker = page.NextMarker;
    } while (marker);
    for (const n of ['list-a', 'list-b', 'list-c']) assert.ok(names.includes(n));
    assert.deepEqual(names, [...names].sort());
    assert.equal(new Set(names).size, names.length);
  });

  it('tags, lists and untags by ARN', async () => {
    const fn = await createActive('tagged', { Tags: { a: '1' } });
    await lambda.send(new TagResourceCommand({ Resource: fn.FunctionArn, Tags: { b: '2', c: '3' } }));
    await lambda.send(new UntagResourceCommand({ Resource: fn.FunctionArn, TagKeys: ['a', 'c'] }));
    assert.deepEqual((await lambda.send(new ListTagsCommand({ Resource: fn.FunctionArn }))).Tags, { b: '2' });
    await rejects(
      lambda.send(new ListTagsCommand({ Resource: 'arn:aws:lambda:us-east-1:000000000000:function:nope' })),
      'ResourceNotFoundException',
    );
  });

  it('reports account settings, recursion settings, and NotImplemented for versions', async () => {
    const s = await lambda.send(new GetAccountSettingsCommand({}));
    assert.equal(s.AccountLimit!.CodeSizeZipped, 52428800);
    assert.equal(s.AccountLimit!.CodeSizeUnzipped, 262144000);
    assert.ok(s.AccountUsage!.FunctionCount! >= 1);
    await createActive('recur');
    assert.equal(
      (await lambda.send(new GetFunctionRecursionConfigCommand({ FunctionName: 'recur' }))).RecursiveLoop,
      'Terminate',
    );
    await lambda.send(new PutFunctionRecursionConfigCommand({ FunctionName: 'recur', RecursiveLoop: 'Allow' }));
    assert.equal(
      (await lambda.send(new GetFunctionRecursionConfigCommand({ FunctionName: 'recur' }))).RecursiveLoop,
      'Allow',
    );
    await rejects(
      lambda.send(new PublishVersionCommand({ FunctionName: 'recur' })),
      'NotImplemented',
      /PublishVersion/,
    );
  });
});

describe('conflicts while Pending and InProgress', () => {
  let slow: TestServer;
  let client: LambdaClient;
  before(async () => {
    slow = await startTestServer({ lambdaTransitionMs: 1500 });
    client = new LambdaClient(slow.clientConfig());
    await createRole(new IAMClient(slow.clientConfig()), 'slow-role');
  });
  after(async () => {
    await slow.stopAndRemove();
  });

  it('refuses invoke and updates while Pending, updates while InProgress', async () => {
    const slowRole = 'arn:aws:iam::000000000000:role/slow-role';
    await client.send(new CreateFunctionCommand(params('busy', { Role: slowRole })));
    const { InvokeCommand } = await import('@aws-sdk/client-lambda');
    const pending =
      'The operation cannot be performed at this time. The function is currently in the following state: Pending';
    await rejects(client.send(new InvokeCommand({ FunctionName: 'busy' })), 'ResourceConflictException', pending);
    await rejects(
      client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'busy', Timeout: 5 })),
      'ResourceConflictException',
      pending,
    );
    await waitUntilFunctionActiveV2({ client, maxWaitTime: 30 }, { FunctionName: 'busy' });
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'busy', Timeout: 5 }));
    const inProgress =
      'The operation cannot be performed at this time. An update is in progress ' +
      'for resource: arn:aws:lambda:us-east-1:000000000000:function:busy';
    await rejects(
      client.send(new UpdateFunctionCodeCommand({ FunctionName: 'busy', ZipFile: handlerZip() })),
      'ResourceConflictException',
      inProgress,
    );
    // Invocations go on during an update, with the previous configuration.
    const r = await client.send(new InvokeCommand({ FunctionName: 'busy' }));
    assert.equal(r.StatusCode, 200);
    await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 30 }, { FunctionName: 'busy' });
    assert.equal((await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'busy' }))).Timeout, 5);
  });
});

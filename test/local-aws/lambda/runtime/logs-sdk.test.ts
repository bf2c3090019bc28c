// What a function can reach: its logs land in CloudWatch Logs (when its role may write them), and
// the AWS SDK v3 is importable without shipping it, signing with the role's session credentials.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { tempDir } from '../../../support/local-aws.ts';
import { LAMBDA_TRUST } from '../../../support/lambda-kit.ts';
import { harness, json, type Harness } from '../../../support/lambda-runtime.ts';

let h: Harness;
let logs: CloudWatchLogsClient;
before(async () => {
  h = await harness();
  logs = new CloudWatchLogsClient(h.server.clientConfig());
});
after(async () => {
  await h.close();
});

async function streamMessages(group: string, stream: string): Promise<string[]> {
  const out = await logs.send(
    new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }),
  );
  return (out.events ?? []).map((e) => e.message ?? '');
}

describe('function logs', () => {
  it('writes init output, START, the function lines, END and REPORT to the environment stream', async () => {
    const spec = h.fn({
      'index.mjs': `console.log('module loaded');
        export const handler = async (event) => { console.log('handling', event.n); return event.n; };`,
    });
    const first = await h.invoke(spec, { n: 1 });
    const second = await h.invoke(spec, { n: 2 });
    assert.equal(first.logStreamName, second.logStreamName, 'one stream per environment');
    // Read right after invoke() resolved: the lines are already stored.
    const messages = await streamMessages(spec.logGroup, first.logStreamName);
    assert.match(
      messages[0]!,
      new RegExp(
        /^INIT_START Runtime Version: nodejs:\d+\.v\d+\tRuntime /.source +
          /Version ARN: arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}$/.source,
      ),
    );
    assert.match(messages[1]!, /^\S+Z\tundefined\tINFO\tmodule loaded$/);
    const expectInvocation = (offset: number, id: string, n: number, cold: boolean) => {
      assert.equal(messages[offset], `START RequestId: ${id} Version: $LATEST`);
      assert.match(messages[offset + 1]!, new RegExp(`^\\S+Z\\t${id}\\tINFO\\thandling ${n}$`));
      assert.equal(messages[offset + 2], `END RequestId: ${id}`);
      assert.match(
        messages[offset + 3]!,
        new RegExp(
          `^REPORT RequestId: ${id}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory ` +
            `Size: 128 MB\\tMax Memory Used: \\d+ MB\\t${cold ? 'Init Duration: [\\d.]+ ms\\t' : ''}$`,
        ),
      );
    };
    expectInvocation(2, first.requestId, 1, true);
    expectInvocation(6, second.requestId, 2, false);
    assert.equal(messages.length, 10);
    // InvokeResult.logLines are the same invocation lines (for X-Amz-Log-Result).
    assert.deepEqual(second.logLines, messages.slice(6, 10));
    const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: spec.logGroup }));
    assert.deepEqual(
      streams.logStreams?.map((s) => s.logStreamName),
      [first.logStreamName],
    );
  });

  it('writes nothing when the role may not write logs, and the invocation still works', async () => {
    const roleArn = await h.createRole('no-logs', { logs: false });
    const spec = h.fn(
      { 'index.mjs': `export const handler = async () => { console.log('unseen'); return 'ran'; };` },
      { roleArn },
    );
    const r = await h.invoke(spec);
    assert.equal(json<string>(r), 'ran');
    assert.ok(r.logLines.length >= 4, 'the caller still gets the lines');
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: spec.logGroup }));
    assert.deepEqual(groups.logGroups, []);
  });

  it('needs logs:CreateLogGroup only when the group does not exist yet', async () => {
    await h.iam.send(new CreateRoleCommand({ RoleName: 'stream-only', AssumeRolePolicyDocument: LAMBDA_TRUST }));
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }],
    };
    await h.iam.send(
      new PutRolePolicyCommand({ RoleName: 'stream-only', PolicyName: 'p', PolicyDocument: JSON.stringify(policy) }),
    );
    const roleArn = `arn:aws:iam::000000000000:role/stream-only`;
    const missing = h.fn({ 'index.mjs': `export const handler = async () => 1;` }, { roleArn });
    await h.invoke(missing);
    await assert.rejects(streamMessages(missing.logGroup, 'x'), { name: 'ResourceNotFoundException' });
    const existing = h.fn({ 'index.mjs': `export const handler = async () => 1;` }, { roleArn });
    await logs.send(new CreateLogGroupCommand({ logGroupName: existing.logGroup }));
    const r = await h.invoke(existing);
    const messages = await streamMessages(existing.logGroup, r.logStreamName);
    assert.equal(messages.at(-1), r.logLines.at(-1));
  });
});

describe('the AWS SDK inside a function', () => {
  const expectedArn = (fn: string) => `arn:aws:sts::000000000000:assumed-role/lambda-default/${fn}`;

  it('is importable from an ES module handler and signs with the role session against the local endpoint', async () => {
    const spec = h.fn({
      'index.mjs': `import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
        const sts = new STSClient({});
        export const handler = async () => (await sts.send(new GetCallerIdentityCommand({}))).Arn;`,
    });
    const r = await h.invoke(spec);
    assert.equal(r.functionError, undefined, r.payload.toString());
    assert.equal(json<string>(r), expectedArn(spec.functionName));
  });

  it('lists buckets and writes objects through S3 with the role (path-style by itself, endpoint by IP)', async () => {
    await h.iam.send(new CreateRoleCommand({ RoleName: 's3-user', AssumeRolePolicyDocument: LAMBDA_TRUST }));
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:ListAllMyBuckets', 's3:PutObject'], Resource: '*' }],
    };
    await h.iam.send(
      new PutRolePolicyCommand({ RoleName: 's3-user', PolicyName: 's3', PolicyDocument: JSON.stringify(policy) }),
    );
    const s3 = new S3Client(h.server.clientConfig());
    await s3.send(new CreateBucketCommand({ Bucket: 'engine-sdk-test' }));
    const spec = h.fn(
      {
        'index.mjs':
          `import { S3Client, ListBucketsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
          const s3 = new S3Client({});
          export const handler = async () => {
            const { Buckets } = await s3.send(new ListBucketsCommand({}));
            await s3.send(new PutObjectCommand({ Bucket: 'engine-sdk-test', ` +
          `Key: 'from lambda.txt', Body: 'hello from the function' }));
            return Buckets.map((b) => b.Name);
          };`,
      },
      { roleArn: 'arn:aws:iam::000000000000:role/s3-user' },
    );
    const r = await h.invoke(spec);
    assert.equal(r.functionError, undefined, r.payload.toString());
    assert.ok(json<string[]>(r).includes('engine-sdk-test'));
    const obj = await s3.send(new GetObjectCommand({ Bucket: 'engine-sdk-test', Key: 'from lambda.txt' }));
    assert.equal(await obj.Body!.transformToString(), 'hello from the function');
  });

  it('is importable with require() from a CommonJS handler', async () => {
    const spec = h.fn({
      'index.js': `const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');
        exports.handler = async () => (await new STSClient({}).send(new GetCallerIdentityCommand({}))).Arn;`,
    });
    const r = await h.invoke(spec);
    assert.equal(r.functionError, undefined, r.payload.toString());
    assert.equal(json<string>(r), expectedArn(spec.functionName));
  });

  it('prefers a copy shipped in the function code', async () => {
    const fake = {
      'node_modules/@aws-sdk/client-sts/package.json': '{"name":"@aws-sdk/client-sts","main":"index.js"}',
      'node_modules/@aws-sdk/client-sts/index.js': `exports.STSClient = class { shipped = true };`,
    };
    const esm = h.fn({
      ...fake,
      'index.mjs':
        `import { STSClient } from '@aws-sdk/client-sts'; ` +
        `export const handler = async () => new STSClient().shipped;`,
    });
    assert.equal(json<boolean>(await h.invoke(esm)), true);
    const cjs = h.fn({
      ...fake,
      'index.js':
        `const { STSClient } = require('@aws-sdk/client-sts'); ` +
        `exports.handler = async () => new STSClient().shipped;`,
    });
    assert.equal(json<boolean>(await h.invoke(cjs)), true);
  });

  it('hides packages of folders above the code, as only the zip and the SDK exist on Lambda', async () => {
    // The unpacked code may live below a project with its own node_modules (the default data folder).
    const outer = tempDir('lambda-outer-');
    fs.mkdirSync(path.join(outer, 'node_modules', 'leaky'), { recursive: true });
    fs.writeFileSync(path.join(outer, 'node_modules', 'leaky', 'package.json'), '{"name":"leaky","main":"index.js"}');
    fs.writeFileSync(path.join(outer, 'node_modules', 'leaky', 'index.js'), 'module.exports = "leaked";');
    try {
      const esm = h.fn(
        { 'index.mjs': `import leaky from 'leaky'; export const handler = async () => leaky;` },
        { codeDir: path.join(outer, 'esm') },
      );
      const esmResult = json<{ errorType: string; errorMessage: string }>(await h.invoke(esm));
      assert.equal(esmResult.errorType, 'Runtime.ImportModuleError');
      assert.match(esmResult.errorMessage, /Cannot find package 'leaky'/);
      const cjs = h.fn(
        { 'index.js': `exports.handler = async () => require('leaky');` },
        { codeDir: path.join(outer, 'cjs') },
      );
      const cjsResult = await h.invoke(cjs);
      assert.equal(cjsResult.errorType, 'Error');
      assert.match(json<{ errorMessage: string }>(cjsResult).errorMessage, /Cannot find module 'leaky'/);
      // The SDK is still there for code below such a folder.
      const sdk = h.fn(
        {
          'index.mjs':
            `import { STSClient } from '@aws-sdk/client-sts'; ` +
            `export const handler = async () => typeof STSClient;`,
        },
        { codeDir: path.join(outer, 'sdk') },
      );
      assert.equal(json<string>(await h.invoke(sdk)), 'function');
    } finally {
      fs.rmSync(outer, { recursive: true, force: true });
    }
  });
});

// Changing a set-up walkthrough: a re-run updates only what differs; step 6 merges into the bucket's
// notifications and teardown takes out only its own entry; teardown --dry-run and --keep-buckets keep
// what they say; resources of the suite's names that it did not create are refused, untouched; and
// the failures a user meets (an endpoint that does not answer, a role Lambda cannot assume, a
// function that does not become Active) print what to do, without a stack trace.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  GetRoleCommand,
  IAMClient,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { CloudWatchLogsClient, DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetBucketNotificationConfigurationCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, SetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { explain, UserError } from '../../walkthrough/lib/errors.ts';
import { waiterError } from '../../walkthrough/lib/actions/lambda.ts';
import { freePort, startTestServer, tempDir, type TestServer } from '../support/local-aws.ts';
import { endpointEnv, reported, runScript, scriptEnv } from '../support/walkthrough.ts';

let server: TestServer;
let env: NodeJS.ProcessEnv;
let cwd: string;
const SOURCE = 's3-thumbnail-src-000000000000-us-east-1';
const DEST = `${SOURCE}-resized`;
const ROLE = 'CreateThumbnail-us-east-1-role';

before(async () => {
  server = await startTestServer();
  env = scriptEnv(endpointEnv(server.url));
  cwd = tempDir('changes-');
});
after(async () => {
  await server.stopAndRemove();
  fs.rmSync(cwd, { recursive: true, force: true });
});

const clients = () => {
  const c = server.clientConfig();
  return { s3: new S3Client(c), iam: new IAMClient(c), lambda: new LambdaClient(c), sns: new SNSClient(c) };
};

const noStack = (text: string) => assert.doesNotMatch(text, /\n\s+at /);

describe('changing a set-up walkthrough', () => {
  it('updates only the field that differs, and nothing when nothing does', async () => {
    const setup = await runScript('all.ts', ['--until', 'function'], { cwd, env });
    assert.equal(setup.code, 0, setup.stderr + setup.stdout);
    const memory = await runScript('40-function.ts', ['--memory', '512'], { cwd, env });
    assert.equal(memory.code, 0, memory.stderr + memory.stdout);
    assert.deepEqual(
      reported(memory.stdout, 'changed').map((l) => l.trim()),
      ['~ changed configuration of CreateThumbnail: memory (1024 -> 512 MB)'],
    );
    assert.ok(
      reported(memory.stdout, 'same').some((l) => l.includes('code of CreateThumbnail')),
      memory.stdout,
    );
    assert.equal(
      (await clients().lambda.send(new GetFunctionCommand({ FunctionName: 'CreateThumbnail' }))).Configuration
        ?.MemorySize,
      512,
    );
    const again = await runScript('40-function.ts', ['--memory', '512'], { cwd, env });
    assert.equal(again.code, 0, again.stderr + again.stdout);
    assert.deepEqual(reported(again.stdout, 'changed'), []);
    assert.deepEqual(reported(again.stdout, 'created'), []);
    assert.ok(
      reported(again.stdout, 'same').some((l) => l.includes('configuration of CreateThumbnail')),
      again.stdout,
    );
    assert.ok(
      reported(again.stdout, 'same').some((l) => l.includes('code of CreateThumbnail')),
      again.stdout,
    );
  });

  it('says what to do when Lambda still cannot assume the role at the deadline', async () => {
    const { iam } = clients();
    const ec2Only = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: ROLE, PolicyDocument: ec2Only }));
    // Another function (its own folder, so the walkthrough's state is not touched), with the suite's role.
    const other = tempDir('unassumable-');
    assert.equal((await runScript('30-package.ts', [], { cwd: other, env })).code, 0);
    const r = await runScript('40-function.ts', ['--function-name', 'Unassumable', '--role-name', ROLE], {
      cwd: other,
      env: { ...env, WALKTHROUGH_ASSUME_DEADLINE_MS: '1500' },
    });
    await new CloudWatchLogsClient(server.clientConfig()).send(
      new DeleteLogGroupCommand({ logGroupName: '/aws/lambda/Unassumable' }),
    );
    fs.rmSync(other, { recursive: true, force: true });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        /Lambda still says the role arn:aws:iam::000000000000:role\/CreateThumbnail-us-east-1-role /.source +
          /cannot be assumed, after retrying for 1\.5 s/.source,
      ),
    );
    assert.match(
      r.stderr,
      /trust policy lets lambda\.amazonaws\.com assume it: step 2 repairs both \(npx tsx walkthrough\/10-role\.ts\)/,
    );
    noStack(r.stderr);
    // Step 2 puts the trust policy back.
    const fixed = await runScript('10-role.ts', [], { cwd, env });
    assert.ok(
      reported(fixed.stdout, 'changed').some((l) => l.includes('trust policy')),
      fixed.stdout,
    );
  });

  it('merges its notification with a foreign one, and teardown leaves the foreign one', async () => {
    const { s3, sns } = clients();
    // Someone else's notification: a topic for objects under other/.
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'someone-elses-topic' }))).TopicArn!;
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'SNS:Publish', Resource: topicArn },
      ],
    };
    await sns.send(
      new SetTopicAttributesCommand({
        TopicArn: topicArn,
        AttributeName: 'Policy',
        AttributeValue: JSON.stringify(policy),
      }),
    );
    const foreign = {
      Id: 'someone-elses',
      TopicArn: topicArn,
      Events: ['s3:ObjectCreated:Put' as const],
      Filter: { Key: { FilterRules: [{ Name: 'prefix' as const, Value: 'other/' }] } },
    };
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: SOURCE,
        NotificationConfiguration: { TopicConfigurations: [foreign] },
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: SOURCE, Key: 'keep/notes.txt', Body: 'kept with the bucket' }));

    const trigger = await runScript('50-trigger.ts', [], { cwd, env });
    assert.equal(trigger.code, 0, trigger.stderr + trigger.stdout);
    const both = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: SOURCE }));
    assert.deepEqual(
      both.TopicConfigurations?.map((t) => t.Id),
      ['someone-elses'],
    );
    assert.equal(both.TopicConfigurations?.[0]?.Filter?.Key?.FilterRules?.[0]?.Value, 'other/');
    assert.deepEqual(
      both.LambdaFunctionConfigurations?.map((l) => l.Id),
      ['CreateThumbnail-thumbnails'],
    );
  });

  it('teardown --dry-run removes nothing', async () => {
    const stateFile = path.join(
      cwd,
      '.walkthrough',
      'state-endpoint-' + new URL(server.url).host.replace(/[^A-Za-z0-9.-]/g, '_') + '-000000000000-us-east-1.json',
    );
    const before = fs.readFileSync(stateFile, 'utf8');
    const r = await runScript('90-teardown.ts', ['--dry-run'], { cwd, env });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(
      reported(r.stdout, 'would').some((l) => l.includes('delete function CreateThumbnail')),
      r.stdout,
    );
    assert.deepEqual(reported(r.stdout, 'removed'), []);
    const { s3, iam, lambda } = clients();
    await lambda.send(new GetFunctionCommand({ FunctionName: 'CreateThumbnail' }));
    await iam.send(new GetRoleCommand({ RoleName: ROLE }));
    await s3.send(new HeadBucketCommand({ Bucket: SOURCE }));
    await s3.send(new HeadBucketCommand({ Bucket: DEST }));
    assert.equal(
      (await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: SOURCE }))).LambdaFunctionConfigurations
        ?.length,
      1,
    );
    assert.equal(fs.readFileSync(stateFile, 'utf8'), before, 'the state file is untouched');
  });

  it('teardown --keep-buckets keeps the buckets and their contents, and the foreign notification', async () => {
    const r = await runScript('90-teardown.ts', ['--keep-buckets'], { cwd, env });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(
      reported(r.stdout, 'removed').some((l) => l.includes('function CreateThumbnail')),
      r.stdout,
    );
    assert.ok(
      reported(r.stdout, 'kept').some((l) => l.includes(`bucket ${SOURCE} and its contents (--keep-buckets)`)),
      r.stdout,
    );
    const { s3, lambda } = clients();
    await assert.rejects(lambda.send(new GetFunctionCommand({ FunctionName: 'CreateThumbnail' })), {
      name: 'ResourceNotFoundException',
    });
    assert.deepEqual(((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name).sort(), [
      SOURCE,
      DEST,
    ]);
    await s3.send(new HeadObjectCommand({ Bucket: SOURCE, Key: 'keep/notes.txt' }));
    const left = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: SOURCE }));
    assert.deepEqual(
      left.TopicConfigurations?.map((t) => t.Id),
      ['someone-elses'],
    );
    assert.deepEqual(left.LambdaFunctionConfigurations ?? [], []);
    // A teardown without the flag then removes the buckets too.
    const rest = await runScript('90-teardown.ts', [], { cwd, env });
    assert.equal(rest.code, 0, rest.stderr + rest.stdout);
    assert.deepEqual((await s3.send(new ListBucketsCommand({}))).Buckets ?? [], []);
  });
});

describe("resources of the suite's names that it did not create", () => {
  it('a role it did not create is refused and left untouched', async () => {
    const { iam } = clients();
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'Someone-elses-role',
        AssumeRolePolicyDocument: trust,
        Tags: [{ Key: 'owner', Value: 'someone' }],
      }),
    );
    const r = await runScript('10-role.ts', ['--role-name', 'Someone-elses-role'], {
      cwd: tempDir('foreign-role-'),
      env,
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        /A role named Someone-elses-role already exists and was /.source +
          /not created by this walkthrough; it will not be changed\./.source,
      ),
    );
    assert.match(r.stderr, /Set ROLE_NAME \(or --role-name\) to another name/);
    noStack(r.stderr);
    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: 'Someone-elses-role' }))).PolicyNames, []);
    assert.deepEqual((await iam.send(new ListRoleTagsCommand({ RoleName: 'Someone-elses-role' }))).Tags, [
      { Key: 'owner', Value: 'someone' },
    ]);
    // Teardown with the same name keeps it.
    const down = await runScript('90-teardown.ts', ['--role-name', 'Someone-elses-role'], {
      cwd: tempDir('foreign-role-'),
      env,
    });
    assert.equal(down.code, 0, down.stderr + down.stdout);
    assert.ok(
      reported(down.stdout, 'kept').some((l) =>
        l.includes('role Someone-elses-role (not created by this walkthrough)'),
      ),
      down.stdout,
    );
    await iam.send(new DeleteRoleCommand({ RoleName: 'Someone-elses-role' }));
  });
});

describe('failures a user meets', () => {
  it('an endpoint that does not answer: which one, what to do, no stack trace', async () => {
    const port = await freePort();
    const r = await runScript('10-role.ts', [], {
      cwd: tempDir('closed-'),
      env: { ...env, AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` },
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `The endpoint http://127\\.0\\.0\\.1:${port} \\(AWS_ENDPOINT_URL\\) ` +
          `does not answer \\(ECONNREFUSED: nothing is listening there\\)`,
      ),
    );
    assert.match(r.stderr, /fix AWS_ENDPOINT_URL \(or --endpoint-url\)/);
    noStack(r.stderr);
  });

  it('a waiter that times out or sees the function fail gives the state reason and where to look', () => {
    const target = { cliTarget: { region: 'eu-west-1' } };
    const failed = new Error(
      JSON.stringify({
        state: 'FAILURE',
        reason: {
          Configuration: {
            State: 'Failed',
            StateReason: 'The role cannot be assumed',
            StateReasonCode: 'InvalidConfiguration',
            LastUpdateStatus: 'Failed',
          },
        },
      }),
    );
    const e = waiterError(target, failed, 'CreateThumbnail', 'become Active', 300);
    assert.ok(e instanceof UserError);
    assert.equal(
      e.message,
      'Function CreateThumbnail did not become Active: state Failed, last ' +
        'update Failed: The role cannot be assumed (InvalidConfiguration).',
    );
    assert.match(e.hint ?? '', /aws logs tail \/aws\/lambda\/CreateThumbnail --since 15m --region eu-west-1/);
    assert.match(
      e.hint ?? '',
      /aws lambda get-function-configuration --function-name CreateThumbnail --region eu-west-1/,
    );
    const timeout = Object.assign(
      new Error(JSON.stringify({ state: 'TIMEOUT', reason: 'Waiter has timed out', observedResponses: {} })),
      { name: 'TimeoutError' },
    );
    const t = waiterError(target, timeout, 'CreateThumbnail', 'finish its update', 300);
    assert.ok(t instanceof UserError);
    assert.match(t.message, /^Gave up after 300 s waiting for function CreateThumbnail to finish its update/);
    const other = new Error('something else');
    assert.equal(waiterError(target, other, 'CreateThumbnail', 'become Active', 300), other);
  });

  it('ResourceConflictException after the retries says to wait for the update and re-run', () => {
    const conflict = Object.assign(
      new Error(
        'The operation cannot be performed at this time. An update is in progress for ' +
          'resource: arn:aws:lambda:us-east-1:000000000000:function:CreateThumbnail',
      ),
      { name: 'ResourceConflictException' },
    );
    const { message, hint } = explain(conflict);
    assert.match(
      message,
      new RegExp(
        /another change to the function is still in progress, even after /.source +
          /retrying \(ResourceConflictException: The operation cannot be performed/.source,
      ),
    );
    assert.match(hint ?? '', /aws lambda wait function-updated-v2/);
  });
});

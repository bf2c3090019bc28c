// The walkthrough's TRIGGER=sns variant as a user runs it against an endpoint: bucket -> topic ->
// function set up by `all.ts --trigger sns` (the real resize handler makes the thumbnail through the
// topic), the publish step (and its printed `aws sns publish`, run verbatim) triggering the function
// without naming it, switching TRIGGER back and forth leaving exactly one notification entry, and
// teardown removing the topic it created but only its own additions to a topic it did not create.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GetPolicyCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import {
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTagsForResourceCommand,
  ListTopicsCommand,
  SetTopicAttributesCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { loadConfig } from '../../local-aws/config.ts';
import { deliveryLogWhere } from '../../walkthrough/lib/topic-publish.ts';
import { eventually } from '../support/lambda-kit.ts';
import { needsAwsCli, startTestServer, tempDir, type TestServer } from '../support/local-aws.ts';
import { endpointEnv, reported, runAsPrinted, runScript, scriptEnv } from '../support/walkthrough.ts';

const ACCOUNT = '000000000000';
const SRC = `s3-thumbnail-src-${ACCOUNT}-us-east-1`;
const DEST = `${SRC}-resized`;
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:CreateThumbnail-uploads`;
const FUNCTION = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:CreateThumbnail`;

let server: TestServer;
let env: NodeJS.ProcessEnv;
/** What 70-publish.ts printed, for the aws-cli test after it. */
let printedPublish: { command: string; thumbKey: string } | undefined;
let cwd: string;
let s3: S3Client;
let sns: SNSClient;
let lambda: LambdaClient;

before(async () => {
  server = await startTestServer({ lambdaRetryDelaysMs: [50, 50] });
  env = scriptEnv(endpointEnv(server.url));
  cwd = tempDir('sns-walkthrough-');
  s3 = new S3Client(server.clientConfig());
  sns = new SNSClient(server.clientConfig());
  lambda = new LambdaClient(server.clientConfig());
});
after(async () => {
  await server.stopAndRemove();
  fs.rmSync(cwd, { recursive: true, force: true });
});

async function run(script: string, args: string[] = [], extra: NodeJS.ProcessEnv = {}) {
  const r = await runScript(script, args, { cwd, env: { ...env, ...extra } });
  assert.equal(r.code, 0, `${script} ${args.join(' ')}:\n${r.stderr}${r.stdout}`);
  return r;
}

const notification = () => s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: SRC }));
const policyStatements = async (TopicArn: string) =>
  JSON.parse((await sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!.Policy!).Statement as Array<{
    Sid?: string;
    Principal?: unknown;
    Condition?: unknown;
  }>;
const thumbnailExists = (Key: string) =>
  s3.send(new HeadObjectCommand({ Bucket: DEST, Key })).then(
    () => true,
    () => undefined,
  );

describe('TRIGGER=sns', () => {
  it('--dry-run --trigger sns on a fresh account says what it would do and changes nothing', async () => {
    const r = await run('all.ts', ['--trigger', 'sns', '--dry-run']);
    const would = reported(r.stdout, 'would').join('\n');
    for (const what of [
      /would +create topic CreateThumbnail-uploads/,
      /would +let s3\.amazonaws\.com publish to CreateThumbnail-uploads for arn:aws:s3:::s3-thumbnail-src-\S+ only/,
      new RegExp(
        /would +allow sns\.amazonaws\.com to invoke CreateThumbnail for /.source +
          /arn:aws:sns:us-east-1:000000000000:CreateThumbnail-uploads/.source,
      ),
      /would +subscribe CreateThumbnail to CreateThumbnail-uploads/,
      /would +notify topic CreateThumbnail-uploads of s3:ObjectCreated:\* on s3-thumbnail-src-/,
    ])
      assert.match(would, what);
    assert.match(r.stdout, /This was a dry run: nothing was changed/);
    assert.equal(
      reported(r.stdout, 'created').length +
        reported(r.stdout, 'changed').length +
        reported(r.stdout, 'removed').length,
      0,
      r.stdout,
    );
    // Nothing on the endpoint, nothing on disk.
    assert.deepEqual((await sns.send(new ListTopicsCommand({}))).Topics ?? [], []);
    assert.deepEqual((await s3.send(new ListBucketsCommand({}))).Buckets ?? [], []);
    assert.deepEqual((await lambda.send(new ListFunctionsCommand({}))).Functions ?? [], []);
    assert.deepEqual(fs.readdirSync(cwd), []);
  });

  it(
    'all.ts --trigger sns: bucket -> topic -> function, ' + 'and the upload gets its thumbnail through the topic',
    async () => {
      const r = await run('all.ts', ['--trigger', 'sns']);
      const created = reported(r.stdout, 'created').join('\n');
      assert.match(created, /topic CreateThumbnail-uploads \(tagged created-by=s3-thumbnail-walkthrough\)/);
      assert.match(
        created,
        new RegExp(
          /topic policy s3-publish-.*: s3\.amazonaws\.com may publish to /.source +
            /CreateThumbnail-uploads for arn:aws:s3:::s3-thumbnail-src-/.source,
        ),
      );
      assert.match(
        created,
        /permission sns-invoke-CreateThumbnail-uploads: sns\.amazonaws\.com may invoke CreateThumbnail/,
      );
      assert.match(created, /subscription: CreateThumbnail receives what CreateThumbnail-uploads publishes/);
      assert.match(created, /notification CreateThumbnail-thumbnails-sns: .* -> topic CreateThumbnail-uploads/);
      assert.match(r.stdout, /\(b\) upload: .* is a 200x\d+ jpeg/);
      // What it made, as the SDK sees it.
      const n = await notification();
      assert.equal(n.LambdaFunctionConfigurations, undefined);
      assert.deepEqual(
        n.TopicConfigurations?.map((c) => [c.Id, c.TopicArn]),
        [['CreateThumbnail-thumbnails-sns', TOPIC]],
      );
      const s3Statement = (await policyStatements(TOPIC)).find((st) => st.Sid?.startsWith('s3-publish-'));
      assert.deepEqual(s3Statement?.Principal, { Service: 's3.amazonaws.com' });
      assert.deepEqual(s3Statement?.Condition, {
        ArnLike: { 'aws:SourceArn': `arn:aws:s3:::${SRC}` },
        StringEquals: { 'aws:SourceAccount': ACCOUNT },
      });
      const subs = (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: TOPIC }))).Subscriptions ?? [];
      assert.deepEqual(
        subs.map((s) => [s.Protocol, s.Endpoint]),
        [['lambda', FUNCTION]],
      );
      assert.deepEqual((await sns.send(new ListTagsForResourceCommand({ ResourceArn: TOPIC }))).Tags, [
        { Key: 'created-by', Value: 's3-thumbnail-walkthrough' },
      ]);
      const fnPolicy = JSON.parse(
        (await lambda.send(new GetPolicyCommand({ FunctionName: 'CreateThumbnail' }))).Policy!,
      );
      const snsStatement = fnPolicy.Statement.find(
        (st: { Sid: string }) => st.Sid === 'sns-invoke-CreateThumbnail-uploads',
      );
      assert.deepEqual(snsStatement.Condition, { ArnLike: { 'AWS:SourceArn': TOPIC } });
      // The S3 test event went through too (the handler skips it); and deliveries all succeeded.
      const attributes = (await sns.send(new GetTopicAttributesCommand({ TopicArn: TOPIC }))).Attributes!;
      assert.equal(attributes.NumberOfNotificationsFailed, '0');
      assert.ok(Number(attributes.NumberOfNotificationsDelivered) >= 2);
    },
  );

  it(
    '70-publish.ts: a hand-made message triggers the function, ' + 'and prints the aws sns publish that does the same',
    async () => {
      const r = await run('70-publish.ts', ['--cli'], { TRIGGER: 'sns' });
      const command = /^\s+\$ (aws sns publish .*)$/m.exec(r.stdout)?.[1];
      assert.ok(command, r.stdout);
      assert.match(
        command,
        new RegExp(
          /^aws sns publish --topic-arn arn:aws:sns:us-east-1:000000000000:CreateThumbnail-uploads /.source +
            /--subject 'Hand-made S3 event' --message file:\/\/out\/sns-message\.json/.source,
        ),
      );
      assert.match(r.stdout, /nothing in it names the function/);
      assert.match(r.stdout, /the function, triggered through the topic, wrote s3:\/\/.* again: a 200x\d+ jpeg/);
      const thumbKey = /wrote s3:\/\/[^/]+\/(.+) again/.exec(r.stdout)![1]!;
      const message = JSON.parse(fs.readFileSync(path.join(cwd, 'out', 'sns-message.json'), 'utf8'));
      assert.equal(message.Records[0].eventSource, 'aws:s3');
      printedPublish = { command, thumbKey };
    },
  );

  const cliSkip = needsAwsCli('test/walkthrough/sns-walkthrough.test.ts: the printed aws sns publish');
  it('the printed aws sns publish, run verbatim, makes the thumbnail again', { skip: cliSkip }, async () => {
    // Any allowed publisher: the aws-cli, with the command exactly as printed.
    const { command, thumbKey } = printedPublish!;
    await s3.send(new DeleteObjectCommand({ Bucket: DEST, Key: thumbKey }));
    await runAsPrinted(command, { cwd, env });
    await eventually('the thumbnail made again after aws sns publish', () => thumbnailExists(thumbKey));
  });

  it('switching TRIGGER to lambda and back leaves exactly one of the two notification entries', async () => {
    const toLambda = await run('50-trigger.ts');
    assert.match(
      reported(toLambda.stdout, 'removed').join('\n'),
      /notification CreateThumbnail-thumbnails-sns \(the sns trigger\)/,
    );
    let n = await notification();
    assert.equal(n.TopicConfigurations, undefined);
    assert.deepEqual(
      n.LambdaFunctionConfigurations?.map((c) => [c.Id, c.LambdaFunctionArn]),
      [['CreateThumbnail-thumbnails', FUNCTION]],
    );
    const back = await run('50-trigger.ts', ['--trigger', 'sns']);
    assert.deepEqual(
      reported(back.stdout, 'created').map((l) => l.replace(/:.*/, '')),
      ['+ created notification CreateThumbnail-thumbnails-sns'],
    );
    assert.equal(reported(back.stdout, 'changed').length, 0);
    // The topic, its policy, the permission and the subscription were all still in place.
    assert.deepEqual(
      reported(back.stdout, 'found').map((l) => l.replace(/^= found\s+/, '')),
      ['topic CreateThumbnail-uploads'],
    );
    assert.equal(reported(back.stdout, 'same').length, 3, back.stdout);
    n = await notification();
    assert.equal(n.LambdaFunctionConfigurations, undefined);
    assert.deepEqual(
      n.TopicConfigurations?.map((c) => c.Id),
      ['CreateThumbnail-thumbnails-sns'],
    );
  });

  it('teardown removes the topic with its subscription and policy, and everything else', async () => {
    const down = await run('80-teardown.ts');
    assert.match(
      reported(down.stdout, 'removed').join('\n'),
      /topic CreateThumbnail-uploads \(with its subscriptions and policy\)/,
    );
    assert.match(down.stdout, /everything the walkthrough created is gone/);
    assert.deepEqual((await sns.send(new ListTopicsCommand({}))).Topics ?? [], []);
    const orphan = await runScript('70-publish.ts', [], { cwd, env });
    assert.equal(orphan.code, 1);
    assert.match(orphan.stderr, /There is no topic between the bucket and the function/);
  });

  it(
    'a topic the walkthrough did not create: used as is, and ' +
      'teardown removes only the subscription and statement it added',
    async () => {
      const own = (await sns.send(new CreateTopicCommand({ Name: 'users-topic' }))).TopicArn!;
      const theirs = {
        Sid: 'theirs',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: 'SNS:Publish',
        Resource: own,
      };
      await sns.send(
        new SetTopicAttributesCommand({
          TopicArn: own,
          AttributeName: 'Policy',
          AttributeValue: JSON.stringify({ Version: '2012-10-17', Statement: [theirs] }),
        }),
      );
      const up = await run('all.ts', ['--until', 'trigger'], { TRIGGER: 'sns', TOPIC_NAME: 'users-topic' });
      assert.match(reported(up.stdout, 'found').join('\n'), /topic users-topic \(not created by this walkthrough/);
      assert.deepEqual(
        (await policyStatements(own)).map((s) => s.Sid),
        ['theirs', `s3-publish-${SRC}`],
      );
      const down = await run('80-teardown.ts');
      assert.match(reported(down.stdout, 'kept').join('\n'), /topic users-topic \(not created by this walkthrough\)/);
      assert.deepEqual(await policyStatements(own), [theirs]);
      assert.deepEqual(
        (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: own }))).Subscriptions ?? [],
        [],
      );
    },
  );

  it('killed right after it created the topic, a re-run finds the topic as its own and completes', async () => {
    const killed = await runScript('all.ts', ['--trigger', 'sns'], {
      cwd,
      env,
      onOutput: (out, kill) => {
        if (/created +topic CreateThumbnail-uploads/.test(out)) kill();
      },
    });
    assert.notEqual(killed.code, 0);
    assert.equal(
      (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: TOPIC }))).Subscriptions?.length ?? 0,
      0,
      'killed before it subscribed',
    );
    const r = await run('all.ts', ['--trigger', 'sns']);
    assert.match(reported(r.stdout, 'found').join('\n'), /found +topic CreateThumbnail-uploads$/m);
    assert.doesNotMatch(r.stdout, /^\+ created +topic CreateThumbnail-uploads/m);
    assert.match(
      reported(r.stdout, 'created').join('\n'),
      /subscription: CreateThumbnail receives what CreateThumbnail-uploads publishes/,
    );
    assert.match(r.stdout, /\(b\) upload: .* is a 200x\d+ jpeg/);
    const subs = (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: TOPIC }))).Subscriptions ?? [];
    assert.deepEqual(
      subs.map((x) => [x.Protocol, x.Endpoint]),
      [['lambda', FUNCTION]],
    );
    assert.deepEqual(
      (await notification()).TopicConfigurations?.map((c) => c.Id),
      ['CreateThumbnail-thumbnails-sns'],
    );
  });

  it("70-publish's hint names where the local endpoint logs a refused delivery", () => {
    const local = deliveryLogWhere('local');
    assert.match(local, /\[local-aws\] sns: delivery of <message id> to <function> failed: <reason>/);
    assert.ok(local.endsWith(`(in ${path.join(loadConfig().dataDir, 'server.log')})`), local);
    assert.match(
      deliveryLogWhere('endpoint'),
      /in the output of the endpoint's process; <data dir>\/server\.log when started with npm run local:start/,
    );
  });
});

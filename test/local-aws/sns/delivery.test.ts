// SNS -> Lambda and S3 -> SNS -> Lambda through the real SDKs: AWS's SNS event JSON (signed, checked
// with the key at SigningCertUrl), the function permission Lambda requires for the topic (without it
// delivery fails visibly and nothing runs), TopicConfigurations validated against the topic policy,
// s3:TestEvent, and object events published to the topic.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createVerify } from 'node:crypto';
import { zipSync } from 'fflate';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient } from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  LambdaClient,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  GetBucketNotificationConfigurationCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  type PutBucketNotificationConfigurationCommandInput,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  PublishCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { stringToSign } from '../../../local-aws/sns/signing.ts';
import { createRole, eventually } from '../../support/lambda-kit.ts';
import { startTestServer, type TestServer, stderrDuring } from '../../support/local-aws.ts';

const ACCOUNT = '000000000000';
const OUT = 'sns-received';

/** Writes every event it gets into OUT, with whether the runtime offers @aws-sdk/client-sns. */
const RECORDER =
  `
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
const s3 = new S3Client({ forcePathStyle: true });
export const handler = async (event, context) => {
  let sns;
  try { sns = typeof (await import('@aws-sdk/client-sns')).SNSClient; } catch (e) { sns = String(e); }
  await s3.send(new PutObjectCommand({ Bucket: process.env.OUT, Key: context.awsRequestId + '.json', ` +
  `Body: JSON.stringify({ event, sns, invoked: context.invokedFunctionArn }) }));
  return 'ok';
};`;

interface SnsRecord {
  EventSource: string;
  EventVersion: string;
  EventSubscriptionArn: string;
  Sns: {
    Type: string;
    MessageId: string;
    TopicArn: string;
    Subject: string | null;
    Message: string;
    Timestamp: string;
    SignatureVersion: string;
    Signature: string;
    SigningCertUrl: string;
    UnsubscribeUrl: string;
    MessageAttributes: Record<string, { Type: string; Value: string }>;
  };
}
interface Received {
  event: { Records: SnsRecord[] };
  sns: string;
  invoked: string;
}

let server: TestServer;
let sns: SNSClient;
let s3: S3Client;
let lambda: LambdaClient;
let fnArn: string;
/** A role SNS may assume to write delivery status logs (the basic execution policy allows logs:*). */
let feedbackRole: string;

before(async () => {
  server = await startTestServer();
  sns = new SNSClient(server.clientConfig());
  s3 = new S3Client(server.clientConfig());
  lambda = new LambdaClient(server.clientConfig());
  await s3.send(new CreateBucketCommand({ Bucket: OUT }));
  const role = await createRole(new IAMClient(server.clientConfig()), 'sns-recorder', [
    { Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${OUT}/*` },
  ]);
  const zip = Buffer.from(zipSync({ 'index.mjs': Buffer.from(RECORDER) }, { mtime: new Date('2024-01-01T00:00:00Z') }));
  fnArn = (
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'recorder',
        Role: role,
        Runtime: 'nodejs24.x',
        Handler: 'index.handler',
        Code: { ZipFile: zip },
        Environment: { Variables: { OUT } },
      }),
    )
  ).FunctionArn!;
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: 'recorder' });
  const snsTrust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  });
  feedbackRole = await createRole(new IAMClient(server.clientConfig()), 'sns-feedback', [], snsTrust);
});

/** Delivery status lines SNS wrote for a topic (`/Failure` for failures). */
function statusLines(
  group: string,
  count: number,
): Promise<
  Array<{ status: string; notification: { messageId: string }; delivery: { destination: string; statusCode: number } }>
> {
  const logs = new CloudWatchLogsClient(server.clientConfig());
  return eventually(`${count} line(s) in ${group}`, async () => {
    const events = (await logs.send(new FilterLogEventsCommand({ logGroupName: group }))).events ?? [];
    return events.length >= count ? events.map((e) => JSON.parse(e.message!)) : undefined;
  });
}
after(async () => {
  await server.stopAndRemove();
});

/** Everything the recorder has received so far. */
async function received(): Promise<Received[]> {
  const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: OUT }))).Contents ?? []).map((c) => c.Key!);
  return Promise.all(
    keys.map(
      async (Key) =>
        JSON.parse(
          await (await s3.send(new GetObjectCommand({ Bucket: OUT, Key }))).Body!.transformToString(),
        ) as Received,
    ),
  );
}

/** Waits until a received SNS message satisfies `match`. */
function receivedMessage(
  what: string,
  match: (r: SnsRecord) => boolean,
): Promise<{ record: SnsRecord; all: Received[] }> {
  return eventually(what, async () => {
    const all = await received();
    const record = all.map((r) => r.event.Records[0]!).find((r) => r?.Sns && match(r));
    return record ? { record, all } : undefined;
  });
}

function allowSns(statementId: string, topicArn: string) {
  return lambda.send(
    new AddPermissionCommand({
      FunctionName: 'recorder',
      StatementId: statementId,
      Action: 'lambda:InvokeFunction',
      Principal: 'sns.amazonaws.com',
      SourceArn: topicArn,
    }),
  );
}

async function topicWithSubscriber(name: string): Promise<{ topicArn: string; subscriptionArn: string }> {
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn!;
  const subscriptionArn = (
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'lambda', Endpoint: fnArn }))
  ).SubscriptionArn!;
  return { topicArn, subscriptionArn };
}

const attributes = async (TopicArn: string) =>
  (await sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes ?? {};

describe('SNS -> Lambda', () => {
  it("delivers a message as AWS's SNS event, signed with the key at SigningCertUrl", async () => {
    const { topicArn, subscriptionArn } = await topicWithSubscriber('deliver');
    await allowSns('sns-deliver', topicArn);
    await sns.send(
      new SetTopicAttributesCommand({
        TopicArn: topicArn,
        AttributeName: 'LambdaSuccessFeedbackRoleArn',
        AttributeValue: feedbackRole,
      }),
    );
    await sns.send(
      new SetTopicAttributesCommand({
        TopicArn: topicArn,
        AttributeName: 'LambdaSuccessFeedbackSampleRate',
        AttributeValue: '100',
      }),
    );
    const published = await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: 'Greetings',
        Message: 'hello from SNS',
        MessageAttributes: {
          colour: { DataType: 'String', StringValue: 'blue' },
          raw: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) },
        },
      }),
    );
    const bare = await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'no subject' }));
    const { record, all } = await receivedMessage('the first message', (r) => r.Sns.MessageId === published.MessageId);
    assert.equal(record.EventSource, 'aws:sns');
    assert.equal(record.EventVersion, '1.0');
    assert.equal(record.EventSubscriptionArn, subscriptionArn);
    const m = record.Sns;
    assert.equal(m.Type, 'Notification');
    assert.equal(m.TopicArn, topicArn);
    assert.equal(m.Subject, 'Greetings');
    assert.equal(m.Message, 'hello from SNS');
    assert.match(m.Timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(m.MessageAttributes, {
      colour: { Type: 'String', Value: 'blue' },
      raw: { Type: 'Binary', Value: 'AQID' },
    });
    assert.equal(m.UnsubscribeUrl, `${server.url}/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`);
    assert.equal(m.SignatureVersion, '1');
    const key = await (await fetch(m.SigningCertUrl)).text();
    const fields = {
      type: 'Notification' as const,
      messageId: m.MessageId,
      topicArn,
      subject: m.Subject ?? undefined,
      message: m.Message,
      timestamp: m.Timestamp,
    };
    assert.ok(
      createVerify('RSA-SHA1').update(stringToSign(fields)).verify(key, m.Signature, 'base64'),
      'the signature verifies',
    );
    assert.ok(
      !createVerify('RSA-SHA1')
        .update(stringToSign({ ...fields, message: 'tampered' }))
        .verify(key, m.Signature, 'base64'),
    );
    // The runtime offers the SDK's SNS client to functions, as Lambda's Node.js runtimes do.
    assert.equal(all.find((r) => r.event.Records[0]?.Sns?.MessageId === published.MessageId)?.sns, 'function');
    const second = await receivedMessage('the message without a subject', (r) => r.Sns.MessageId === bare.MessageId);
    assert.equal(second.record.Sns.Subject, null);
    const a = await attributes(topicArn);
    assert.equal(a.NumberOfMessagesPublished, '2');
    assert.equal(a.NumberOfNotificationsDelivered, '2');
    assert.equal(a.NumberOfNotificationsFailed, '0');
    // Delivery status logging, as SNS writes it with LambdaSuccessFeedbackRoleArn.
    const lines = await statusLines(`sns/us-east-1/${ACCOUNT}/deliver`, 2);
    assert.deepEqual(lines.map((l) => [l.status, l.delivery.statusCode, l.delivery.destination]).sort(), [
      ['SUCCESS', 202, fnArn],
      ['SUCCESS', 202, fnArn],
    ]);
  });

  it(
    'MessageStructure=json gives the function its own entry ' +
      '(or default), and SignatureVersion 2 signs with SHA256',
    async () => {
      const { topicArn } = await topicWithSubscriber('structured');
      await allowSns('sns-structured', topicArn);
      await sns.send(
        new SetTopicAttributesCommand({ TopicArn: topicArn, AttributeName: 'SignatureVersion', AttributeValue: '2' }),
      );
      const r = await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          MessageStructure: 'json',
          Message: JSON.stringify({ default: 'for everyone', lambda: 'for functions' }),
        }),
      );
      const { record } = await receivedMessage('the structured message', (x) => x.Sns.MessageId === r.MessageId);
      assert.equal(record.Sns.Message, 'for functions');
      assert.equal(record.Sns.SignatureVersion, '2');
      const key = await (await fetch(record.Sns.SigningCertUrl)).text();
      const fields = {
        type: 'Notification' as const,
        messageId: r.MessageId!,
        topicArn,
        message: 'for functions',
        timestamp: record.Sns.Timestamp,
      };
      assert.ok(createVerify('RSA-SHA256').update(stringToSign(fields)).verify(key, record.Sns.Signature, 'base64'));
    },
  );

  it('without the permission for the topic, delivery fails visibly and nothing is invoked', async () => {
    const { topicArn } = await topicWithSubscriber('unallowed');
    await sns.send(
      new SetTopicAttributesCommand({
        TopicArn: topicArn,
        AttributeName: 'LambdaFailureFeedbackRoleArn',
        AttributeValue: feedbackRole,
      }),
    );
    const ghost = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:ghost`;
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'lambda', Endpoint: ghost }));
    let first = '';
    const stderr = await stderrDuring(async () => {
      first = (await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'first' }))).MessageId!;
    });
    assert.match(
      stderr,
      new RegExp(
        `\\[local-aws\\] sns: delivery of ${first} to ${fnArn} failed: AccessDeniedException: ` +
          `.*does not allow sns\\.amazonaws\\.com to invoke it for ${topicArn}`,
      ),
    );
    assert.match(
      stderr,
      new RegExp(`\\[local-aws\\] sns: delivery of ${first} to ${ghost} failed: ResourceNotFoundException`),
    );
    let a = await attributes(topicArn);
    assert.equal(a.NumberOfNotificationsFailed, '2');
    assert.equal(a.NumberOfNotificationsDelivered, '0');
    const failures = await statusLines(`sns/us-east-1/${ACCOUNT}/unallowed/Failure`, 2);
    assert.deepEqual(
      failures.map((l) => [l.status, l.notification.messageId, l.delivery.destination, l.delivery.statusCode]).sort(),
      [
        ['FAILURE', first, ghost, 404],
        ['FAILURE', first, fnArn, 403],
      ],
    );
    // Once allowed, the next message is delivered; the first one never ran.
    await allowSns('sns-unallowed', topicArn);
    const second = (await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'second' }))).MessageId!;
    const { all } = await receivedMessage('the second message', (r) => r.Sns.MessageId === second);
    assert.ok(
      !all.some((r) => r.event.Records[0]?.Sns?.MessageId === first),
      'the refused message was never delivered',
    );
    a = await attributes(topicArn);
    assert.equal(a.NumberOfNotificationsDelivered, '1');
    assert.equal(a.NumberOfNotificationsFailed, '3');
  });
});

describe('S3 -> SNS -> Lambda', () => {
  const SRC = 'sns-uploads';
  type Failure = Error & {
    ArgumentName1?: string;
    ArgumentValue1?: string;
    ArgumentName2?: string;
    ArgumentValue2?: string;
  };

  function s3Policy(topicArn: string, bucket: string, account = ACCOUNT) {
    return JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 's3-publish',
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'SNS:Publish',
          Resource: topicArn,
          Condition: {
            ArnLike: { 'aws:SourceArn': `arn:aws:s3:::${bucket}` },
            StringEquals: { 'aws:SourceAccount': account },
          },
        },
      ],
    });
  }

  const putTopics = (...topicArns: string[]) =>
    s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: SRC,
        NotificationConfiguration: {
          TopicConfigurations: topicArns.map((TopicArn, i) => ({
            Id: `to-topic-${i}`,
            TopicArn,
            Events: ['s3:ObjectCreated:*'],
          })),
        },
      }),
    );

  it(
    'refuses a topic that does not exist, or whose policy ' + 'does not let S3 publish for this bucket and account',
    async () => {
      await s3.send(new CreateBucketCommand({ Bucket: SRC }));
      const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'uploads' }))).TopicArn!;
      const missing = `arn:aws:sns:us-east-1:${ACCOUNT}:no-such-topic`;
      const refusal = (e: unknown) => e as Failure;
      await assert.rejects(putTopics(topicArn, missing), (e) => {
        const f = refusal(e);
        assert.equal(f.name, 'InvalidArgument');
        assert.equal(f.message, 'Unable to validate the following destination configurations');
        assert.equal(f.ArgumentName1, topicArn);
        assert.equal(
          f.ArgumentValue1,
          'Permissions on the destination topic do not allow S3 to publish notifications from this bucket',
        );
        assert.equal(f.ArgumentName2, missing);
        assert.equal(f.ArgumentValue2, 'The destination topic does not exist');
        return true;
      });
      for (const policy of [s3Policy(topicArn, 'another-bucket'), s3Policy(topicArn, SRC, '111122223333')]) {
        await sns.send(
          new SetTopicAttributesCommand({ TopicArn: topicArn, AttributeName: 'Policy', AttributeValue: policy }),
        );
        await assert.rejects(putTopics(topicArn), (e) => refusal(e).ArgumentName1 === topicArn);
      }
    },
  );

  it('refuses a topic or function in another region than the bucket, as S3 does', async () => {
    const bucket = 'sns-region-west';
    const west = new S3Client({ ...server.clientConfig(), region: 'us-west-2' });
    await west.send(
      new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }),
    );
    // A real topic, with a policy letting S3 publish for the bucket: only the region is wrong.
    const eastTopic = (await sns.send(new CreateTopicCommand({ Name: 'east-uploads' }))).TopicArn!;
    await sns.send(
      new SetTopicAttributesCommand({
        TopicArn: eastTopic,
        AttributeName: 'Policy',
        AttributeValue: s3Policy(eastTopic, bucket),
      }),
    );
    const region = 'The notification destination service region is not valid for the bucket location constraint';
    const refused = (e: unknown) => {
      const f = e as Failure & { $metadata: { httpStatusCode?: number } };
      assert.equal(f.name, 'InvalidArgument');
      assert.equal(f.message, region);
      assert.equal(f.$metadata.httpStatusCode, 400);
      return true;
    };
    const put = (
      NotificationConfiguration: PutBucketNotificationConfigurationCommandInput['NotificationConfiguration'],
    ) => west.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration }));
    await assert.rejects(
      put({ TopicConfigurations: [{ TopicArn: eastTopic, Events: ['s3:ObjectCreated:*'] }] }),
      refused,
    );
    // The function lets S3 invoke it for this bucket, but lives in us-east-1.
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: 'recorder',
        StatementId: 's3-west',
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceArn: `arn:aws:s3:::${bucket}`,
      }),
    );
    await assert.rejects(
      put({ LambdaFunctionConfigurations: [{ LambdaFunctionArn: fnArn, Events: ['s3:ObjectCreated:*'] }] }),
      refused,
    );
    // Nothing was saved; a topic of the bucket's region is checked as usual (here: it does not exist).
    assert.deepEqual(
      Object.keys(await west.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }))).filter(
        (k) => k !== '$metadata',
      ),
      [],
    );
    await assert.rejects(
      put({
        TopicConfigurations: [
          { TopicArn: `arn:aws:sns:us-west-2:${ACCOUNT}:east-uploads`, Events: ['s3:ObjectCreated:*'] },
        ],
      }),
      (e) => {
        assert.equal((e as Failure).message, 'Unable to validate the following destination configurations');
        return true;
      },
    );
  });

  it('sends s3:TestEvent when the configuration is saved, then each object event as the message', async () => {
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'uploads' }))).TopicArn!;
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'lambda', Endpoint: fnArn }));
    await allowSns('sns-uploads', topicArn);
    await sns.send(
      new SetTopicAttributesCommand({
        TopicArn: topicArn,
        AttributeName: 'Policy',
        AttributeValue: s3Policy(topicArn, SRC),
      }),
    );
    await putTopics(topicArn);
    const test = await receivedMessage(
      's3:TestEvent',
      (r) => r.Sns.TopicArn === topicArn && r.Sns.Message.includes('s3:TestEvent'),
    );
    assert.equal(test.record.Sns.Subject, 'Amazon S3 Notification');
    const testEvent = JSON.parse(test.record.Sns.Message);
    assert.equal(testEvent.Service, 'Amazon S3');
    assert.equal(testEvent.Bucket, SRC);
    await s3.send(new PutObjectCommand({ Bucket: SRC, Key: 'photos/a b+c.jpg', Body: 'image bytes' }));
    const { record } = await receivedMessage(
      'the object event',
      (r) => r.Sns.TopicArn === topicArn && r.Sns.Message.includes('"Records"'),
    );
    assert.equal(record.Sns.Subject, 'Amazon S3 Notification');
    const s3Event = JSON.parse(record.Sns.Message).Records[0];
    assert.equal(s3Event.eventSource, 'aws:s3');
    assert.equal(s3Event.eventName, 'ObjectCreated:Put');
    assert.equal(s3Event.s3.configurationId, 'to-topic-0');
    assert.equal(s3Event.s3.bucket.name, SRC);
    assert.equal(s3Event.s3.object.key, 'photos/a+b%2Bc.jpg');
    assert.equal(s3Event.s3.object.size, 'image bytes'.length);
    assert.equal((await attributes(topicArn)).NumberOfNotificationsDelivered, '2');
  });
});

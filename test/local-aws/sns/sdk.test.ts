// SNS through the real SDK v3 client: topics (names, idempotence, attributes, policy, paging, tags),
// lambda subscriptions, Publish's checks, IAM and topic-policy enforcement, and durability.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateTopicCommand,
  DeleteTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  ListTagsForResourceCommand,
  ListTopicsCommand,
  PublishCommand,
  RemovePermissionCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
  TagResourceCommand,
  UnsubscribeCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-sns';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startTestServer, type Credentials, type TestServer } from '../../support/local-aws.ts';

const ACCOUNT = '000000000000';
const FN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:Subscriber`;
const arnOf = (name: string) => `arn:aws:sns:us-east-1:${ACCOUNT}:${name}`;

let server: TestServer;
let sns: SNSClient;

before(async () => {
  server = await startTestServer();
  sns = new SNSClient(server.clientConfig());
});
after(async () => {
  await server.stopAndRemove();
});

/** Runs a call that must fail, and returns the error (name, message, HTTP status). */
async function failure(call: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await call;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
  assert.fail('the call succeeded');
}

const attributes = async (TopicArn: string) =>
  (await sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes ?? {};

describe('topics', () => {
  it('CreateTopic is idempotent for the same name, attributes and tags, and refuses different ones', async () => {
    const first = await sns.send(
      new CreateTopicCommand({
        Name: 'uploads',
        Attributes: { DisplayName: 'Uploads' },
        Tags: [{ Key: 'team', Value: 'a' }],
      }),
    );
    assert.equal(first.TopicArn, arnOf('uploads'));
    const again = await sns.send(
      new CreateTopicCommand({
        Name: 'uploads',
        Attributes: { DisplayName: 'Uploads' },
        Tags: [{ Key: 'team', Value: 'a' }],
      }),
    );
    assert.equal(again.TopicArn, first.TopicArn);
    assert.equal((await sns.send(new CreateTopicCommand({ Name: 'uploads' }))).TopicArn, first.TopicArn);
    const attrs = await failure(
      sns.send(new CreateTopicCommand({ Name: 'uploads', Attributes: { DisplayName: 'Other' } })),
    );
    assert.deepEqual(attrs, {
      name: 'InvalidParameterException',
      message: 'Invalid parameter: Attributes Reason: Topic already exists with different attributes',
      status: 400,
    });
    const tags = await failure(
      sns.send(new CreateTopicCommand({ Name: 'uploads', Tags: [{ Key: 'team', Value: 'b' }] })),
    );
    assert.equal(tags.message, 'Invalid parameter: Tags Reason: Topic already exists with different tags');
  });

  it('refuses bad names, FIFO topics and unknown attributes', async () => {
    for (const Name of ['has space', 'x'.repeat(257), 'dot.ted', 'plain.fifo', '']) {
      const e = await failure(sns.send(new CreateTopicCommand({ Name })));
      assert.equal(e.name, 'InvalidParameterException', Name);
      assert.equal(e.message, 'Invalid parameter: Topic Name');
    }
    const fifo = await failure(
      sns.send(new CreateTopicCommand({ Name: 'orders.fifo', Attributes: { FifoTopic: 'true' } })),
    );
    assert.match(
      fifo.message,
      /^Invalid parameter: Attributes Reason: FifoTopic: FIFO topics are not supported by the local AWS endpoint/,
    );
    const badFifoName = await failure(
      sns.send(new CreateTopicCommand({ Name: 'orders', Attributes: { FifoTopic: 'true' } })),
    );
    assert.match(badFifoName.message, /Fifo Topic names must end with \.fifo/);
    const unknown = await failure(sns.send(new CreateTopicCommand({ Name: 'x', Attributes: { Colour: 'blue' } })));
    assert.equal(unknown.name, 'InvalidParameterException');
  });

  it('has the attributes AWS gives a new topic, with its default policy', async () => {
    const arn = (await sns.send(new CreateTopicCommand({ Name: 'fresh' }))).TopicArn!;
    const a = await attributes(arn);
    assert.equal(a.TopicArn, arn);
    assert.equal(a.Owner, ACCOUNT);
    assert.equal(a.DisplayName, '');
    assert.equal(a.SubscriptionsConfirmed, '0');
    assert.equal(a.SubscriptionsPending, '0');
    assert.equal(a.SubscriptionsDeleted, '0');
    assert.equal(JSON.parse(a.EffectiveDeliveryPolicy!).http.defaultHealthyRetryPolicy.numRetries, 3);
    const policy = JSON.parse(a.Policy!);
    assert.equal(policy.Id, '__default_policy_ID');
    assert.deepEqual(policy.Statement[0].Principal, { AWS: '*' });
    assert.deepEqual(policy.Statement[0].Condition, { StringEquals: { 'AWS:SourceOwner': ACCOUNT } });
    assert.equal(policy.Statement[0].Resource, arn);
    assert.ok(policy.Statement[0].Action.includes('SNS:Publish'));
    assert.equal(a.NumberOfNotificationsFailed, '0');
  });

  it('SetTopicAttributes changes DisplayName and Policy, and checks them', async () => {
    const arn = (await sns.send(new CreateTopicCommand({ Name: 'settable' }))).TopicArn!;
    await sns.send(
      new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'DisplayName', AttributeValue: 'Settable' }),
    );
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 's3',
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: arn,
        },
      ],
    };
    await sns.send(
      new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'Policy', AttributeValue: JSON.stringify(policy) }),
    );
    const a = await attributes(arn);
    assert.equal(a.DisplayName, 'Settable');
    assert.deepEqual(JSON.parse(a.Policy!), policy);
    const set = (AttributeName: string, AttributeValue: string) =>
      failure(sns.send(new SetTopicAttributesCommand({ TopicArn: arn, AttributeName, AttributeValue })));
    assert.deepEqual(await set('Colour', 'blue'), {
      name: 'InvalidParameterException',
      message: 'Invalid parameter: AttributeName',
      status: 400,
    });
    assert.equal((await set('Policy', '{not json')).message, 'Invalid parameter: Policy Error: null');
    const s3Action = { ...policy, Statement: [{ ...policy.Statement[0], Action: 's3:GetObject' }] };
    assert.equal(
      (await set('Policy', JSON.stringify(s3Action))).message,
      'Invalid parameter: Policy statement action out of service scope!',
    );
    const ghost = {
      ...policy,
      Statement: [{ ...policy.Statement[0], Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/ghost` } }],
    };
    assert.equal(
      (await set('Policy', JSON.stringify(ghost))).message,
      'Invalid parameter: Policy Error: PrincipalNotFound',
    );
    assert.equal(
      (await set('Policy', 'x'.repeat(31 * 1024))).message,
      'Invalid parameter: Policy exceeds the maximum size of 30 KB.',
    );
    assert.equal((await set('SignatureVersion', '3')).message, 'Invalid parameter: SignatureVersion');
  });

  it('AddPermission and RemovePermission edit the topic policy', async () => {
    const arn = (await sns.send(new CreateTopicCommand({ Name: 'shared' }))).TopicArn!;
    await sns.send(
      new AddPermissionCommand({
        TopicArn: arn,
        Label: 'partner',
        AWSAccountId: ['111122223333'],
        ActionName: ['Publish', 'Subscribe'],
      }),
    );
    let statements = JSON.parse((await attributes(arn)).Policy!).Statement as Array<{
      Sid: string;
      Principal: unknown;
      Action: unknown;
    }>;
    assert.deepEqual(
      statements.find((s) => s.Sid === 'partner'),
      {
        Sid: 'partner',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111122223333:root' },
        Action: ['SNS:Publish', 'SNS:Subscribe'],
        Resource: arn,
      },
    );
    const dup = await failure(
      sns.send(
        new AddPermissionCommand({ TopicArn: arn, Label: 'partner', AWSAccountId: [ACCOUNT], ActionName: ['Publish'] }),
      ),
    );
    assert.equal(dup.message, 'Invalid parameter: Statement already exists');
    const scope = await failure(
      sns.send(
        new AddPermissionCommand({ TopicArn: arn, Label: 'x', AWSAccountId: [ACCOUNT], ActionName: ['GetObject'] }),
      ),
    );
    assert.equal(scope.message, 'Invalid parameter: Policy statement action out of service scope!');
    await sns.send(new RemovePermissionCommand({ TopicArn: arn, Label: 'partner' }));
    statements = JSON.parse((await attributes(arn)).Policy!).Statement;
    assert.deepEqual(
      statements.map((s) => s.Sid),
      ['__default_statement_ID'],
    );
  });

  it('answers NotFound for a missing topic and InvalidParameter for a malformed ARN', async () => {
    assert.deepEqual(await failure(sns.send(new GetTopicAttributesCommand({ TopicArn: arnOf('missing') }))), {
      name: 'NotFoundException',
      message: 'Topic does not exist',
      status: 404,
    });
    const malformed = await failure(sns.send(new GetTopicAttributesCommand({ TopicArn: 'not-an-arn' })));
    assert.equal(malformed.name, 'InvalidParameterException');
    assert.equal(malformed.message, 'Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1');
    const otherRegion = await failure(
      sns.send(new GetTopicAttributesCommand({ TopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:uploads` })),
    );
    assert.equal(otherRegion.message, 'Invalid parameter: TopicArn');
  });

  it('ListTopics pages by 100 with NextToken', async () => {
    for (let i = 0; i < 103; i++) await sns.send(new CreateTopicCommand({ Name: `page-${i}` }));
    const first = await sns.send(new ListTopicsCommand({}));
    assert.equal(first.Topics?.length, 100);
    assert.ok(first.NextToken);
    const second = await sns.send(new ListTopicsCommand({ NextToken: first.NextToken }));
    assert.equal(second.NextToken, undefined);
    const all = [...first.Topics!, ...second.Topics!].map((t) => t.TopicArn);
    assert.equal(new Set(all).size, all.length);
    assert.ok(all.includes(arnOf('page-102')) && all.includes(arnOf('uploads')));
    const bad = await failure(sns.send(new ListTopicsCommand({ NextToken: 'bm9wZQ==' })));
    assert.equal(bad.message, 'Invalid parameter: NextToken');
    // Topics are regional.
    const eu = new SNSClient(server.clientConfig({ region: 'eu-west-1' }));
    assert.deepEqual((await eu.send(new ListTopicsCommand({}))).Topics ?? [], []);
  });

  it('tags: TagResource, ListTagsForResource, UntagResource, the 50-tag quota, ResourceNotFound', async () => {
    const arn = (await sns.send(new CreateTopicCommand({ Name: 'tagged', Tags: [{ Key: 'a', Value: '1' }] })))
      .TopicArn!;
    await sns.send(
      new TagResourceCommand({
        ResourceArn: arn,
        Tags: [
          { Key: 'b', Value: '2' },
          { Key: 'a', Value: 'one' },
        ],
      }),
    );
    const listed = await sns.send(new ListTagsForResourceCommand({ ResourceArn: arn }));
    assert.deepEqual(listed.Tags, [
      { Key: 'a', Value: 'one' },
      { Key: 'b', Value: '2' },
    ]);
    await sns.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['a'] }));
    assert.deepEqual((await sns.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags, [
      { Key: 'b', Value: '2' },
    ]);
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    assert.equal(
      (await failure(sns.send(new TagResourceCommand({ ResourceArn: arn, Tags: many })))).name,
      'TagLimitExceededException',
    );
    const missing = await failure(sns.send(new ListTagsForResourceCommand({ ResourceArn: arnOf('nope') })));
    assert.deepEqual(missing, { name: 'ResourceNotFoundException', message: 'Resource does not exist', status: 404 });
  });
});

describe('subscriptions', () => {
  it('subscribes a function (confirmed at once, idempotent) and unsubscribes it', async () => {
    const arn = (await sns.send(new CreateTopicCommand({ Name: 'subs' }))).TopicArn!;
    const sub = await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'lambda', Endpoint: FN }));
    assert.match(sub.SubscriptionArn!, new RegExp(`^${arn}:[0-9a-f-]{36}$`));
    const again = await sns.send(
      new SubscribeCommand({ TopicArn: arn, Protocol: 'lambda', Endpoint: FN, ReturnSubscriptionArn: true }),
    );
    assert.equal(again.SubscriptionArn, sub.SubscriptionArn);
    const byTopic = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn }));
    assert.deepEqual(byTopic.Subscriptions, [
      { SubscriptionArn: sub.SubscriptionArn, Owner: ACCOUNT, Protocol: 'lambda', Endpoint: FN, TopicArn: arn },
    ]);
    assert.ok(
      (await sns.send(new ListSubscriptionsCommand({}))).Subscriptions?.some(
        (s) => s.SubscriptionArn === sub.SubscriptionArn,
      ),
    );
    const a = (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: sub.SubscriptionArn })))
      .Attributes!;
    assert.equal(a.PendingConfirmation, 'false');
    assert.equal(a.ConfirmationWasAuthenticated, 'true');
    assert.equal(a.Endpoint, FN);
    assert.equal(a.TopicArn, arn);
    assert.equal((await attributes(arn)).SubscriptionsConfirmed, '1');
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: sub.SubscriptionArn }));
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: sub.SubscriptionArn }));
    const after = await attributes(arn);
    assert.equal(after.SubscriptionsConfirmed, '0');
    assert.equal(after.SubscriptionsDeleted, '1');
    assert.deepEqual(
      await failure(sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: sub.SubscriptionArn }))),
      {
        name: 'NotFoundException',
        message: 'Subscription does not exist',
        status: 404,
      },
    );
  });

  it('refuses other protocols (not delivered locally), bad endpoints and raw delivery to Lambda', async () => {
    const arn = (await sns.send(new CreateTopicCommand({ Name: 'protocols' }))).TopicArn!;
    const subscribe = (Protocol: string, Endpoint: string, Attributes?: Record<string, string>) =>
      failure(sns.send(new SubscribeCommand({ TopicArn: arn, Protocol, Endpoint, Attributes })));
    const sqs = await subscribe('sqs', `arn:aws:sqs:us-east-1:${ACCOUNT}:q`);
    assert.equal(sqs.name, 'InvalidParameterException');
    assert.match(
      sqs.message,
      /delivers only to Lambda functions \(protocol lambda\); sqs subscriptions are not supported locally/,
    );
    assert.equal(
      (await subscribe('carrier-pigeon', 'x')).message,
      'Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon',
    );
    assert.equal((await subscribe('lambda', 'arn:aws:s3:::bucket')).message, 'Invalid parameter: Lambda endpoint ARN');
    assert.equal(
      (await subscribe('lambda', FN, { RawMessageDelivery: 'true' })).message,
      'Invalid parameter: Attributes Reason: Delivery protocol [lambda] does not support raw message delivery.',
    );
    assert.equal(
      (await subscribe('lambda', FN, { Colour: 'blue' })).message,
      'Invalid parameter: Attributes Reason: AttributeName',
    );
    assert.equal(
      (await subscribe('lambda', FN, { FilterPolicy: '{}' })).message,
      'Invalid parameter: Attributes Reason: FilterPolicy: not supported by the local AWS endpoint',
    );
    const missing = await failure(
      sns.send(new SubscribeCommand({ TopicArn: arnOf('nope'), Protocol: 'lambda', Endpoint: FN })),
    );
    assert.equal(missing.name, 'NotFoundException');
  });

  it('DeleteTopic removes the topic and its subscriptions, and succeeds when it is already gone', async () => {
    const arn = (await sns.send(new CreateTopicCommand({ Name: 'doomed' }))).TopicArn!;
    const sub = await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'lambda', Endpoint: FN }));
    await sns.send(new DeleteTopicCommand({ TopicArn: arn }));
    await sns.send(new DeleteTopicCommand({ TopicArn: arn }));
    assert.equal(
      (await failure(sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn })))).name,
      'NotFoundException',
    );
    assert.ok(
      !(await sns.send(new ListSubscriptionsCommand({}))).Subscriptions?.some(
        (s) => s.SubscriptionArn === sub.SubscriptionArn,
      ),
    );
  });
});

describe('Publish', () => {
  it('returns a MessageId and counts the message', async () => {
    const arn = (await sns.send(new CreateTopicCommand({ Name: 'news' }))).TopicArn!;
    const r = await sns.send(
      new PublishCommand({
        TopicArn: arn,
        Subject: 'Hello',
        Message: 'héllo',
        MessageAttributes: {
          text: { DataType: 'String', StringValue: 'v' },
          n: { DataType: 'Number', StringValue: '12.5' },
          raw: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2]) },
          list: { DataType: 'String.Array', StringValue: '["a",1]' },
        },
      }),
    );
    assert.match(r.MessageId!, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.ok((await sns.send(new PublishCommand({ TargetArn: arn, Message: 'by TargetArn' }))).MessageId);
    assert.equal((await attributes(arn)).NumberOfMessagesPublished, '2');
  });

  it('checks the message, subject, size, attributes and structure as SNS does', async () => {
    const arn = (await sns.send(new CreateTopicCommand({ Name: 'checked' }))).TopicArn!;
    const publish = (input: Omit<ConstructorParameters<typeof PublishCommand>[0], 'TopicArn'>) =>
      failure(sns.send(new PublishCommand({ TopicArn: arn, ...input })));
    assert.equal((await publish({ Message: '' })).message, 'Invalid parameter: Empty message');
    assert.equal((await publish({ Message: 'm', Subject: 'two\nlines' })).message, 'Invalid parameter: Subject');
    assert.equal((await publish({ Message: 'm', Subject: 's'.repeat(100) })).message, 'Invalid parameter: Subject');
    assert.equal((await publish({ Message: 'x'.repeat(262145) })).message, 'Invalid parameter: Message too long');
    const attr = await publish({
      Message: 'm',
      MessageAttributes: { n: { DataType: 'Number', StringValue: 'twelve' } },
    });
    assert.deepEqual(attr, {
      name: 'InvalidParameterValueException',
      message: "Could not cast message attribute 'n' value to number.",
      status: 400,
    });
    const type = await publish({ Message: 'm', MessageAttributes: { a: { DataType: 'Date', StringValue: 'x' } } });
    assert.match(type.message, /has an invalid message attribute type/);
    const name = await publish({
      Message: 'm',
      MessageAttributes: { 'a..b': { DataType: 'String', StringValue: 'x' } },
    });
    assert.equal(name.message, "Message attribute name can not have successive '.' character.");
    assert.equal(
      (await publish({ Message: '{"email":"x"}', MessageStructure: 'json' })).message,
      'Invalid parameter: Message Structure - No default entry in JSON message body',
    );
    assert.equal(
      (await publish({ Message: 'nope', MessageStructure: 'json' })).message,
      'Invalid parameter: Message Structure - JSON message body failed to parse',
    );
    const none = await failure(sns.send(new PublishCommand({ Message: 'm' })));
    assert.equal(none.message, 'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter');
    assert.equal(
      (await failure(sns.send(new PublishCommand({ TopicArn: arnOf('nope'), Message: 'm' })))).name,
      'NotFoundException',
    );
  });
});

describe('IAM and the topic policy', () => {
  let session: Credentials;
  const ROLE = `arn:aws:iam::${ACCOUNT}:role/publisher`;

  before(async () => {
    const iam = new IAMClient(server.clientConfig());
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }],
    };
    await iam.send(new CreateRoleCommand({ RoleName: 'publisher', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'publisher',
        PolicyName: 'sns',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: arnOf('allowed-*') }],
        }),
      }),
    );
    const sts = new STSClient(server.clientConfig());
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'worker' }))).Credentials!;
    session = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
  });

  it(
    'lets a role session do what its policies or the topic ' + 'policy allow, and answers AuthorizationError otherwise',
    async () => {
      const as = new SNSClient(server.clientConfig({ credentials: session }));
      const allowed = (await sns.send(new CreateTopicCommand({ Name: 'allowed-1' }))).TopicArn!;
      const other = (await sns.send(new CreateTopicCommand({ Name: 'other' }))).TopicArn!;
      assert.ok((await as.send(new PublishCommand({ TopicArn: allowed, Message: 'm' }))).MessageId);
      // The default topic policy grants direct callers nothing (it needs AWS:SourceOwner).
      const denied = await failure(as.send(new PublishCommand({ TopicArn: other, Message: 'm' })));
      assert.deepEqual(denied, {
        name: 'AuthorizationErrorException',
        message:
          `User: arn:aws:sts::${ACCOUNT}:assumed-role/publisher/worker is not authorized to perform: ` +
          `SNS:Publish on resource: ${other} because no identity-based policy allows the SNS:Publish action`,
        status: 403,
      });
      assert.equal(
        (await failure(as.send(new CreateTopicCommand({ Name: 'mine' })))).name,
        'AuthorizationErrorException',
      );
      assert.equal((await failure(as.send(new ListTopicsCommand({})))).name, 'AuthorizationErrorException');
      // A topic policy naming the role allows it; an explicit Deny there wins over the role's Allow.
      const byPolicy = {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: ROLE },
            Action: ['SNS:Publish', 'SNS:GetTopicAttributes'],
            Resource: other,
          },
        ],
      };
      await sns.send(
        new SetTopicAttributesCommand({
          TopicArn: other,
          AttributeName: 'Policy',
          AttributeValue: JSON.stringify(byPolicy),
        }),
      );
      assert.ok((await as.send(new PublishCommand({ TopicArn: other, Message: 'm' }))).MessageId);
      assert.equal((await as.send(new GetTopicAttributesCommand({ TopicArn: other }))).Attributes?.TopicArn, other);
      const deny = {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Principal: { AWS: ROLE }, Action: 'SNS:Publish', Resource: allowed }],
      };
      await sns.send(
        new SetTopicAttributesCommand({
          TopicArn: allowed,
          AttributeName: 'Policy',
          AttributeValue: JSON.stringify(deny),
        }),
      );
      const explicit = await failure(as.send(new PublishCommand({ TopicArn: allowed, Message: 'm' })));
      assert.match(explicit.message, /with an explicit deny in a resource-based policy$/);
    },
  );
});

describe('durability', () => {
  it('keeps topics, subscriptions and counters across a restart', async () => {
    const arn = (await sns.send(new CreateTopicCommand({ Name: 'durable', Attributes: { DisplayName: 'Kept' } })))
      .TopicArn!;
    const sub = await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'lambda', Endpoint: FN }));
    await sns.send(new PublishCommand({ TopicArn: arn, Message: 'to a missing function' }));
    const dataDir = server.dataDir;
    await server.close();
    server = await startTestServer({ dataDir });
    sns = new SNSClient(server.clientConfig());
    const a = await attributes(arn);
    assert.equal(a.DisplayName, 'Kept');
    assert.equal(a.NumberOfMessagesPublished, '1');
    assert.equal(a.NumberOfNotificationsFailed, '1');
    const subs = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn }));
    assert.deepEqual(
      subs.Subscriptions?.map((s) => s.SubscriptionArn),
      [sub.SubscriptionArn],
    );
  });
});

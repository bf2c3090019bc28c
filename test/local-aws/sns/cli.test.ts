// The real aws-cli (v1 or v2, AWS_CLI picks) against the local SNS: create-topic (with tags),
// subscribe --protocol lambda, publish (delivered: the function logs the SNS event),
// list-subscriptions-by-topic, get-topic-attributes, delete-topic, and errors as the CLI prints them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { createRole, eventually, handlerZip } from '../../support/lambda-kit.ts';
import { awsCli, awsCliOk, needsAwsCli, startTestServer, type TestServer } from '../../support/local-aws.ts';

let server: TestServer;
let fnArn: string;
const cli = async (...args: string[]) =>
  JSON.parse((await awsCliOk(server.url, args)) || '{}') as Record<string, unknown>;

before(async () => {
  server = await startTestServer();
  const role = await createRole(new IAMClient(server.clientConfig()), 'sns-cli-echo');
  const lambda = new LambdaClient(server.clientConfig());
  fnArn = (
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'echo',
        Role: role,
        Runtime: 'nodejs24.x',
        Handler: 'index.echo',
        Code: { ZipFile: handlerZip() },
      }),
    )
  ).FunctionArn!;
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: 'echo' });
});
after(async () => {
  await server.stopAndRemove();
});

describe('aws sns', { skip: needsAwsCli('test/local-aws/sns/cli.test.ts') }, () => {
  it(
    'create-topic, subscribe --protocol lambda, publish ' + '(delivered), list-subscriptions-by-topic, delete-topic',
    async () => {
      const { TopicArn } = (await cli(
        'sns',
        'create-topic',
        '--name',
        'cli-topic',
        '--tags',
        'Key=created-by,Value=test',
      )) as { TopicArn: string };
      assert.equal(TopicArn, 'arn:aws:sns:us-east-1:000000000000:cli-topic');
      await cli(
        'lambda',
        'add-permission',
        '--function-name',
        'echo',
        '--statement-id',
        'sns',
        '--action',
        'lambda:InvokeFunction',
        '--principal',
        'sns.amazonaws.com',
        '--source-arn',
        TopicArn,
      );
      const { SubscriptionArn } = (await cli(
        'sns',
        'subscribe',
        '--topic-arn',
        TopicArn,
        '--protocol',
        'lambda',
        '--notification-endpoint',
        fnArn,
      )) as { SubscriptionArn: string };
      assert.ok(SubscriptionArn.startsWith(`${TopicArn}:`));
      const listed = (await cli('sns', 'list-subscriptions-by-topic', '--topic-arn', TopicArn)) as {
        Subscriptions: Array<Record<string, string>>;
      };
      assert.deepEqual(listed.Subscriptions, [
        { SubscriptionArn, Owner: '000000000000', Protocol: 'lambda', Endpoint: fnArn, TopicArn },
      ]);
      const { MessageId } = (await cli(
        'sns',
        'publish',
        '--topic-arn',
        TopicArn,
        '--subject',
        'From the CLI',
        '--message',
        'hello from aws sns publish',
        '--message-attributes',
        JSON.stringify({ colour: { DataType: 'String', StringValue: 'blue' } }),
      )) as { MessageId: string };
      // The echo handler logs the event it got: the SNS record, as the CLI shows it.
      const logged = await eventually('the function to log the SNS event', async () => {
        const r = (await cli(
          'logs',
          'filter-log-events',
          '--log-group-name',
          '/aws/lambda/echo',
          '--filter-pattern',
          `"${MessageId}"`,
        )) as { events: Array<{ message: string }> };
        return r.events.find((e) => e.message.includes('echo got'))?.message;
      });
      const event = JSON.parse(logged.slice(logged.indexOf('echo got') + 'echo got '.length)) as {
        Records: Array<{ EventSource: string; EventSubscriptionArn: string; Sns: Record<string, unknown> }>;
      };
      assert.equal(event.Records[0]!.EventSource, 'aws:sns');
      assert.equal(event.Records[0]!.EventSubscriptionArn, SubscriptionArn);
      assert.equal(event.Records[0]!.Sns.Message, 'hello from aws sns publish');
      assert.equal(event.Records[0]!.Sns.Subject, 'From the CLI');
      assert.deepEqual(event.Records[0]!.Sns.MessageAttributes, { colour: { Type: 'String', Value: 'blue' } });
      const attrs = (await cli('sns', 'get-topic-attributes', '--topic-arn', TopicArn)) as {
        Attributes: Record<string, string>;
      };
      assert.equal(attrs.Attributes.SubscriptionsConfirmed, '1');
      assert.equal(attrs.Attributes.NumberOfNotificationsDelivered, '1');
      await cli('sns', 'delete-topic', '--topic-arn', TopicArn);
      const topics = (await cli('sns', 'list-topics')) as { Topics: unknown[] };
      assert.deepEqual(topics.Topics, []);
    },
  );

  it('prints errors as AWS words them', async () => {
    const missing = await awsCli(server.url, [
      'sns',
      'get-topic-attributes',
      '--topic-arn',
      'arn:aws:sns:us-east-1:000000000000:cli-topic',
    ]);
    assert.notEqual(missing.code, 0);
    assert.match(
      missing.stderr,
      new RegExp(
        /An error occurred \(NotFound\) when calling the GetTopicAttributes /.source +
          /operation( \(reached max retries: \d+\))?: Topic does not exist/.source,
      ),
    );
    const name = await awsCli(server.url, ['sns', 'create-topic', '--name', 'no spaces']);
    assert.match(
      name.stderr,
      new RegExp(
        /\(InvalidParameter\) when calling the CreateTopic /.source +
          /operation( \(reached max retries: \d+\))?: Invalid parameter: Topic Name/.source,
      ),
    );
    const email = await awsCli(server.url, [
      'sns',
      'subscribe',
      '--topic-arn',
      'arn:aws:sns:us-east-1:000000000000:nope',
      '--protocol',
      'email',
      '--notification-endpoint',
      'a@example.com',
    ]);
    assert.match(
      email.stderr,
      /\(NotFound\) when calling the Subscribe operation( \(reached max retries: \d+\))?: Topic does not exist/,
    );
  });
});

// A service the endpoint does not serve: the caller's own client must be able to read the error, so it
// comes in that client's protocol (JSON 1.0/1.1, REST-JSON, query XML, S3 XML) and names the service.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CognitoIdentityClient, GetIdCommand } from '@aws-sdk/nested-clients/cognito-identity';
import { signHeaders } from '../../../local-aws/core/sigv4.ts';
import { awsCli, needsAwsCli, ROOT, startTestServer, type TestServer } from '../../support/local-aws.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stopAndRemove();
});

const SERVED = /it serves s3, iam, sts, logs, lambda and sns/;

async function signed(
  service: string,
  init: { method: string; path: string; headers: Record<string, string>; body?: string },
) {
  const url = new URL(server.url + init.path);
  const body = init.body ?? '';
  const headers = signHeaders({
    method: init.method,
    url,
    headers: init.headers,
    body,
    region: 'us-east-1',
    service,
    ...ROOT,
  });
  return fetch(url, { method: init.method, headers, body: init.method === 'GET' ? undefined : body });
}

describe('a service the endpoint does not serve', () => {
  const skip = needsAwsCli('test/local-aws/core/unknown-service.test.ts');
  it(
    'the real aws-cli reads the message for JSON 1.0 (dynamodb), SQS and REST-JSON (apigateway)',
    { skip },
    async () => {
      // SQS speaks JSON 1.0 in aws-cli v1 1.3x+ and query XML in older v2 (2.9): both must parse.
      const cases: Array<[string[], string]> = [
        [['dynamodb', 'list-tables'], 'dynamodb'],
        [['sqs', 'list-queues'], 'sqs'],
        [['apigateway', 'get-rest-apis'], 'apigateway'],
      ];
      await Promise.all(
        cases.map(async ([args, name]) => {
          const r = await awsCli(server.url, args);
          assert.notEqual(r.code, 0, args.join(' '));
          assert.match(r.stderr, /An error occurred \(UnknownService\)/, r.stderr);
          assert.match(r.stderr, new RegExp(`does not serve the service "${name}"`), r.stderr);
          assert.match(r.stderr, SERVED);
        }),
      );
    },
  );

  it('the real SDK (an unsigned Cognito Identity call, JSON 1.1) gets UnknownService naming the target', async () => {
    const client = new CognitoIdentityClient({ endpoint: server.url, region: 'us-east-1', maxAttempts: 1 });
    await assert.rejects(
      client.send(new GetIdCommand({ IdentityPoolId: 'us-east-1:00000000-0000-0000-0000-000000000000' })),
      (e: Error) => {
        assert.equal(e.name, 'UnknownService');
        assert.match(e.message, /does not serve the service of X-Amz-Target "AWSCognitoIdentityService\.GetId"/);
        assert.match(e.message, SERVED);
        return true;
      },
    );
  });

  it('answers each protocol in its own envelope', async () => {
    const json10 = await signed('dynamodb', {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
      body: '{}',
    });
    assert.equal(json10.status, 400);
    assert.equal(json10.headers.get('content-type'), 'application/x-amz-json-1.0');
    const j = (await json10.json()) as { __type: string; message: string };
    assert.equal(j.__type, 'UnknownService');
    assert.match(j.message, /"dynamodb"/);

    const query = await signed('sqs', {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: 'Action=ListQueues&Version=2012-11-05',
    });
    assert.equal(query.status, 400);
    assert.match(
      await query.text(),
      /<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>UnknownService<\/Code><Message>[^<]*&quot;sqs&quot;/,
    );

    const restJson = await signed('apigateway', { method: 'GET', path: '/restapis', headers: {} });
    assert.equal(restJson.headers.get('x-amzn-errortype'), 'UnknownService');
    assert.match(((await restJson.json()) as { message: string }).message, /"apigateway"/);

    const restXml = await signed('route53', { method: 'GET', path: '/2013-04-01/hostedzone', headers: {} });
    assert.match(await restXml.text(), /<Error><Code>UnknownService<\/Code><Message>[^<]*&quot;route53&quot;/);
  });
});

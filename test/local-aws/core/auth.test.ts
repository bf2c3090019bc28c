// SigV4 authentication through the real clients, plus hand-made requests the SDK would never send.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { signHeaders } from '../../../local-aws/core/sigv4.ts';
import { awsCli, needsAwsCli, ROOT, startTestServer, type TestServer } from '../../support/local-aws.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stopAndRemove();
});

describe('SigV4 authentication', () => {
  it('accepts the local root credentials from the SDK', async () => {
    const sts = new STSClient(server.clientConfig());
    const id = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(id.Account, '000000000000');
    assert.equal(id.Arn, 'arn:aws:iam::000000000000:root');
  });

  it('accepts any region in the credential scope', async () => {
    const sts = new STSClient(server.clientConfig({ region: 'eu-west-3' }));
    assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Account, '000000000000');
  });

  it('refuses a wrong secret with SignatureDoesNotMatch', async () => {
    const sts = new STSClient(server.clientConfig({ credentials: { accessKeyId: 'test', secretAccessKey: 'nope' } }));
    await assert.rejects(sts.send(new GetCallerIdentityCommand({})), { name: 'SignatureDoesNotMatch' });
  });

  it('refuses an unknown key with InvalidClientTokenId', async () => {
    const sts = new STSClient(
      server.clientConfig({ credentials: { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' } }),
    );
    await assert.rejects(sts.send(new GetCallerIdentityCommand({})), { name: 'InvalidClientTokenId' });
  });

  it('refuses an unsigned request', async () => {
    const res = await fetch(server.url + '/', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    assert.equal(res.status, 403);
    assert.match(await res.text(), /<Code>MissingAuthenticationToken<\/Code>/);
  });

  it('refuses a request signed 16 minutes ago', async () => {
    const url = new URL(server.url + '/');
    const body = 'Action=GetCallerIdentity&Version=2011-06-15';
    const headers = signHeaders({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      region: 'us-east-1',
      service: 'sts',
      ...ROOT,
      date: new Date(Date.now() - 16 * 60 * 1000),
    });
    const res = await fetch(url, { method: 'POST', headers, body });
    assert.equal(res.status, 403);
    assert.match(await res.text(), /Signature expired/);
  });

  it('refuses an S3 request signed 16 minutes ago with RequestTimeTooSkewed', async () => {
    const url = new URL(server.url + '/');
    const signedAt = new Date(Date.now() - 16 * 60 * 1000);
    const headers = signHeaders({
      method: 'GET',
      url,
      headers: {},
      body: '',
      region: 'us-east-1',
      service: 's3',
      ...ROOT,
      date: signedAt,
    });
    const res = await fetch(url, { headers });
    assert.equal(res.status, 403);
    const text = await res.text();
    assert.match(text, /<Code>RequestTimeTooSkewed<\/Code>/);
    assert.match(
      text,
      /<Message>The difference between the request time and the current time is too large\.<\/Message>/,
    );
    assert.match(text, new RegExp(`<RequestTime>${headers['x-amz-date']}</RequestTime>`));
    assert.match(text, /<MaxAllowedSkewMilliseconds>900000<\/MaxAllowedSkewMilliseconds>/);
    // The same request signed now is accepted: only the time was wrong.
    const fresh = signHeaders({
      method: 'GET',
      url,
      headers: {},
      body: '',
      region: 'us-east-1',
      service: 's3',
      ...ROOT,
    });
    assert.equal((await fetch(url, { headers: fresh })).status, 200);
  });

  const cliSkip = needsAwsCli('test/local-aws/core/auth.test.ts: the real aws-cli');
  it('answers the real aws-cli, and refuses it with a wrong secret', { skip: cliSkip }, async () => {
    const ok = await awsCli(server.url, ['sts', 'get-caller-identity']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).Account, '000000000000');
    const bad = await awsCli(server.url, ['sts', 'get-caller-identity'], {
      credentials: { accessKeyId: 'test', secretAccessKey: 'wrong' },
    });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /SignatureDoesNotMatch/);
  });
});

describe('every service refuses wrong and missing signatures', () => {
  const wrong = { accessKeyId: 'test', secretAccessKey: 'not-the-secret' };
  const unknown = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' };
  // One harmless read per service, through its real SDK client.
  const calls: Array<[string, (creds: typeof wrong) => Promise<unknown>, string, string]> = [
    [
      's3',
      (c) => new S3Client({ ...server.clientConfig({ credentials: c }) }).send(new ListBucketsCommand({})),
      'SignatureDoesNotMatch',
      'InvalidAccessKeyId',
    ],
    [
      'iam',
      (c) => new IAMClient(server.clientConfig({ credentials: c })).send(new ListRolesCommand({})),
      'SignatureDoesNotMatch',
      'InvalidClientTokenId',
    ],
    [
      'sts',
      (c) => new STSClient(server.clientConfig({ credentials: c })).send(new GetCallerIdentityCommand({})),
      'SignatureDoesNotMatch',
      'InvalidClientTokenId',
    ],
    [
      'logs',
      (c) => new CloudWatchLogsClient(server.clientConfig({ credentials: c })).send(new DescribeLogGroupsCommand({})),
      'InvalidSignatureException',
      'UnrecognizedClientException',
    ],
    [
      'lambda',
      (c) => new LambdaClient(server.clientConfig({ credentials: c })).send(new ListFunctionsCommand({})),
      'InvalidSignatureException',
      'UnrecognizedClientException',
    ],
    [
      'sns',
      (c) => new SNSClient(server.clientConfig({ credentials: c })).send(new ListTopicsCommand({})),
      'SignatureDoesNotMatch',
      'InvalidClientTokenId',
    ],
  ];
  for (const [service, call, badSignature, badKey] of calls) {
    it(`${service}: wrong secret -> ${badSignature}, unknown key -> ${badKey}`, async () => {
      await assert.rejects(call(wrong), { name: badSignature });
      await assert.rejects(call(unknown), { name: badKey });
      await call(ROOT);
    });
  }

  it("an unsigned request gets each service's own refusal", async () => {
    const cases: Array<[RequestInit & { path: string }, number, RegExp]> = [
      [{ path: '/', method: 'GET' }, 403, /<Code>AccessDenied<\/Code>/],
      [
        {
          path: '/',
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'Action=ListRoles&Version=2010-05-08',
        },
        403,
        /MissingAuthenticationToken/,
      ],
      [
        {
          path: '/',
          method: 'POST',
          headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Logs_20140328.DescribeLogGroups' },
          body: '{}',
        },
        400,
        /MissingAuthenticationTokenException/,
      ],
      [{ path: '/2015-03-31/functions/', method: 'GET' }, 403, /MissingAuthenticationTokenException/],
      [
        {
          path: '/',
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'Action=ListTopics&Version=2010-03-31',
        },
        403,
        new RegExp(
          /xmlns="http:\/\/sns\.amazonaws\.com\/doc\/2010-03-31\/">/.source +
            /<Error><Type>Sender<\/Type><Code>MissingAuthenticationToken</.source,
        ),
      ],
    ];
    for (const [{ path, ...init }, status, body] of cases) {
      const res = await fetch(server.url + path, init);
      assert.equal(res.status, status, path);
      assert.match((await res.text()) + (res.headers.get('x-amzn-errortype') ?? ''), body);
    }
  });
});

describe('SNS (query protocol) request errors', () => {
  async function sns(body: string): Promise<{ status: number; text: string }> {
    const url = new URL(server.url + '/');
    const headers = signHeaders({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
      region: 'us-east-1',
      service: 'sns',
      ...ROOT,
    });
    const res = await fetch(url, { method: 'POST', headers, body });
    return { status: res.status, text: await res.text() };
  }

  it('an unknown action -> 400 InvalidAction', async () => {
    const r = await sns('Action=ListQueues&Version=2010-03-31');
    assert.equal(r.status, 400);
    assert.match(
      r.text,
      /<Code>InvalidAction<\/Code><Message>Could not find operation ListQueues for version 2010-03-31/,
    );
  });

  it('a missing required member -> 400 ValidationError naming it', async () => {
    const r = await sns('Action=CreateTopic&Version=2010-03-31');
    assert.equal(r.status, 400);
    assert.match(
      r.text,
      new RegExp(
        /<Code>ValidationError<\/Code><Message>1 validation error detected: Value null /.source +
          /at &apos;name&apos; failed to satisfy constraint: Member must not be null/.source,
      ),
    );
  });
});

// Security and hostile input for CloudWatch Logs: wrong secrets, unsigned requests, broken JSON bodies,
// unknown targets, wrong types and absurd values. Each must be an AWS-style 4xx, never a 500.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  GetLogEventsCommand,
  ListTagsLogGroupCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { signHeaders } from '../../../local-aws/core/sigv4.ts';
import { ROOT, startTestServer, type Credentials, type TestServer } from '../../support/local-aws.ts';

let server: TestServer;
let logs: CloudWatchLogsClient;
before(async () => {
  server = await startTestServer();
  logs = new CloudWatchLogsClient(server.clientConfig());
  await logs.send(new CreateLogGroupCommand({ logGroupName: 'g' }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: 'g', logStreamName: 's' }));
});
after(async () => {
  await server.stopAndRemove();
});

/** POSTs a JSON 1.1 request with any target and body, signed (or not). */
async function call(target: string, body: string | Buffer, opts: { creds?: Credentials; unsigned?: boolean } = {}) {
  const url = new URL(server.url + '/');
  const base = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target };
  const headers = opts.unsigned
    ? base
    : signHeaders({
        method: 'POST',
        url,
        headers: base,
        body,
        region: 'us-east-1',
        service: 'logs',
        ...(opts.creds ?? ROOT),
      });
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  let parsed: { __type?: string; message?: string } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    // not JSON: the assertions below report it
  }
  return { status: res.status, type: parsed.__type, message: parsed.message, text };
}

describe('Logs refuses bad credentials', () => {
  it('refuses a wrong secret, an unknown key and an unsigned request', async () => {
    await assert.rejects(
      new CloudWatchLogsClient(
        server.clientConfig({ credentials: { accessKeyId: 'test', secretAccessKey: 'wrong' } }),
      ).send(new DescribeLogGroupsCommand({})),
      { name: 'InvalidSignatureException' },
    );
    await assert.rejects(
      new CloudWatchLogsClient(
        server.clientConfig({ credentials: { accessKeyId: 'AKIANOSUCHKEY0000000', secretAccessKey: 'x' } }),
      ).send(new DescribeLogGroupsCommand({})),
      { name: 'UnrecognizedClientException' },
    );
    const unsigned = await call('Logs_20140328.DescribeLogGroups', '{}', { unsigned: true });
    assert.equal(unsigned.status, 400);
    assert.equal(unsigned.type, 'MissingAuthenticationTokenException');
  });
});

describe('Logs refuses broken and absurd input with 4xx', () => {
  it('answers broken JSON with SerializationException and unknown targets by name', async () => {
    for (const body of ['{"logGroupName":', 'not json', '[]', '"string"', '12', Buffer.from([0xff, 0x00, 0xfe])]) {
      const r = await call('Logs_20140328.CreateLogGroup', body);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.type, 'SerializationException', r.text);
    }
    for (const target of [
      'Logs_20140328.Frobnicate',
      'Logs_20140328.constructor',
      'Logs_20140328.__proto__',
      'Logs_20140328.hasOwnProperty',
    ]) {
      const r = await call(target, '{}');
      assert.equal(r.status, 400, r.text);
      assert.equal(r.type, 'UnknownOperationException');
      assert.match(r.message!, new RegExp(target.split('.')[1]!));
    }
    const wrongPrefix = await call('Kinesis_20131202.ListStreams', '{}');
    assert.equal(wrongPrefix.status, 400);
    assert.equal(wrongPrefix.type, 'UnknownOperationException');
  });

  it('answers wrong types and absurd values with 400s', async () => {
    const cases: Array<[string, object | string, string]> = [
      ['CreateLogGroup', { logGroupName: 123 }, 'SerializationException'],
      ['CreateLogGroup', {}, 'InvalidParameterException'],
      ['CreateLogGroup', { logGroupName: 'bad name with spaces' }, 'InvalidParameterException'],
      ['CreateLogGroup', { logGroupName: 'x'.repeat(513) }, 'InvalidParameterException'],
      ['CreateLogGroup', { logGroupName: 'tags', tags: ['a'] }, 'SerializationException'],
      ['CreateLogGroup', { logGroupName: 'tags', tags: { 'aws:reserved': 'x' } }, 'InvalidParameterException'],
      ['DescribeLogGroups', { limit: '10' }, 'SerializationException'],
      ['DescribeLogGroups', { limit: 0 }, 'InvalidParameterException'],
      ['DescribeLogGroups', { limit: 1e20 }, 'SerializationException'],
      ['DescribeLogGroups', { nextToken: '!!!garbage!!!' }, 'InvalidParameterException'],
      ['DescribeLogStreams', { logGroupName: 'g', orderBy: 'Size' }, 'InvalidParameterException'],
      [
        'DescribeLogStreams',
        { logGroupIdentifier: 'arn:aws:logs:us-east-1:999999999999:log-group:g' },
        'ResourceNotFoundException',
      ],
      ['PutLogEvents', { logGroupName: 'g', logStreamName: 's', logEvents: 'x' }, 'SerializationException'],
      ['PutLogEvents', { logGroupName: 'g', logStreamName: 's', logEvents: [] }, 'InvalidParameterException'],
      [
        'PutLogEvents',
        { logGroupName: 'g', logStreamName: 's', logEvents: [{ timestamp: -5, message: 'x' }] },
        'InvalidParameterException',
      ],
      [
        'PutLogEvents',
        { logGroupName: 'g', logStreamName: 's', logEvents: [{ timestamp: 1.5, message: 'x' }] },
        'SerializationException',
      ],
      [
        'PutLogEvents',
        { logGroupName: 'g', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: '' }] },
        'InvalidParameterException',
      ],
      [
        'PutLogEvents',
        { logGroupName: 'g', logStreamName: 's', logEvents: [{ message: 'no time' }] },
        'InvalidParameterException',
      ],
      [
        'PutLogEvents',
        {
          logGroupName: 'g',
          logStreamName: 's',
          logEvents: Array.from({ length: 10001 }, () => ({ timestamp: Date.now(), message: 'x' })),
        },
        'InvalidParameterException',
      ],
      [
        'PutLogEvents',
        { logGroupName: 'g', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: 'x'.repeat(1048577) }] },
        'InvalidParameterException',
      ],
      [
        'GetLogEvents',
        { logGroupName: 'g', logStreamName: 's', nextToken: 'b/../../etc/passwd/s' },
        'InvalidParameterException',
      ],
      ['GetLogEvents', { logGroupName: 'g', logStreamName: 's', limit: -1 }, 'InvalidParameterException'],
      ['GetLogEvents', { logGroupName: 'g', logGroupIdentifier: 'g', logStreamName: 's' }, 'InvalidParameterException'],
      ['FilterLogEvents', { logGroupName: 'g', filterPattern: `{ ${'('.repeat(400)}$.a = 1${')'.repeat(400)} }` }, ''],
      ['FilterLogEvents', { logGroupName: 'g', filterPattern: '{ $.a ~ 1 }' }, 'InvalidParameterException'],
      ['FilterLogEvents', { logGroupName: 'g', filterPattern: '"unterminated' }, 'InvalidParameterException'],
      ['FilterLogEvents', { logGroupName: 'g', filterPattern: '[ip, user' }, 'InvalidParameterException'],
      ['FilterLogEvents', { logGroupName: 'g', filterPattern: '[ip, bytes > big]' }, 'InvalidParameterException'],
      ['FilterLogEvents', { logGroupName: 'g', filterPattern: '%(ERROR)%' }, 'InvalidParameterException'],
      [
        'FilterLogEvents',
        { logGroupName: 'g', logStreamNames: ['s'], logStreamNamePrefix: 's' },
        'InvalidParameterException',
      ],
      ['FilterLogEvents', { logGroupName: 'g', logStreamNames: [] }, 'InvalidParameterException'],
      ['PutRetentionPolicy', { logGroupName: 'g', retentionInDays: 1e300 }, 'SerializationException'],
      ['TagResource', { resourceArn: 'arn:aws:s3:::bucket', tags: { a: 'b' } }, 'InvalidParameterException'],
    ];
    for (const [op, body, expected] of cases) {
      const r = await call(`Logs_20140328.${op}`, typeof body === 'string' ? body : JSON.stringify(body));
      const label = `${op} ${JSON.stringify(body).slice(0, 100)}`;
      if (expected === '') {
        assert.equal(r.status, 200, `${label}: ${r.text.slice(0, 300)}`);
        continue;
      }
      assert.equal(r.status, 400, `${label}: ${r.text.slice(0, 300)}`);
      assert.equal(r.type, expected, `${label}: ${r.message}`);
    }
  });

  it('treats names that are JavaScript object internals as plain names', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '__proto__', tags: { constructor: 'x' } }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: '__proto__', logStreamName: '__proto__' }));
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: '__proto__',
        logStreamName: '__proto__',
        logEvents: [{ timestamp: Date.now(), message: 'safe' }],
      }),
    );
    const got = await logs.send(new GetLogEventsCommand({ logGroupName: '__proto__', logStreamName: '__proto__' }));
    assert.deepEqual(
      got.events!.map((e) => e.message),
      ['safe'],
    );
    assert.deepEqual((await logs.send(new ListTagsLogGroupCommand({ logGroupName: '__proto__' }))).tags, {
      constructor: 'x',
    });
  });

  it('answers writes racing a stream deletion with success or ResourceNotFoundException, never a 500', async () => {
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'g', logStreamName: 'doomed' }));
    const writes = Array.from({ length: 30 }, (_, i) =>
      call(
        'Logs_20140328.PutLogEvents',
        JSON.stringify({
          logGroupName: 'g',
          logStreamName: 'doomed',
          logEvents: [{ timestamp: Date.now(), message: `w${i}` }],
        }),
      ),
    );
    const del = call('Logs_20140328.DeleteLogStream', JSON.stringify({ logGroupName: 'g', logStreamName: 'doomed' }));
    for (const r of await Promise.all(writes)) {
      assert.ok(r.status === 200 || r.type === 'ResourceNotFoundException', r.text);
    }
    assert.equal((await del).status, 200);
  });

  it('keeps working normally afterwards', async () => {
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'g',
        logStreamName: 's',
        logEvents: [{ timestamp: Date.now(), message: 'still fine' }],
      }),
    );
    const got = await logs.send(new GetLogEventsCommand({ logGroupName: 'g', logStreamName: 's' }));
    assert.deepEqual(
      got.events!.map((e) => e.message),
      ['still fine'],
    );
    const groups = (await logs.send(new DescribeLogGroupsCommand({}))).logGroups!.map((g) => g.logGroupName);
    assert.deepEqual(groups, ['__proto__', 'g']);
  });
});

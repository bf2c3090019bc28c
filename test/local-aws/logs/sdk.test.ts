// CloudWatch Logs through the real @aws-sdk/client-cloudwatch-logs: groups, streams, retention, tags,
// PutLogEvents rules, GetLogEvents tokens, FilterLogEvents patterns and paging, durability, and the
// store methods Lambda calls directly.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteLogStreamCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  ListTagsForResourceCommand,
  ListTagsLogGroupCommand,
  paginateFilterLogEvents,
  paginateGetLogEvents,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  TagLogGroupCommand,
  TagResourceCommand,
  UntagLogGroupCommand,
  type FilteredLogEvent,
  type OutputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { startTestServer, type TestServer } from '../../support/local-aws.ts';

const ACCOUNT = '000000000000';
let server: TestServer;
let logs: CloudWatchLogsClient;

before(async () => {
  server = await startTestServer();
  logs = new CloudWatchLogsClient(server.clientConfig());
});
after(async () => {
  await server.stopAndRemove();
});

async function groupWithStream(group: string, stream: string): Promise<void> {
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
}

describe('log groups', () => {
  it('creates, describes (prefix, pattern, paging) and deletes groups', async () => {
    for (const n of ['/aws/lambda/alpha', '/aws/lambda/beta', '/aws/lambda/gamma', '/other/AlphaBeta']) {
      await logs.send(new CreateLogGroupCommand({ logGroupName: n }));
    }
    await assert.rejects(logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/lambda/alpha' })), {
      name: 'ResourceAlreadyExistsException',
      message: 'The specified log group already exists',
    });
    const byPrefix = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/' }));
    assert.deepEqual(
      byPrefix.logGroups!.map((g) => g.logGroupName),
      ['/aws/lambda/alpha', '/aws/lambda/beta', '/aws/lambda/gamma'],
    );
    const g = byPrefix.logGroups![0]!;
    assert.equal(g.arn, `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/lambda/alpha:*`);
    assert.equal(g.logGroupArn, `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/lambda/alpha`);
    assert.ok(Math.abs(g.creationTime! - Date.now()) < 60_000);
    assert.equal(g.retentionInDays, undefined);

    const byPattern = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: 'lpha' }));
    assert.deepEqual(
      byPattern.logGroups!.map((x) => x.logGroupName),
      ['/aws/lambda/alpha', '/other/AlphaBeta'],
    );
    await assert.rejects(
      logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: 'a', logGroupNamePrefix: '/' })),
      {
        name: 'InvalidParameterException',
      },
    );

    const p1 = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/', limit: 2 }));
    assert.equal(p1.logGroups!.length, 2);
    assert.ok(p1.nextToken);
    const p2 = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/', limit: 2, nextToken: p1.nextToken }),
    );
    assert.deepEqual(
      p2.logGroups!.map((x) => x.logGroupName),
      ['/aws/lambda/gamma'],
    );
    assert.equal(p2.nextToken, undefined);

    await logs.send(new DeleteLogGroupCommand({ logGroupName: '/aws/lambda/gamma' }));
    await assert.rejects(logs.send(new DeleteLogGroupCommand({ logGroupName: '/aws/lambda/gamma' })), {
      name: 'ResourceNotFoundException',
      message: 'The specified log group does not exist.',
    });
  });

  it('keeps groups per region', async () => {
    const eu = new CloudWatchLogsClient(server.clientConfig({ region: 'eu-west-1' }));
    await eu.send(new CreateLogGroupCommand({ logGroupName: '/aws/lambda/alpha' }));
    const euGroups = (await eu.send(new DescribeLogGroupsCommand({}))).logGroups!;
    assert.deepEqual(
      euGroups.map((g) => g.logGroupArn),
      [`arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/aws/lambda/alpha`],
    );
    await eu.send(new DeleteLogGroupCommand({ logGroupName: '/aws/lambda/alpha' }));
    assert.ok(
      (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/alpha' }))).logGroups!.length ===
        1,
    );
  });

  it('sets and removes retention, validating the value', async () => {
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: '/aws/lambda/beta', retentionInDays: 7 }));
    const g = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/beta' })))
      .logGroups![0]!;
    assert.equal(g.retentionInDays, 7);
    await assert.rejects(
      logs.send(new PutRetentionPolicyCommand({ logGroupName: '/aws/lambda/beta', retentionInDays: 2 })),
      {
        name: 'InvalidParameterException',
        message: /retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: \[1, 3, 5, 7/,
      },
    );
    await assert.rejects(logs.send(new PutRetentionPolicyCommand({ logGroupName: '/nope', retentionInDays: 1 })), {
      name: 'ResourceNotFoundException',
    });
    await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: '/aws/lambda/beta' }));
    const again = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/beta' })))
      .logGroups![0]!;
    assert.equal(again.retentionInDays, undefined);
  });

  it('tags groups by name and by ARN', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'tagged', tags: { team: 'a', env: 'dev' } }));
    await logs.send(new TagLogGroupCommand({ logGroupName: 'tagged', tags: { env: 'prod' } }));
    await logs.send(new UntagLogGroupCommand({ logGroupName: 'tagged', tags: ['team'] }));
    assert.deepEqual((await logs.send(new ListTagsLogGroupCommand({ logGroupName: 'tagged' }))).tags, { env: 'prod' });
    const arn = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:tagged`;
    await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { x: 'y' } }));
    assert.deepEqual((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, {
      env: 'prod',
      x: 'y',
    });
    await assert.rejects(logs.send(new ListTagsForResourceCommand({ resourceArn: `${arn}-missing` })), {
      name: 'ResourceNotFoundException',
    });
  });
});

describe('log streams and events', () => {
  it('creates, describes (order, paging, event times) and deletes streams', async () => {
    await groupWithStream('streams', 'b-stream');
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'streams', logStreamName: 'a-stream' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'streams', logStreamName: 'c-stream' }));
    await assert.rejects(
      logs.send(new CreateLogStreamCommand({ logGroupName: 'streams', logStreamName: 'a-stream' })),
      {
        name: 'ResourceAlreadyExistsException',
        message: 'The specified log stream already exists',
      },
    );
    await assert.rejects(logs.send(new CreateLogStreamCommand({ logGroupName: 'no-group', logStreamName: 'x' })), {
      name: 'ResourceNotFoundException',
      message: 'The specified log group does not exist.',
    });
    await assert.rejects(
      logs.send(new CreateLogStreamCommand({ logGroupName: 'streams', logStreamName: 'bad:name' })),
      {
        name: 'InvalidParameterException',
      },
    );
    const now = Date.now();
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'streams',
        logStreamName: 'c-stream',
        logEvents: [{ timestamp: now - 2000, message: 'c' }],
      }),
    );
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'streams',
        logStreamName: 'a-stream',
        logEvents: [
          { timestamp: now - 1000, message: 'a' },
          { timestamp: now, message: 'a2' },
        ],
      }),
    );

    const byName = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'streams' }))).logStreams!;
    assert.deepEqual(
      byName.map((s) => s.logStreamName),
      ['a-stream', 'b-stream', 'c-stream'],
    );
    const a = byName[0]!;
    assert.equal(a.firstEventTimestamp, now - 1000);
    assert.equal(a.lastEventTimestamp, now);
    assert.ok(a.lastIngestionTime! >= now - 5000);
    assert.equal(a.arn, `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:streams:log-stream:a-stream`);
    assert.equal(byName[1]!.firstEventTimestamp, undefined);

    const byTime = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: 'streams', orderBy: 'LastEventTime', descending: true, limit: 2 }),
    );
    assert.deepEqual(
      byTime.logStreams!.map((s) => s.logStreamName),
      ['a-stream', 'c-stream'],
    );
    const rest = await logs.send(
      new DescribeLogStreamsCommand({
        logGroupName: 'streams',
        orderBy: 'LastEventTime',
        descending: true,
        limit: 2,
        nextToken: byTime.nextToken,
      }),
    );
    assert.deepEqual(
      rest.logStreams!.map((s) => s.logStreamName),
      ['b-stream'],
    );
    const prefixed = await logs.send(
      new DescribeLogStreamsCommand({
        logGroupIdentifier: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:streams`,
        logStreamNamePrefix: 'b',
      }),
    );
    assert.deepEqual(
      prefixed.logStreams!.map((s) => s.logStreamName),
      ['b-stream'],
    );
    await assert.rejects(
      logs.send(
        new DescribeLogStreamsCommand({ logGroupName: 'streams', orderBy: 'LastEventTime', logStreamNamePrefix: 'b' }),
      ),
      {
        name: 'InvalidParameterException',
      },
    );

    await logs.send(new DeleteLogStreamCommand({ logGroupName: 'streams', logStreamName: 'b-stream' }));
    await assert.rejects(
      logs.send(new DeleteLogStreamCommand({ logGroupName: 'streams', logStreamName: 'b-stream' })),
      {
        name: 'ResourceNotFoundException',
        message: 'The specified log stream does not exist.',
      },
    );
  });

  it('applies the PutLogEvents rules and never complains about sequence tokens', async () => {
    await groupWithStream('rules', 's');
    const now = Date.now();
    await assert.rejects(
      logs.send(
        new PutLogEventsCommand({
          logGroupName: 'rules',
          logStreamName: 's',
          logEvents: [
            { timestamp: now, message: 'b' },
            { timestamp: now - 1, message: 'a' },
          ],
        }),
      ),
      {
        name: 'InvalidParameterException',
        message: 'Log events in a single PutLogEvents request must be in chronological order.',
      },
    );
    await assert.rejects(
      logs.send(
        new PutLogEventsCommand({
          logGroupName: 'rules',
          logStreamName: 'nope',
          logEvents: [{ timestamp: now, message: 'x' }],
        }),
      ),
      {
        name: 'ResourceNotFoundException',
        message: 'The specified log stream does not exist.',
      },
    );
    const day = 24 * 3600 * 1000;
    const mixed = await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'rules',
        logStreamName: 's',
        sequenceToken: 'whatever-stale-token',
        logEvents: [
          { timestamp: now - 14 * day - 3600_000, message: 'too old' },
          { timestamp: now - 14 * day + 3600_000, message: 'kept 1' },
          { timestamp: now - 14 * day + 4 * 3600_000, message: 'kept 2' },
        ],
      }),
    );
    assert.ok(mixed.nextSequenceToken);
    assert.deepEqual(mixed.rejectedLogEventsInfo, { tooOldLogEventEndIndex: 1 });
    const future = await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'rules',
        logStreamName: 's',
        logEvents: [
          { timestamp: now, message: 'now' },
          { timestamp: now + 3 * 3600_000, message: 'too new' },
        ],
      }),
    );
    assert.deepEqual(future.rejectedLogEventsInfo, { tooNewLogEventStartIndex: 1 });
    const all = await logs.send(
      new GetLogEventsCommand({ logGroupName: 'rules', logStreamName: 's', startFromHead: true }),
    );
    assert.deepEqual(
      all.events!.map((e) => e.message),
      ['kept 1', 'kept 2', 'now'],
    );

    await assert.rejects(
      logs.send(
        new PutLogEventsCommand({
          logGroupName: 'rules',
          logStreamName: 's',
          logEvents: [
            { timestamp: now - 2 * day, message: 'a' },
            { timestamp: now, message: 'b' },
          ],
        }),
      ),
      { name: 'InvalidParameterException', message: /cannot span more than 24 hours/ },
    );
    // parallel writers to one stream are all accepted
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        logs.send(
          new PutLogEventsCommand({
            logGroupName: 'rules',
            logStreamName: 's',
            logEvents: [{ timestamp: now + 1, message: `parallel-${i}` }],
          }),
        ),
      ),
    );
    const after = await logs.send(new FilterLogEventsCommand({ logGroupName: 'rules', filterPattern: 'parallel-' }));
    assert.equal(after.events!.length, 20);
  });

  it('pages GetLogEvents forward and backward; a repeated forward token marks the end', async () => {
    await groupWithStream('paging', 's');
    const t0 = Date.now() - 60_000;
    const logEvents = Array.from({ length: 25 }, (_, i) => ({ timestamp: t0 + i, message: `m${i}` }));
    await logs.send(new PutLogEventsCommand({ logGroupName: 'paging', logStreamName: 's', logEvents }));

    const newest = await logs.send(new GetLogEventsCommand({ logGroupName: 'paging', logStreamName: 's', limit: 5 }));
    assert.deepEqual(
      newest.events!.map((e) => e.message),
      ['m20', 'm21', 'm22', 'm23', 'm24'],
    );
    assert.match(newest.nextForwardToken!, /^f\/\d{56}\/s$/);
    assert.match(newest.nextBackwardToken!, /^b\/\d{56}\/s$/);
    const older = await logs.send(
      new GetLogEventsCommand({
        logGroupName: 'paging',
        logStreamName: 's',
        limit: 5,
        nextToken: newest.nextBackwardToken,
      }),
    );
    assert.deepEqual(
      older.events!.map((e) => e.message),
      ['m15', 'm16', 'm17', 'm18', 'm19'],
    );

    const seen: string[] = [];
    let token: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await logs.send(
        new GetLogEventsCommand({
          logGroupName: 'paging',
          logStreamName: 's',
          startFromHead: true,
          limit: 10,
          nextToken: token,
        }),
      );
      seen.push(...page.events!.map((e) => e.message!));
      if (page.nextForwardToken === token) break;
      token = page.nextForwardToken;
    }
    assert.deepEqual(
      seen,
      logEvents.map((e) => e.message),
    );
    // new events appear behind the end token
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'paging',
        logStreamName: 's',
        logEvents: [{ timestamp: t0 + 100, message: 'late' }],
      }),
    );
    const more = await logs.send(
      new GetLogEventsCommand({ logGroupName: 'paging', logStreamName: 's', startFromHead: true, nextToken: token }),
    );
    assert.deepEqual(
      more.events!.map((e) => e.message),
      ['late'],
    );

    const viaPaginator: OutputLogEvent[] = [];
    for await (const page of paginateGetLogEvents(
      { client: logs, stopOnSameToken: true, pageSize: 7 },
      { logGroupName: 'paging', logStreamName: 's', startFromHead: true },
    )) {
      viaPaginator.push(...page.events!);
    }
    assert.equal(viaPaginator.length, 26);

    const windowed = await logs.send(
      new GetLogEventsCommand({
        logGroupName: 'paging',
        logStreamName: 's',
        startTime: t0 + 3,
        endTime: t0 + 6,
        startFromHead: true,
      }),
    );
    assert.deepEqual(
      windowed.events!.map((e) => e.message),
      ['m3', 'm4', 'm5'],
    );

    await assert.rejects(
      logs.send(new GetLogEventsCommand({ logGroupName: 'paging', logStreamName: 's', nextToken: 'f/123/s' })),
      {
        name: 'InvalidParameterException',
        message: 'The specified nextToken is invalid.',
      },
    );
    await assert.rejects(
      logs.send(new GetLogEventsCommand({ logGroupName: 'paging', logStreamName: 's', limit: 10001 })),
      {
        name: 'InvalidParameterException',
        message:
          "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: " +
          'Member must have value less than or equal to 10000',
      },
    );
  });

  it('filters events across streams with patterns, time windows and paging', async () => {
    await groupWithStream('filter', 'one');
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'filter', logStreamName: 'two' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'filter', logStreamName: 'other' }));
    const t0 = Date.now() - 10_000;
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'filter',
        logStreamName: 'one',
        logEvents: [
          { timestamp: t0, message: 'START RequestId: 1' },
          { timestamp: t0 + 2, message: 'ERROR disk full' },
          { timestamp: t0 + 4, message: '{"level":"WARN","ms":250}' },
        ],
      }),
    );
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'filter',
        logStreamName: 'two',
        logEvents: [
          { timestamp: t0 + 1, message: 'WARN slow request' },
          { timestamp: t0 + 3, message: 'ERROR timeout after 3 s' },
          { timestamp: t0 + 5, message: '{"level":"ERROR","ms":50}' },
        ],
      }),
    );
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'filter',
        logStreamName: 'other',
        logEvents: [{ timestamp: t0 + 6, message: 'ERROR elsewhere' }],
      }),
    );

    const run = async (input: Omit<ConstructorParameters<typeof FilterLogEventsCommand>[0], 'logGroupName'>) =>
      (await logs.send(new FilterLogEventsCommand({ logGroupName: 'filter', ...input }))).events!.map((e) => e.message);

    const all = await logs.send(new FilterLogEventsCommand({ logGroupName: 'filter', interleaved: true }));
    assert.equal(all.events!.length, 7);
    assert.deepEqual(
      all.events!.map((e) => e.timestamp),
      [0, 1, 2, 3, 4, 5, 6].map((d) => t0 + d),
    );
    assert.deepEqual(
      all.events!.slice(0, 2).map((e) => e.logStreamName),
      ['one', 'two'],
    );
    assert.equal(new Set(all.events!.map((e) => e.eventId)).size, 7);
    for (const e of all.events!) assert.ok(e.eventId && e.ingestionTime && e.logStreamName);

    const jsonError = '{"level":"ERROR","ms":50}';
    assert.deepEqual(await run({ filterPattern: 'ERROR' }), [
      'ERROR disk full',
      'ERROR timeout after 3 s',
      jsonError,
      'ERROR elsewhere',
    ]);
    assert.deepEqual(await run({ filterPattern: 'ERROR -timeout' }), ['ERROR disk full', jsonError, 'ERROR elsewhere']);
    assert.deepEqual(await run({ filterPattern: '"disk full"' }), ['ERROR disk full']);
    assert.deepEqual(await run({ filterPattern: '"full disk"' }), []);
    assert.deepEqual(await run({ filterPattern: '?START ?slow' }), ['START RequestId: 1', 'WARN slow request']);
    assert.deepEqual(await run({ filterPattern: 'error' }), []);
    assert.deepEqual(await run({ filterPattern: '{ $.level = "ERROR" }' }), ['{"level":"ERROR","ms":50}']);
    assert.deepEqual(await run({ filterPattern: '[level = ERROR, what, ...]' }), [
      'ERROR disk full',
      'ERROR timeout after 3 s',
      'ERROR elsewhere',
    ]);
    assert.deepEqual(await run({ filterPattern: '%^ERROR [dt]%' }), ['ERROR disk full', 'ERROR timeout after 3 s']);
    assert.deepEqual(await run({ filterPattern: '{ $.ms > 100 || $.level = "ERR*" }' }), [
      '{"level":"WARN","ms":250}',
      '{"level":"ERROR","ms":50}',
    ]);
    assert.deepEqual(await run({ logStreamNames: ['two'], filterPattern: 'ERROR' }), [
      'ERROR timeout after 3 s',
      jsonError,
    ]);
    assert.deepEqual(await run({ logStreamNamePrefix: 'o', filterPattern: 'ERROR' }), [
      'ERROR disk full',
      'ERROR elsewhere',
    ]);
    assert.deepEqual(await run({ startTime: t0 + 2, endTime: t0 + 3 }), ['ERROR disk full', 'ERROR timeout after 3 s']);
    await assert.rejects(logs.send(new FilterLogEventsCommand({ logGroupName: 'filter', filterPattern: '{ $.x = ' })), {
      name: 'InvalidParameterException',
    });
    await assert.rejects(logs.send(new FilterLogEventsCommand({ logGroupName: 'filter', nextToken: 'garbage' })), {
      name: 'InvalidParameterException',
    });
    await assert.rejects(logs.send(new FilterLogEventsCommand({ logGroupName: 'nope' })), {
      name: 'ResourceNotFoundException',
    });

    const paged: FilteredLogEvent[] = [];
    let pages = 0;
    for await (const page of paginateFilterLogEvents({ client: logs, pageSize: 3 }, { logGroupName: 'filter' })) {
      paged.push(...page.events!);
      pages++;
    }
    assert.equal(pages, 3);
    assert.deepEqual(
      paged.map((e) => e.eventId),
      all.events!.map((e) => e.eventId),
    );
  });

  it('keeps groups, streams and events across a restart', async () => {
    const dataDir = server.dataDir;
    await server.close();
    server = await startTestServer({ dataDir });
    logs = new CloudWatchLogsClient(server.clientConfig());
    const events = await logs.send(
      new GetLogEventsCommand({ logGroupName: 'paging', logStreamName: 's', startFromHead: true }),
    );
    assert.equal(events.events!.length, 26);
    assert.equal(events.events![25]!.message, 'late');
    const filtered = await logs.send(new FilterLogEventsCommand({ logGroupName: 'filter', filterPattern: 'ERROR' }));
    assert.equal(filtered.events!.length, 4);
    assert.equal((await logs.send(new ListTagsLogGroupCommand({ logGroupName: 'tagged' }))).tags!.env, 'prod');
    // appending after a restart continues the stream
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'paging',
        logStreamName: 's',
        logEvents: [{ timestamp: Date.now(), message: 'after restart' }],
      }),
    );
    const last = await logs.send(new GetLogEventsCommand({ logGroupName: 'paging', logStreamName: 's', limit: 1 }));
    assert.equal(last.events![0]!.message, 'after restart');
  });
});

describe('store methods for Lambda', () => {
  it('ensures groups and streams and appends events that the API then shows', async () => {
    const store = server.backend.logs;
    assert.equal(store.hasLogGroup('us-east-1', '/aws/lambda/fn'), false);
    await store.ensureLogGroup('us-east-1', '/aws/lambda/fn');
    await store.ensureLogGroup('us-east-1', '/aws/lambda/fn');
    assert.equal(store.hasLogGroup('us-east-1', '/aws/lambda/fn'), true);
    assert.equal(store.hasLogGroup('eu-west-1', '/aws/lambda/fn'), false);
    await store.ensureLogStream('us-east-1', '/aws/lambda/fn', '2026/01/01/[$LATEST]abc');
    await store.ensureLogStream('us-east-1', '/aws/lambda/fn', '2026/01/01/[$LATEST]abc');
    const now = Date.now();
    await store.putLogEvents('us-east-1', '/aws/lambda/fn', '2026/01/01/[$LATEST]abc', [
      { timestamp: now, message: 'START RequestId: r1 Version: $LATEST\n' },
      { timestamp: now + 1, message: 'END RequestId: r1\n' },
    ]);
    const got = await logs.send(
      new GetLogEventsCommand({
        logGroupName: '/aws/lambda/fn',
        logStreamName: '2026/01/01/[$LATEST]abc',
        startFromHead: true,
      }),
    );
    assert.deepEqual(
      got.events!.map((e) => e.message),
      ['START RequestId: r1 Version: $LATEST\n', 'END RequestId: r1\n'],
    );
    await assert.rejects(store.ensureLogStream('us-east-1', '/aws/lambda/missing', 's'), {
      code: 'ResourceNotFoundException',
    });
  });
});

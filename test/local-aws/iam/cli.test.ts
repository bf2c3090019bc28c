// The real aws-cli (v1 or v2, whichever AWS_CLI names) against IAM, STS and Logs: the commands the
// walkthrough uses, policy documents decoded by the CLI, errors as the CLI prints them, `aws logs tail` (v2).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  AWS_CLI,
  awsCli,
  awsCliOk,
  HAS_AWS_CLI,
  needsAwsCli,
  startTestServer,
  type TestServer,
} from '../../support/local-aws.ts';

const ACCOUNT = '000000000000';
const TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'sts:AssumeRole' }],
};
const INLINE = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['logs:*'], Resource: '*' }] };
const BASIC = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
const skip = needsAwsCli('test/local-aws/iam/cli.test.ts');
const isV1 = HAS_AWS_CLI && /^aws-cli\/1\./.test(execFileSync(AWS_CLI, ['--version'], { encoding: 'utf8' }).trim());

let server: TestServer;
const aws = (...args: string[]) => awsCliOk(server.url, args);
const awsJson = async (...args: string[]) => JSON.parse(await aws(...args)) as Record<string, unknown>;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stopAndRemove();
});

describe(`aws-cli (${isV1 ? 'v1' : 'v2'}) with IAM, STS and Logs`, { concurrency: true, skip }, () => {
  it('creates a role, puts and attaches policies, refuses to delete it while attached, then deletes it', async () => {
    const created = (await awsJson(
      'iam',
      'create-role',
      '--role-name',
      'cli-role',
      '--assume-role-policy-document',
      JSON.stringify(TRUST),
    )) as {
      Role: { Arn: string; AssumeRolePolicyDocument: unknown };
    };
    assert.equal(created.Role.Arn, `arn:aws:iam::${ACCOUNT}:role/cli-role`);
    // the CLI URL-decodes the document and prints it as JSON
    assert.deepEqual(created.Role.AssumeRolePolicyDocument, TRUST);

    await aws(
      'iam',
      'put-role-policy',
      '--role-name',
      'cli-role',
      '--policy-name',
      'logs',
      '--policy-document',
      JSON.stringify(INLINE),
    );
    const inline = (await awsJson('iam', 'get-role-policy', '--role-name', 'cli-role', '--policy-name', 'logs')) as {
      PolicyDocument: unknown;
    };
    assert.deepEqual(inline.PolicyDocument, INLINE);
    await aws('iam', 'attach-role-policy', '--role-name', 'cli-role', '--policy-arn', BASIC);

    const refused = await awsCli(server.url, ['iam', 'delete-role', '--role-name', 'cli-role']);
    assert.notEqual(refused.code, 0);
    // (v2 adds "(reached max retries: 0)" to every error when AWS_MAX_ATTEMPTS=1)
    assert.match(
      refused.stderr,
      new RegExp(
        /An error occurred \(DeleteConflict\) when calling the DeleteRole /.source +
          /operation( \(reached max retries: 0\))?: Cannot delete entity, must detach all policies first\./.source,
      ),
    );

    // assume it before it goes: the CLI's session credentials work, then stop working
    const assumed = (await awsJson(
      'sts',
      'assume-role',
      '--role-arn',
      created.Role.Arn,
      '--role-session-name',
      'cli-session',
    )) as {
      Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
      AssumedRoleUser: { Arn: string };
    };
    assert.equal(assumed.AssumedRoleUser.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/cli-role/cli-session`);
    const credentials = {
      accessKeyId: assumed.Credentials.AccessKeyId,
      secretAccessKey: assumed.Credentials.SecretAccessKey,
      sessionToken: assumed.Credentials.SessionToken,
    };
    const who = JSON.parse(await awsCliOk(server.url, ['sts', 'get-caller-identity'], { credentials })) as {
      Arn: string;
    };
    assert.equal(who.Arn, assumed.AssumedRoleUser.Arn);

    await Promise.all([
      aws('iam', 'detach-role-policy', '--role-name', 'cli-role', '--policy-arn', BASIC),
      aws('iam', 'delete-role-policy', '--role-name', 'cli-role', '--policy-name', 'logs'),
    ]);
    await aws('iam', 'delete-role', '--role-name', 'cli-role');
    const gone = await awsCli(server.url, ['iam', 'get-role', '--role-name', 'cli-role']);
    assert.match(gone.stderr, /\(NoSuchEntity\).*The role with name cli-role cannot be found\./);
    const revoked = await awsCli(server.url, ['sts', 'get-caller-identity'], { credentials });
    assert.match(revoked.stderr, /InvalidClientTokenId/);
  });

  it('answers sts get-caller-identity for the root credentials', async () => {
    const id = (await awsJson('sts', 'get-caller-identity')) as { Account: string; Arn: string; UserId: string };
    assert.deepEqual(id, { UserId: ACCOUNT, Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:root` });
  });

  it('writes and reads logs (and tails them with v2)', async () => {
    await aws('logs', 'create-log-group', '--log-group-name', '/cli/app');
    await aws('logs', 'create-log-stream', '--log-group-name', '/cli/app', '--log-stream-name', 'main');
    const groups = (await awsJson('logs', 'describe-log-groups', '--log-group-name-prefix', '/cli/')) as {
      logGroups: Array<{ logGroupName: string }>;
    };
    assert.deepEqual(
      groups.logGroups.map((g) => g.logGroupName),
      ['/cli/app'],
    );
    const now = Date.now();
    const events = [
      { timestamp: now - 2, message: 'INFO starting' },
      { timestamp: now - 1, message: 'ERROR something broke' },
      { timestamp: now, message: 'INFO done' },
    ];
    await aws(
      'logs',
      'put-log-events',
      '--log-group-name',
      '/cli/app',
      '--log-stream-name',
      'main',
      '--log-events',
      JSON.stringify(events),
    );
    const got = (await awsJson(
      'logs',
      'get-log-events',
      '--log-group-name',
      '/cli/app',
      '--log-stream-name',
      'main',
      '--start-from-head',
    )) as {
      events: Array<{ message: string }>;
    };
    assert.deepEqual(
      got.events.map((e) => e.message),
      events.map((e) => e.message),
    );
    const filtered = (await awsJson(
      'logs',
      'filter-log-events',
      '--log-group-name',
      '/cli/app',
      '--filter-pattern',
      'ERROR',
    )) as {
      events: Array<{ message: string; logStreamName: string }>;
    };
    assert.deepEqual(
      filtered.events.map((e) => [e.logStreamName, e.message]),
      [['main', 'ERROR something broke']],
    );
    const missing = await awsCli(server.url, ['logs', 'create-log-group', '--log-group-name', '/cli/app']);
    assert.match(missing.stderr, /ResourceAlreadyExistsException/);

    if (isV1) return; // aws-cli v1 has no `logs tail`
    const tail = await aws('logs', 'tail', '/cli/app', '--since', '1h');
    const lines = tail.trim().split('\n');
    assert.equal(lines.length, 3, tail);
    assert.match(lines[1]!, /main ERROR something broke$/);
    const short = await aws(
      'logs',
      'tail',
      '/cli/app',
      '--since',
      '1h',
      '--filter-pattern',
      'INFO',
      '--format',
      'short',
    );
    assert.deepEqual(
      short
        .trim()
        .split('\n')
        .map((l) => l.replace(/^\S+\s/, '')),
      ['INFO starting', 'INFO done'],
    );
  });
});

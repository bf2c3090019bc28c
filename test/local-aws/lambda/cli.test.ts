// The walkthrough's Lambda steps with the real aws-cli (v1 or v2, `AWS_CLI`): role, function from a
// zip file, waiters, invoke with a log tail, updates, permission, tags, event invoke config, bucket
// notification and an upload that runs the function; plus the errors the CLI prints.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AWS_CLI,
  awsCli,
  awsCliOk,
  needsAwsCli,
  startTestServer,
  tempDir,
  type TestServer,
} from '../../support/local-aws.ts';
import { eventually, handlerZip, LAMBDA_TRUST } from '../../support/lambda-kit.ts';

let server: TestServer;
let dir: string;
const cliVersion = (bin: string): string => {
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return '';
  }
};
const isV2 = cliVersion(AWS_CLI).startsWith('aws-cli/2');
/**
 * A v2 aws-cli for the parts only v2 has (--cli-binary-format, `aws logs tail`): AWS_CLI when it is v2,
 * else AWS_CLI_V2 or a v2 at the usual places (Debian's /usr/bin/aws beside a v1 `aws` on PATH).
 */
const V2_CLI = isV2
  ? AWS_CLI
  : [process.env.AWS_CLI_V2, '/usr/bin/aws', '/usr/local/bin/aws'].find(
      (bin) => bin && fs.existsSync(bin) && cliVersion(bin).startsWith('aws-cli/2'),
    );

const aws = (args: string[]) => awsCliOk(server.url, args, { cwd: dir });
/** The CLI's JSON output (v2 prints nothing for an empty result). */
const awsJson = async <T>(args: string[]): Promise<T> => JSON.parse((await aws(args)) || '{}') as T;
/** How both CLIs word an error (v2 adds the retry count). */
const cliError = (code: string, op: string, message: string) =>
  new RegExp(
    `An error occurred \\(${code}\\) when calling the ${op} operation( \\(reached max retries: \\d+\\))?: ${message}`,
  );

/** `--payload` for the CLI in use: v2 wants raw JSON announced with --cli-binary-format, v1 takes it as is. */
function payloadArgs(json: string): string[] {
  return isV2 ? ['--cli-binary-format', 'raw-in-base64-out', '--payload', json] : ['--payload', json];
}

before(async () => {
  server = await startTestServer({ lambdaRetryDelaysMs: [50, 100] });
  dir = tempDir('lambda-cli-');
  fs.writeFileSync(path.join(dir, 'fn.zip'), handlerZip());
  fs.writeFileSync(path.join(dir, 'fn2.zip'), handlerZip({ 'version.txt': '2' }));
  fs.writeFileSync(path.join(dir, 'trust.json'), LAMBDA_TRUST);
  fs.writeFileSync(
    path.join(dir, 'policy.json'),
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: '*',
        },
        { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::cli-src/*' },
        { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::cli-dst/*' },
      ],
    }),
  );
});
after(async () => {
  await server.stopAndRemove();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe(`aws-cli (${isV2 ? 'v2' : 'v1'})`, { skip: needsAwsCli('test/local-aws/lambda/cli.test.ts') }, () => {
  let roleArn = '';

  it('creates a function from a zip file and waits for it', async () => {
    roleArn = (
      await awsJson<{ Role: { Arn: string } }>([
        'iam',
        'create-role',
        '--role-name',
        'cli-role',
        '--assume-role-policy-document',
        'file://trust.json',
      ])
    ).Role.Arn;
    await aws([
      'iam',
      'put-role-policy',
      '--role-name',
      'cli-role',
      '--policy-name',
      'fn',
      '--policy-document',
      'file://policy.json',
    ]);
    const created = await awsJson<{ State: string; FunctionArn: string; CodeSize: number }>([
      'lambda',
      'create-function',
      '--function-name',
      'cli-fn',
      '--runtime',
      'nodejs22.x',
      '--role',
      roleArn,
      '--handler',
      'index.echo',
      '--zip-file',
      'fileb://fn.zip',
      '--timeout',
      '10',
    ]);
    assert.equal(created.State, 'Pending');
    assert.equal(created.CodeSize, fs.statSync(path.join(dir, 'fn.zip')).size);
    await aws(['lambda', 'wait', 'function-active-v2', '--function-name', 'cli-fn']);
    const got = await awsJson<{ Configuration: { State: string; LastUpdateStatus: string } }>([
      'lambda',
      'get-function',
      '--function-name',
      'cli-fn',
    ]);
    assert.deepEqual([got.Configuration.State, got.Configuration.LastUpdateStatus], ['Active', 'Successful']);
  });

  it('invokes it with a log tail', async () => {
    const out = await awsJson<{
      StatusCode: number;
      ExecutedVersion: string;
      LogResult: string;
      FunctionError?: string;
    }>([
      'lambda',
      'invoke',
      '--function-name',
      'cli-fn',
      ...payloadArgs('{"from":"cli"}'),
      '--log-type',
      'Tail',
      'out.json',
    ]);
    assert.equal(out.StatusCode, 200);
    assert.equal(out.ExecutedVersion, '$LATEST');
    assert.equal(out.FunctionError, undefined);
    assert.match(Buffer.from(out.LogResult, 'base64').toString(), /INFO\techo got \{"from":"cli"\}/);
    const result = JSON.parse(fs.readFileSync(path.join(dir, 'out.json'), 'utf8')) as { event: unknown };
    assert.deepEqual(result.event, { from: 'cli' });
  });

  it('updates code and configuration, waiting for each update', async () => {
    const code = await awsJson<{ LastUpdateStatus: string }>([
      'lambda',
      'update-function-code',
      '--function-name',
      'cli-fn',
      '--zip-file',
      'fileb://fn2.zip',
    ]);
    assert.equal(code.LastUpdateStatus, 'InProgress');
    await aws(['lambda', 'wait', 'function-updated-v2', '--function-name', 'cli-fn']);
    const cfg = await awsJson<{ Handler: string; Environment: { Variables: Record<string, string> } }>([
      'lambda',
      'update-function-configuration',
      '--function-name',
      'cli-fn',
      '--handler',
      'index.s3copy',
      '--environment',
      'Variables={DEST_BUCKET=cli-dst}',
    ]);
    assert.equal(cfg.Handler, 'index.s3copy');
    assert.deepEqual(cfg.Environment.Variables, { DEST_BUCKET: 'cli-dst' });
    await aws(['lambda', 'wait', 'function-updated-v2', '--function-name', 'cli-fn']);
  });

  it('manages the permission, tags and event invoke config', async () => {
    await aws(['s3api', 'create-bucket', '--bucket', 'cli-src']);
    await aws(['s3api', 'create-bucket', '--bucket', 'cli-dst']);
    const fnArn = 'arn:aws:lambda:us-east-1:000000000000:function:cli-fn';
    fs.writeFileSync(
      path.join(dir, 'notification.json'),
      JSON.stringify({
        LambdaFunctionConfigurations: [{ Id: 'copy', LambdaFunctionArn: fnArn, Events: ['s3:ObjectCreated:*'] }],
      }),
    );
    const refused = await awsCli(
      server.url,
      [
        's3api',
        'put-bucket-notification-configuration',
        '--bucket',
        'cli-src',
        '--notification-configuration',
        'file://notification.json',
      ],
      { cwd: dir },
    );
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      cliError(
        'InvalidArgument',
        'PutBucketNotificationConfiguration',
        'Unable to validate the following destination configurations',
      ),
    );

    const added = await awsJson<{ Statement: string }>([
      'lambda',
      'add-permission',
      '--function-name',
      'cli-fn',
      '--statement-id',
      's3invoke',
      '--action',
      'lambda:InvokeFunction',
      '--principal',
      's3.amazonaws.com',
      '--source-arn',
      'arn:aws:s3:::cli-src',
      '--source-account',
      '000000000000',
    ]);
    assert.equal(
      (JSON.parse(added.Statement) as { Principal: { Service: string } }).Principal.Service,
      's3.amazonaws.com',
    );
    const policy = await awsJson<{ Policy: string }>(['lambda', 'get-policy', '--function-name', 'cli-fn']);
    assert.equal((JSON.parse(policy.Policy) as { Statement: unknown[] }).Statement.length, 1);
    const dup = await awsCli(
      server.url,
      [
        'lambda',
        'add-permission',
        '--function-name',
        'cli-fn',
        '--statement-id',
        's3invoke',
        '--action',
        'lambda:InvokeFunction',
        '--principal',
        's3.amazonaws.com',
      ],
      { cwd: dir },
    );
    assert.match(dup.stderr, /\(ResourceConflictException\).*The statement id \(s3invoke\) provided already exists/);

    await aws(['lambda', 'tag-resource', '--resource', fnArn, '--tags', 'team=cli,stage=test']);
    await aws(['lambda', 'untag-resource', '--resource', fnArn, '--tag-keys', 'stage']);
    assert.deepEqual(
      (await awsJson<{ Tags: Record<string, string> }>(['lambda', 'list-tags', '--resource', fnArn])).Tags,
      { team: 'cli' },
    );

    await aws([
      'lambda',
      'put-function-event-invoke-config',
      '--function-name',
      'cli-fn',
      '--maximum-retry-attempts',
      '1',
    ]);
    const eic = await awsJson<{ MaximumRetryAttempts: number; FunctionArn: string }>([
      'lambda',
      'get-function-event-invoke-config',
      '--function-name',
      'cli-fn',
    ]);
    assert.deepEqual([eic.MaximumRetryAttempts, eic.FunctionArn], [1, `${fnArn}:$LATEST`]);

    await aws([
      's3api',
      'put-bucket-notification-configuration',
      '--bucket',
      'cli-src',
      '--notification-configuration',
      'file://notification.json',
    ]);
  });

  it('runs the function when an object is uploaded', async () => {
    fs.writeFileSync(path.join(dir, 'photo one.txt'), 'picture');
    await aws(['s3api', 'put-object', '--bucket', 'cli-src', '--key', 'in/photo one.txt', '--body', 'photo one.txt']);
    const copies = await eventually('the copy written by the function', async () => {
      const listed = await awsJson<{ Contents?: Array<{ Key: string }> }>([
        's3api',
        'list-objects-v2',
        '--bucket',
        'cli-dst',
      ]);
      return listed.Contents && listed.Contents.length > 0 ? listed.Contents : undefined;
    });
    assert.equal(copies.length, 1);
    assert.match(copies[0]!.Key, /^in\/photo one\.txt\/[0-9a-f-]{36}\/[0-9a-f-]{36}$/);
  });

  it('prints AWS errors for bad requests', async () => {
    fs.writeFileSync(path.join(dir, 'big.json'), JSON.stringify({ pad: 'x'.repeat(7 * 1024 * 1024) }));
    const big = await awsCli(
      server.url,
      ['lambda', 'invoke', '--function-name', 'cli-fn', ...payloadArgs('file://big.json'), 'o.json'],
      { cwd: dir },
    );
    assert.match(
      big.stderr,
      /\(RequestEntityTooLargeException\).*Request must be smaller than 6291456 bytes for the InvokeFunction operation/,
    );
    const old = await awsCli(
      server.url,
      [
        'lambda',
        'create-function',
        '--function-name',
        'cli-old',
        '--runtime',
        'nodejs18.x',
        '--role',
        roleArn,
        '--handler',
        'index.echo',
        '--zip-file',
        'fileb://fn.zip',
      ],
      { cwd: dir },
    );
    assert.match(
      old.stderr,
      /\(InvalidParameterValueException\).*The runtime parameter of nodejs18\.x is no longer supported/,
    );
    const missing = await awsCli(server.url, ['lambda', 'get-function', '--function-name', 'nope'], { cwd: dir });
    assert.match(
      missing.stderr,
      /\(ResourceNotFoundException\).*Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope/,
    );
  });

  it("shows the function's log with `aws logs tail` (v2; with v1, the suite below tails with a v2)", async () => {
    const group = '/aws/lambda/cli-fn';
    const streams = await awsJson<{ logStreams: Array<{ logStreamName: string }> }>([
      'logs',
      'describe-log-streams',
      '--log-group-name',
      group,
    ]);
    assert.match(streams.logStreams[0]!.logStreamName, /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    if (!isV2) return;
    const tail = await aws(['logs', 'tail', group, '--since', '1h']);
    assert.match(tail, /START RequestId: [0-9a-f-]{36} Version: \$LATEST/);
    assert.match(
      tail,
      new RegExp(
        /REPORT RequestId: [0-9a-f-]{36}\tDuration: [\d.]+ ms\tBilled /.source +
          /Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB/.source,
      ),
    );
  });

  it('deletes it', async () => {
    await aws(['lambda', 'delete-function', '--function-name', 'cli-fn']);
    const gone = await awsCli(server.url, ['lambda', 'get-function', '--function-name', 'cli-fn'], { cwd: dir });
    assert.match(gone.stderr, /ResourceNotFoundException/);
  });
});

// With a v1 `aws` under test, the v2-only parts still run whenever a v2 is installed.
describe(
  'aws-cli v2 only: --cli-binary-format and logs tail',
  { skip: isV2 ? 'covered above (AWS_CLI is v2)' : V2_CLI ? false : 'no aws-cli v2 on this machine' },
  () => {
    const v2 = (args: string[]) => awsCliOk(server.url, args, { cwd: dir, cli: V2_CLI });

    it('invokes with --cli-binary-format raw-in-base64-out and tails the log', async () => {
      const roleArn = (
        JSON.parse(
          await v2([
            'iam',
            'create-role',
            '--role-name',
            'cli-v2-role',
            '--assume-role-policy-document',
            'file://trust.json',
          ]),
        ) as { Role: { Arn: string } }
      ).Role.Arn;
      await v2([
        'iam',
        'put-role-policy',
        '--role-name',
        'cli-v2-role',
        '--policy-name',
        'fn',
        '--policy-document',
        'file://policy.json',
      ]);
      await v2([
        'lambda',
        'create-function',
        '--function-name',
        'cli-v2-fn',
        '--runtime',
        'nodejs22.x',
        '--role',
        roleArn,
        '--handler',
        'index.echo',
        '--zip-file',
        'fileb://fn.zip',
      ]);
      await v2(['lambda', 'wait', 'function-active-v2', '--function-name', 'cli-v2-fn']);
      const out = JSON.parse(
        await v2([
          'lambda',
          'invoke',
          '--function-name',
          'cli-v2-fn',
          '--cli-binary-format',
          'raw-in-base64-out',
          '--payload',
          '{"from":"v2"}',
          '--log-type',
          'Tail',
          'v2.json',
        ]),
      ) as { StatusCode: number; LogResult: string };
      assert.equal(out.StatusCode, 200);
      assert.match(Buffer.from(out.LogResult, 'base64').toString(), /INFO\techo got \{"from":"v2"\}/);
      assert.deepEqual((JSON.parse(fs.readFileSync(path.join(dir, 'v2.json'), 'utf8')) as { event: unknown }).event, {
        from: 'v2',
      });
      const tail = await v2(['logs', 'tail', '/aws/lambda/cli-v2-fn', '--since', '1h']);
      assert.match(tail, /START RequestId: [0-9a-f-]{36} Version: \$LATEST/);
      assert.match(tail, /INFO\techo got \{"from":"v2"\}/);
      assert.match(
        tail,
        new RegExp(
          /REPORT RequestId: [0-9a-f-]{36}\tDuration: [\d.]+ ms\tBilled /.source +
            /Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB/.source,
        ),
      );
    });
  },
);

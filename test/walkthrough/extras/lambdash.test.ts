// lambdash end to end against a local endpoint started here: the client is run as a user runs it
// (a separate process), deploys on first use, and its output, exit status, S3 path for large output,
// time limit, least privilege and teardown are checked through the real SDK.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AddPermissionCommand,
  GetFunctionCommand,
  GetPolicyCommand,
  DeleteFunctionCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import {
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ACCOUNT, startTestServer, tempDir, type TestServer } from '../../support/local-aws.ts';
import { endpointEnv, PROJECT, runScript, said, scriptEnv } from '../../support/walkthrough.ts';

const SCRIPT = 'extras/lambdash.ts';
const ROLE = 'lambdash-us-east-1-role';
const BUCKET = `lambdash-out-${ACCOUNT}-us-east-1`;

let server: TestServer;
let env: NodeJS.ProcessEnv;
let cwd: string;
let s3: S3Client;
let iam: IAMClient;
let lambda: LambdaClient;
let logs: CloudWatchLogsClient;

before(async () => {
  server = await startTestServer();
  env = scriptEnv(endpointEnv(server.url));
  cwd = tempDir('lambdash-');
  s3 = new S3Client(server.clientConfig());
  iam = new IAMClient(server.clientConfig());
  lambda = new LambdaClient(server.clientConfig());
  logs = new CloudWatchLogsClient(server.clientConfig());
});
after(async () => {
  await server.stopAndRemove();
  fs.rmSync(cwd, { recursive: true, force: true });
});

const lambdash = (...args: string[]) => runScript(SCRIPT, args, { cwd, env });
const stateFiles = () =>
  fs.existsSync(path.join(cwd, '.walkthrough')) ? fs.readdirSync(path.join(cwd, '.walkthrough')) : [];

async function errorName(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (err) {
    return (err as Error).name;
  }
}

/** Runs lambdash and kills it (SIGKILL) as soon as its stderr shows `pattern`. */
function killedAt(pattern: RegExp, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), path.join(PROJECT, 'walkthrough', SCRIPT), ...args],
      { cwd, env },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (pattern.test(stderr)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', () => resolve(stderr));
  });
}

describe('lambdash', () => {
  it('deploys on first use, after an interrupted deploy, and runs uname -a in the function', async () => {
    const interrupted = await killedAt(/created output bucket/, ['true']);
    assert.match(interrupted, /created role/);
    const r = await lambdash('uname', '-a');
    assert.equal(r.code, 0, said(r));
    // Locally the Lambda environment is a process on this machine.
    assert.equal(r.stdout, execFileSync('uname', ['-a']).toString());
    assert.match(r.stderr, /created function lambdash/);
    assert.doesNotMatch(r.stderr, /created role/, 'the role of the interrupted run was found, not created again');
    assert.deepEqual(stateFiles(), [
      `lambdash-endpoint-${new URL(server.url).host.replace(':', '_')}-${ACCOUNT}-us-east-1.json`,
    ]);
  });

  it("passes the command's exit status and stderr through, deploying nothing again", async () => {
    const r = await lambdash("echo to-stdout; echo oops >&2; sh -c 'exit 7'");
    assert.equal(r.code, 7, said(r));
    assert.equal(r.stdout, 'to-stdout\n');
    assert.equal(r.stderr, 'oops\n');
    // Words after -- are the command, joined with spaces; one starting with a dash is no option of sh.
    const words = await lambdash('--', '-h', '2>/dev/null;', 'printf', '%s-', '-n', "'a  b'");
    assert.equal(words.code, 0, said(words));
    assert.equal(words.stdout, '-n-a  b-');
  });

  it('returns 10 MB of output through S3, bytes exact, and deletes the object', async () => {
    const r = await lambdash('--verbose', "head -c 10485760 /dev/zero | tr '\\0' a; echo done >&2");
    assert.equal(r.code, 0, said(r));
    assert.equal(r.stdout.length, 10_485_760);
    assert.match(r.stdout, /^a+$/);
    assert.match(r.stderr, /done\n/);
    const via = /stdout: 10485760 bytes through s3:\/\/([^/\s]+)\/(\S+)/.exec(r.stderr);
    assert.ok(via, r.stderr);
    assert.equal(via[1], BUCKET);
    assert.equal(await errorName(s3.send(new HeadObjectCommand({ Bucket: via[1], Key: via[2] }))), 'NotFound');
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).KeyCount, 0);
  });

  it('runs as a role that may only put objects into its bucket and write its own logs', async () => {
    const doc = JSON.parse(
      decodeURIComponent(
        (await iam.send(new GetRolePolicyCommand({ RoleName: ROLE, PolicyName: 'lambdash-least-privilege' })))
          .PolicyDocument!,
      ),
    ) as {
      Statement: Array<{ Action: string | string[]; Resource: string | string[] }>;
    };
    assert.deepEqual(
      doc.Statement.map((s) => [s.Action, s.Resource]),
      [
        ['s3:PutObject', `arn:aws:s3:::${BUCKET}/*`],
        [
          ['logs:CreateLogStream', 'logs:PutLogEvents'],
          `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/lambda/lambdash:*`,
        ],
      ],
    );
    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: ROLE }))).PolicyNames, [
      'lambdash-least-privilege',
    ]);
    assert.deepEqual((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: ROLE }))).AttachedPolicies, []);
    const trust = JSON.parse(
      decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: ROLE }))).Role!.AssumeRolePolicyDocument!),
    ) as { Statement: unknown[] };
    assert.deepEqual(trust.Statement, [
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    // No trigger may invoke it: the function has no resource policy at all.
    assert.equal(
      await errorName(lambda.send(new GetPolicyCommand({ FunctionName: 'lambdash' }))),
      'ResourceNotFoundException',
    );

    // And in practice: the SDK in the function, with the role's credentials.
    await s3.send(new CreateBucketCommand({ Bucket: 'someone-elses-data' }));
    await s3.send(new PutObjectCommand({ Bucket: 'someone-elses-data', Key: 'secret.txt', Body: 'secret' }));
    const calls = [
      'GetObjectCommand({ Bucket: "someone-elses-data", Key: "secret.txt" })',
      'PutObjectCommand({ Bucket: "someone-elses-data", Key: "x", Body: "x" })',
      'ListObjectsV2Command({ Bucket: process.env.OUTPUT_BUCKET })',
      'PutObjectCommand({ Bucket: process.env.OUTPUT_BUCKET, Key: "probe", Body: "x" })',
    ];
    const script = `const s3 = require("@aws-sdk/client-s3"); const c = new s3.S3Client({}); (async () => { ${calls
      .map((call) => `await c.send(new s3.${call}).then(() => console.log("allowed"), (e) => console.log(e.name));`)
      .join(' ')} })()`;
    const r = await lambdash(`node -e '${script}'`);
    assert.equal(r.code, 0, said(r));
    assert.deepEqual(r.stdout.split('\n'), ['AccessDenied', 'AccessDenied', 'AccessDenied', 'allowed', '']);
  });

  it('kills a command that runs out of time, with everything it started, and says so', async () => {
    const started = Date.now();
    const r = await lambdash('--timeout', '1', 'echo before; sleep 37.5 | cat; echo after');
    assert.equal(r.code, 124, said(r));
    assert.equal(r.stdout, 'before\n');
    assert.match(r.stderr, /the command was killed after 1 s, its time limit \(raise it with --timeout/);
    // Well before the 37.5 s sleep would have ended (a loaded machine takes seconds to start lambdash).
    assert.ok(Date.now() - started < 30_000);
    const ps = execFileSync('ps', ['-eo', 'args']).toString();
    assert.doesNotMatch(ps, /sleep 37\.5/, 'the pipeline was killed with the shell');
  });

  it('exits 128+N for signal N, and 255 with what to do when lambdash itself fails', async () => {
    // Same --timeout as above: the function is not updated again.
    const signal = await lambdash('--timeout', '1', 'kill -TERM $$');
    assert.equal(signal.code, 128 + 15, said(signal));
    assert.match(signal.stderr, /ended by SIGTERM/);
    const unknown = await lambdash('--bogus', 'ls');
    assert.equal(unknown.code, 255);
    assert.match(unknown.stderr, /Unknown option --bogus[^]*put `--` before a command/);
  });

  it('--deploy removes a resource-policy statement someone added, and says so', async () => {
    for (const [StatementId, Principal, SourceArn] of [
      ['from-s3', 's3.amazonaws.com', 'arn:aws:s3:::someone-elses-data'],
      ['from-sns', 'sns.amazonaws.com', `arn:aws:sns:us-east-1:${ACCOUNT}:anything`],
    ])
      await lambda.send(
        new AddPermissionCommand({
          FunctionName: 'lambdash',
          StatementId,
          Action: 'lambda:InvokeFunction',
          Principal,
          SourceArn,
        }),
      );
    const dry = await lambdash('--deploy', '--dry-run', '--verbose');
    assert.equal(dry.code, 0, said(dry));
    assert.match(dry.stderr, /would +remove permission from-s3 from lambdash/);
    assert.match(dry.stderr, /would +remove permission from-sns from lambdash/);
    assert.equal(await errorName(lambda.send(new GetPolicyCommand({ FunctionName: 'lambdash' }))), 'no error');

    const r = await lambdash('--deploy');
    assert.equal(r.code, 0, said(r));
    assert.match(
      r.stderr,
      new RegExp(
        /resource policy of lambdash: removed statement from-s3 \(it let \{"Service":"s3\.amazonaws\.com"\} /.source +
          /invoke it; whoever may invoke lambdash may run commands as its role\)/.source,
      ),
    );
    assert.match(r.stderr, /removed statement from-sns/);
    assert.equal(
      await errorName(lambda.send(new GetPolicyCommand({ FunctionName: 'lambdash' }))),
      'ResourceNotFoundException',
    );
    const again = await lambdash('--deploy', '--verbose');
    assert.equal(again.code, 0, said(again));
    assert.match(again.stderr, /resource policy of lambdash: none/);
    assert.doesNotMatch(again.stderr, /removed statement/);
  });

  it('deploys again when the function was deleted behind its back', async () => {
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'lambdash' }));
    const r = await lambdash('echo', 'back');
    assert.equal(r.code, 0, said(r));
    assert.equal(r.stdout, 'back\n');
    assert.match(r.stderr, /created function lambdash/);
  });

  it('--teardown removes the function, log group, role and bucket; a second one changes nothing', async () => {
    const r = await lambdash('--teardown');
    assert.equal(r.code, 0, said(r));
    for (const what of ['function lambdash', 'log group /aws/lambda/lambdash', `role ${ROLE}`, `bucket ${BUCKET}`])
      assert.match(r.stderr, new RegExp(`removed ${what}`));
    assert.equal(
      await errorName(lambda.send(new GetFunctionCommand({ FunctionName: 'lambdash' }))),
      'ResourceNotFoundException',
    );
    assert.equal(await errorName(iam.send(new GetRoleCommand({ RoleName: ROLE }))), 'NoSuchEntityException');
    assert.equal(await errorName(s3.send(new HeadBucketCommand({ Bucket: BUCKET }))), 'NotFound');
    assert.deepEqual(
      (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/lambdash' }))).logGroups,
      [],
    );
    assert.deepEqual(stateFiles(), []);
    assert.equal(await errorName(s3.send(new HeadBucketCommand({ Bucket: 'someone-elses-data' }))), 'no error');

    const again = await lambdash('--teardown');
    assert.equal(again.code, 0, said(again));
    assert.doesNotMatch(again.stderr, /removed/);
    assert.match(again.stderr, /gone +function lambdash/);
  });

  it('changes and removes nothing it did not create', async () => {
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    await iam.send(new CreateRoleCommand({ RoleName: 'mine-us-east-1-role', AssumeRolePolicyDocument: trust }));
    const r = await lambdash('--name', 'mine', 'true');
    assert.equal(r.code, 255);
    assert.match(r.stderr, /A role named mine-us-east-1-role already exists and was not created by lambdash[^]*--name/);
    const down = await lambdash('--name', 'mine', '--teardown');
    assert.equal(down.code, 0, said(down));
    assert.match(down.stderr, /kept +role mine-us-east-1-role/);
    assert.equal(await errorName(iam.send(new GetRoleCommand({ RoleName: 'mine-us-east-1-role' }))), 'no error');
  });
});

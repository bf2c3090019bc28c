// Single steps as a user runs them: the env step's --export, a dry run that changes nothing, a step
// re-run that finds everything in place, and the confirmation guard for real AWS.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreateRoleCommand, DeleteRoleCommand, IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateBucketCommand, DeleteBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { minimist } from 'zx';
import sharp from 'sharp';
import { verifyThumbnail } from '../../walkthrough/60-test.ts';
import { confirmOnAws } from '../../walkthrough/lib/context.ts';
import { UserError } from '../../walkthrough/lib/errors.ts';
import { Reporter } from '../../walkthrough/lib/ui.ts';
import { startTestServer, tempDir, type TestServer } from '../support/local-aws.ts';
import { endpointEnv, PROJECT, reported, runScript, scriptEnv } from '../support/walkthrough.ts';

let server: TestServer;
let env: NodeJS.ProcessEnv;
let cwd: string;
before(async () => {
  server = await startTestServer();
  env = scriptEnv(endpointEnv(server.url));
  cwd = tempDir('steps-');
});
after(async () => {
  await server.stopAndRemove();
  fs.rmSync(cwd, { recursive: true, force: true });
});

describe('single steps', () => {
  it('00-env.ts --export prints only shell exports, ready for eval', async () => {
    const r = await runScript('00-env.ts', ['--export', '--width', '320'], { cwd, env });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.ok(
      lines.every((l) => l.startsWith('#') || /^export [A-Z_]+=\S+$/.test(l)),
      r.stdout,
    );
    const script = `${r.stdout}\necho "$SOURCE_BUCKET $DEST_BUCKET $THUMBNAIL_WIDTH $LOG_GROUP_NAME"`;
    const echoed = execFileSync('sh', ['-c', script], { encoding: 'utf8' }).trim();
    assert.equal(
      echoed,
      's3-thumbnail-src-000000000000-us-east-1 ' +
        's3-thumbnail-src-000000000000-us-east-1-resized 320 /aws/lambda/CreateThumbnail',
    );
  });

  it('a dry run says what it would do and changes nothing', async () => {
    const r = await runScript('all.ts', ['--dry-run', '--until', 'trigger'], { cwd, env });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(
      reported(r.stdout, 'would').some((l) => l.includes('create role CreateThumbnail-us-east-1-role')),
      r.stdout,
    );
    assert.ok(
      reported(r.stdout, 'would').some((l) => l.includes('create bucket s3-thumbnail-src-000000000000-us-east-1')),
    );
    assert.deepEqual(reported(r.stdout, 'created'), []);
    const c = server.clientConfig();
    assert.deepEqual((await new S3Client(c).send(new ListBucketsCommand({}))).Buckets ?? [], []);
    assert.deepEqual((await new IAMClient(c).send(new ListRolesCommand({}))).Roles ?? [], []);
    assert.ok(!fs.existsSync(path.join(cwd, '.walkthrough')), 'a dry run writes no state');
  });

  it('a dry run on a machine that never built the package says what it would do, and builds nothing', async () => {
    const build = tempDir('empty-build-');
    const r = await runScript('all.ts', ['--dry-run', '--until', 'trigger'], {
      cwd,
      env: { ...env, WALKTHROUGH_BUILD_DIR: build },
    });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const would = reported(r.stdout, 'would');
    assert.ok(
      would.some((l) => l.includes('build build/resize-x86_64.zip') || l.includes('resize-x86_64.zip')),
      r.stdout,
    );
    assert.ok(
      would.some((l) => l.includes('create or update function CreateThumbnail')),
      r.stdout,
    );
    assert.deepEqual(fs.readdirSync(build), []);
    fs.rmSync(build, { recursive: true, force: true });
  });

  it('the test step in a dry run writes nothing, not even out/sample.jpg or out/event.json', async () => {
    const fresh = tempDir('dry-test-');
    const r = await runScript('60-test.ts', ['--dry-run', '--cli'], { cwd: fresh, env });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(
      reported(r.stdout, 'would').some((l) => l.includes('upload out/sample.jpg')),
      r.stdout,
    );
    assert.deepEqual(fs.readdirSync(fresh), []);
    fs.rmSync(fresh, { recursive: true, force: true });
  });

  it('the test step checks that the whole thumbnail decodes, not only its header', async () => {
    const jpeg = await sharp({
      create: {
        width: 200,
        height: 120,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .jpeg()
      .toBuffer();
    assert.equal((await verifyThumbnail(jpeg, 's3://b/k', 200, 200)).width, 200);
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length * 0.9));
    assert.equal((await sharp(truncated).metadata()).width, 200, 'the header alone still reads');
    await assert.rejects(
      verifyThumbnail(truncated, 's3://b/k', 200, 200),
      (e: unknown) => e instanceof UserError && /s3:\/\/b\/k .* does not decode: .*premature end/i.test(e.message),
    );
    await assert.rejects(
      verifyThumbnail(jpeg, 's3://b/k', 100, 100),
      (e: unknown) => e instanceof UserError && /200 px wide, expected 100 px/.test(e.message),
    );
  });

  it('a step run twice finds everything in place the second time', async () => {
    const first = await runScript('10-role.ts', [], { cwd, env });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(reported(first.stdout, 'created').length, 2, first.stdout);
    const second = await runScript('10-role.ts', ['--cli'], { cwd, env });
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(reported(second.stdout, 'created'), []);
    assert.ok(reported(second.stdout, 'found').some((l) => l.includes('role CreateThumbnail-us-east-1-role')));
    assert.ok(reported(second.stdout, 'same').some((l) => l.includes('inline policy CreateThumbnail-thumbnails')));
    const down = await runScript('90-teardown.ts', [], { cwd, env });
    assert.equal(down.code, 0, down.stderr);
    assert.ok(reported(down.stdout, 'removed').some((l) => l.includes('role CreateThumbnail-us-east-1-role')));
  });

  it('a later step run too early says which step to run first', async () => {
    const r = await runScript('50-trigger.ts', [], { cwd: tempDir('early-'), env });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /The function does not exist yet\.\n\s+Run step 5 first: npx tsx walkthrough\/40-function\.ts/,
    );
  });

  it('a bucket that answers 403 is explained: another account, or this identity lacks permission', async () => {
    const c = server.clientConfig();
    await new S3Client(c).send(new CreateBucketCommand({ Bucket: 'not-for-this-session' }));
    // A session of a role with no permissions at all: HeadBucket is denied (403) as for a stranger's bucket.
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: '000000000000' }, Action: 'sts:AssumeRole' }],
    });
    const role = (
      await new IAMClient(c).send(
        new CreateRoleCommand({ RoleName: 'no-permissions', AssumeRolePolicyDocument: trust }),
      )
    ).Role!;
    const creds = (
      await new STSClient(c).send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'stranger' }))
    ).Credentials!;
    const sessionEnv = {
      ...env,
      AWS_ACCESS_KEY_ID: creds.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.SecretAccessKey,
      AWS_SESSION_TOKEN: creds.SessionToken,
    };
    const r = await runScript('20-buckets.ts', ['--source-bucket', 'not-for-this-session'], {
      cwd: tempDir('forbidden-'),
      env: sessionEnv,
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        /source bucket not-for-this-session exists but is not accessible with these /.source +
          /credentials \(arn:aws:sts::000000000000:assumed-role\/no-permissions\/stranger\)/.source,
      ),
    );
    assert.match(r.stderr, /another AWS account owns it .* or it is yours and this identity lacks permission on it/);
    assert.match(r.stderr, /set SOURCE_BUCKET \(or --source-bucket\) to another name/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    await new S3Client(c).send(new DeleteBucketCommand({ Bucket: 'not-for-this-session' }));
    await new IAMClient(c).send(new DeleteRoleCommand({ RoleName: 'no-permissions' }));
  });

  it('every step script has --help', () => {
    for (const script of fs.readdirSync(path.join(PROJECT, 'walkthrough')).filter((f) => /^\d\d-.*\.ts$/.test(f))) {
      const text = execFileSync(
        process.execPath,
        ['--import', import.meta.resolve('tsx'), path.join(PROJECT, 'walkthrough', script), '--help'],
        { encoding: 'utf8' },
      );
      assert.match(text, /--dry-run/, script);
    }
  });
});

describe('real AWS guard', () => {
  const identity = { accountId: '123456789012', arn: 'arn:aws:iam::123456789012:user/me', userId: 'AIDA' };
  const quiet = new Reporter({ cli: false, out: fs.createWriteStream('/dev/null') });

  it('refuses without a terminal to ask and without --yes', async () => {
    if (process.stdin.isTTY) return; // the test runner's stdin is not a terminal
    await assert.rejects(
      confirmOnAws(identity, 'eu-west-1', minimist([]), quiet),
      (e: unknown) => e instanceof UserError && /no terminal/.test(e.message) && /--yes/.test(e.hint ?? ''),
    );
  });

  it('goes ahead with --yes', async () => {
    await confirmOnAws(identity, 'eu-west-1', minimist(['--yes'], { boolean: ['yes'] }), quiet);
  });
});

// --emit-script: the walkthrough as two plain bash scripts, run verbatim with bash and the aws-cli under
// test (v1 or v2) against the local endpoint: set-up makes a thumbnail appear, teardown leaves nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListFunctionsCommand,
  ListLayersCommand,
} from '@aws-sdk/client-lambda';
import { HeadObjectCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { AWS_CLI, needsAwsCli, startTestServer, tempDir, type TestServer } from '../support/local-aws.ts';
import { endpointEnv, runScript, said, scriptEnv } from '../support/walkthrough.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stopAndRemove();
});

/** PATH with `aws` being the aws-cli under test (AWS_CLI), as a user's shell would find it. */
function pathWithCli(dir: string): string {
  if (AWS_CLI === 'aws') return process.env.PATH ?? '';
  fs.mkdirSync(dir, { recursive: true });
  fs.symlinkSync(path.resolve(AWS_CLI), path.join(dir, 'aws'));
  return `${dir}:${process.env.PATH ?? ''}`;
}

describe('--emit-script', () => {
  it(
    'writes set-up and teardown scripts that run as written: a thumbnail, then nothing left',
    { skip: needsAwsCli('test/walkthrough/emit-script.test.ts: the emitted scripts') },
    async () => {
      const cwd = tempDir('emit-');
      const env = scriptEnv(endpointEnv(server.url));
      const r = await runScript('all.ts', ['--emit-script', 'scripts'], { cwd, env });
      assert.equal(r.code, 0, said(r));
      const c = server.clientConfig();
      assert.deepEqual(
        (await new S3Client(c).send(new ListBucketsCommand({}))).Buckets ?? [],
        [],
        'writing creates nothing',
      );
      const setUp = path.join(cwd, 'scripts', 'set-up.sh');
      const teardown = path.join(cwd, 'scripts', 'teardown.sh');
      assert.match(
        fs.readFileSync(setUp, 'utf8'),
        /^#!\/usr\/bin\/env bash\n# .*\n# .*\n# Re-running after a partial run/,
      );
      const shellEnv = { ...env, PATH: pathWithCli(path.join(cwd, 'bin')) };
      const bash = (file: string) => promisify(execFile)('bash', [file], { cwd, env: shellEnv });
      // Twice: the second run finds everything and skips each create.
      for (let i = 0; i < 2; i++) {
        const ran = await bash(setUp).catch((e: { stdout: string; stderr: string }) => {
          throw new Error(`set-up.sh failed:\n${e.stdout}\n${e.stderr}`);
        });
        assert.match(ran.stdout, /thumbnail: s3:\/\/\S+-resized\/resized-images\/sample\.jpg/);
      }
      const dest = 's3-thumbnail-src-000000000000-us-east-1-resized';
      const thumb = await new S3Client(c).send(
        new HeadObjectCommand({ Bucket: dest, Key: 'resized-images/sample.jpg' }),
      );
      assert.ok((thumb.ContentLength ?? 0) > 0);
      // sharp came from the layer, published once (the second run found its version).
      const lambda = new LambdaClient(c);
      const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'CreateThumbnail' }));
      assert.deepEqual(
        fn.Layers?.map((l) => l.Arn),
        ['arn:aws:lambda:us-east-1:000000000000:layer:CreateThumbnail-sharp:1'],
      );
      for (let i = 0; i < 2; i++) {
        const down = await bash(teardown).catch((e: { stdout: string; stderr: string }) => {
          throw new Error(`teardown.sh failed:\n${e.stdout}\n${e.stderr}`);
        });
        assert.match(down.stdout, /teardown done/);
      }
      assert.deepEqual((await new S3Client(c).send(new ListBucketsCommand({}))).Buckets ?? [], []);
      assert.deepEqual((await new IAMClient(c).send(new ListRolesCommand({}))).Roles ?? [], []);
      assert.deepEqual((await lambda.send(new ListFunctionsCommand({}))).Functions ?? [], []);
      assert.deepEqual((await lambda.send(new ListLayersCommand({}))).Layers ?? [], []);
      assert.deepEqual((await new CloudWatchLogsClient(c).send(new DescribeLogGroupsCommand({}))).logGroups ?? [], []);
    },
  );

  it('refuses the SNS variant before building anything, with what to do instead', async () => {
    const cwd = tempDir('emit-sns-');
    const build = path.join(cwd, 'build');
    const env = scriptEnv({ ...endpointEnv(server.url), WALKTHROUGH_BUILD_DIR: build });
    const r = await runScript('all.ts', ['--emit-script', 'scripts', '--trigger', 'sns'], { cwd, env });
    assert.equal(r.code, 1, said(r));
    assert.match(r.stderr, /--emit-script writes the bucket -> function variant only .*Nothing was done/);
    assert.match(r.stderr, /without --trigger sns/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.ok(!fs.existsSync(path.join(cwd, 'scripts')), 'no scripts written');
    assert.ok(!fs.existsSync(build), 'no package built');
  });
});

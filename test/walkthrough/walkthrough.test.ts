// The whole walkthrough as a user runs it on a fresh machine: `npm run walkthrough` starts the local
// endpoint by itself, sets everything up, tests it; a second run changes nothing; teardown removes
// everything the walkthrough created and nothing else.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createServer } from 'node:net';
import sharp from 'sharp';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { LambdaClient, ListFunctionsCommand, ListLayersCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ROOT, tempDir } from '../support/local-aws.ts';
import { reported, runScript, scriptEnv } from '../support/walkthrough.ts';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

let cwd: string;
let env: NodeJS.ProcessEnv;
let endpoint: string;
const clients = () => {
  const c = { endpoint, region: 'us-east-1', credentials: ROOT, forcePathStyle: true };
  return { s3: new S3Client(c), iam: new IAMClient(c), lambda: new LambdaClient(c), logs: new CloudWatchLogsClient(c) };
};

before(async () => {
  cwd = tempDir('walkthrough-');
  const port = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
  // No AWS_ENDPOINT_URL and no TARGET: the default path, which starts the project's endpoint.
  env = scriptEnv({ LOCAL_AWS_PORT: String(port), LOCAL_AWS_DATA: path.join(cwd, '.local-aws') });
});

after(async () => {
  await runScript('../local-aws/cli.ts', ['stop'], { cwd, env });
  fs.rmSync(cwd, { recursive: true, force: true });
});

describe('npm run walkthrough', () => {
  it('sets everything up on a fresh machine and verifies a thumbnail', async () => {
    // A bucket of the user's own, which teardown must leave alone.
    const first = await runScript('all.ts', [], { cwd, env });
    assert.equal(first.code, 0, first.stderr + first.stdout);
    assert.match(first.stdout, /started the local AWS endpoint/);
    assert.ok(reported(first.stdout, 'created').some((l) => l.includes('role CreateThumbnail-us-east-1-role')));
    assert.ok(reported(first.stdout, 'created').some((l) => l.includes('function CreateThumbnail')));
    assert.ok(reported(first.stdout, 'created').some((l) => l.includes('layer CreateThumbnail-sharp version 1')));
    assert.match(first.stdout, /REPORT RequestId: [0-9a-f-]+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms/);
    assert.match(first.stdout, /Set-up is complete/);
    const saved = /-> (\/\S.*\.jpg)\n/.exec(first.stdout)?.[1];
    assert.ok(saved && fs.existsSync(saved), `thumbnail saved: ${saved}`);
    assert.equal((await sharp(saved).metadata()).width, 200);
  });

  it('changes nothing when run again, and says so', async () => {
    const second = await runScript('all.ts', [], { cwd, env });
    assert.equal(second.code, 0, second.stderr + second.stdout);
    assert.deepEqual(reported(second.stdout, 'created'), []);
    assert.deepEqual(reported(second.stdout, 'changed'), []);
    assert.match(second.stdout, /Nothing needed changing/);
  });

  it('tears down everything it created, and nothing else', async () => {
    const { s3 } = clients();
    await s3.send(new CreateBucketCommand({ Bucket: 'users-own-bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'users-own-bucket', Key: 'keep.txt', Body: 'mine' }));
    const down = await runScript('80-teardown.ts', [], { cwd, env });
    assert.equal(down.code, 0, down.stderr + down.stdout);
    assert.match(down.stdout, /everything the walkthrough created is gone/);
    const c = clients();
    const buckets = (await c.s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name) ?? [];
    assert.deepEqual(buckets, ['users-own-bucket']);
    assert.deepEqual((await c.lambda.send(new ListFunctionsCommand({}))).Functions ?? [], []);
    assert.deepEqual((await c.lambda.send(new ListLayersCommand({}))).Layers ?? [], []);
    assert.deepEqual(
      ((await c.iam.send(new ListRolesCommand({}))).Roles ?? []).map((r) => r.RoleName),
      [],
    );
    assert.deepEqual((await c.logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? [], []);
    assert.deepEqual(fs.readdirSync(path.join(cwd, '.walkthrough')), []);
    const again = await runScript('80-teardown.ts', [], { cwd, env });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(reported(again.stdout, 'removed'), []);
  });

  it('refuses bad settings with a message and no stack trace', async () => {
    const bad = await runScript('all.ts', [], { cwd, env: { ...env, THUMBNAIL_WIDTH: 'wide' } });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /THUMBNAIL_WIDTH must be a whole number/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
  });
});

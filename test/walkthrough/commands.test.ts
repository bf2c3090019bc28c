// What the scripts tell the user to run next: the one-shot's teardown and continue commands carry the
// flags that chose the settings (so they find the same state and resources), a dry run and --until say
// what they did, teardown with nothing to find says where it looked, and misspelt flags are refused.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { startTestServer, tempDir, type TestServer } from '../helpers/local-aws.ts';
import { endpointEnv, PROJECT, reported, runScript, scriptEnv } from '../helpers/walkthrough.ts';

const exec = promisify(execFile);
let server: TestServer;
let env: NodeJS.ProcessEnv;
const dirs: string[] = [];
const scratch = (prefix: string) => {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
};

before(async () => {
  server = await startTestServer();
  env = scriptEnv(endpointEnv(server.url));
});
after(async () => {
  await server.stopAndRemove();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Runs a printed `npm run <script> -- ...` line verbatim in a shell, with the script run through tsx. */
async function runPrinted(line: string, cwd: string): Promise<string> {
  const command = line.replace(/ {2}\(with the same .*\)$/, '');
  const m = /^npm run (walkthrough|teardown)(?: -- (.*))?$/.exec(command);
  assert.ok(m, `not an npm run line: ${line}`);
  const script = m[1] === 'teardown' ? '90-teardown.ts' : 'all.ts';
  const shell = `"${process.execPath}" --import ${import.meta.resolve('tsx')} "${path.join(PROJECT, 'walkthrough', script)}" ${m[2] ?? ''}`;
  const r = await exec('sh', ['-c', shell], { cwd, env });
  return r.stdout;
}

describe('the one-shot summary', () => {
  it('gives a teardown command with the flags that chose the settings, and it finds the same resources', async () => {
    const cwd = scratch('summary-flags-');
    // The region and names come from flags (the environment says us-east-1 and the defaults).
    const flags = ['--region', 'eu-west-1', '--source-bucket', 'flagged-src', '--role-name', 'Flagged+Role', '--function-name', 'Flagged'];
    const r = await runScript('all.ts', ['--until', 'buckets', ...flags], { cwd, env });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Stopped after step buckets \(--until buckets\)/);
    assert.doesNotMatch(r.stdout, /Set-up is complete/);
    assert.match(r.stdout, /Continue with: npm run walkthrough -- --region eu-west-1 /);
    const line = /Tear it all down with: (.*)/.exec(r.stdout)?.[1];
    assert.ok(line, r.stdout);
    for (const f of ['--region eu-west-1', '--source-bucket flagged-src', '--role-name Flagged+Role', '--function-name Flagged']) assert.ok(line.includes(f), line);
    // AWS_ENDPOINT_URL came from the environment: said, not repeated as a flag (the flag overrode AWS_REGION).
    assert.match(line, /\(with the same AWS_ENDPOINT_URL in your environment or \.env\)$/);
    const s3 = new S3Client({ ...server.clientConfig(), region: 'eu-west-1' });
    assert.deepEqual(((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name).sort(), ['flagged-src', 'flagged-src-resized']);

    const down = await runPrinted(line, cwd);
    assert.ok(reported(down, 'removed').some((l) => l.includes('role Flagged+Role')), down);
    assert.match(down, /everything the walkthrough created is gone \(.*region eu-west-1/);
    assert.deepEqual((await s3.send(new ListBucketsCommand({}))).Buckets ?? [], []);
    assert.deepEqual((await new IAMClient(server.clientConfig()).send(new ListRolesCommand({}))).Roles ?? [], []);
  });

  it('a dry run ends saying it was one and that nothing was changed', async () => {
    const cwd = scratch('summary-dry-');
    const r = await runScript('all.ts', ['--dry-run', '--until', 'role', '--function-name', 'Dry'], { cwd, env });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /This was a dry run: nothing was changed \(it stopped after step role\)/);
    assert.match(r.stdout, /Do it for real with: npm run walkthrough -- --until role --function-name Dry/);
    assert.doesNotMatch(r.stdout, /Set-up is complete|Tear it all down|Stopped after/);
  });
});

describe('teardown with nothing to find', () => {
  it('says which target, account, region and state file it looked at, not that everything is gone', async () => {
    const cwd = scratch('teardown-empty-');
    const r = await runScript('90-teardown.ts', ['--region', 'ap-south-1'], { cwd, env });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.doesNotMatch(r.stdout, /everything the walkthrough created is gone/);
    assert.match(r.stdout, /no state file at \S*state-endpoint-[^ ]*-000000000000-ap-south-1\.json, and nothing of the walkthrough's was found on the endpoint http:\/\/127\.0\.0\.1:\d+, account 000000000000, region ap-south-1/);
    assert.match(r.stdout, /run teardown with the same ones/);
  });
});

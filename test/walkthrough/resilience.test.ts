// Interrupted runs resume; the printed aws-cli commands really do the same thing; a role without
// s3:PutObject makes the test step fail naming AccessDenied.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { DeleteObjectCommand, ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { needsAwsCli, ROOT, startTestServer, tempDir, type TestServer } from '../support/local-aws.ts';
import { endpointEnv, reported, runAsPrinted, runScript, scriptEnv } from '../support/walkthrough.ts';
import { oneShotSteps } from '../../walkthrough/lib/steps.ts';

let server: TestServer;
let env: NodeJS.ProcessEnv;

before(async () => {
  server = await startTestServer({ lambdaRetryDelaysMs: [50, 50] });
  env = scriptEnv(endpointEnv(server.url));
});
after(async () => {
  await server.stopAndRemove();
});

async function teardown(cwd: string): Promise<void> {
  const r = await runScript('80-teardown.ts', [], { cwd, env });
  assert.equal(r.code, 0, r.stderr + r.stdout);
}

describe('interruption', () => {
  it('completes when re-run after stopping after any step', async () => {
    const cwd = tempDir('interrupt-');
    const steps = oneShotSteps().slice(1, -1);
    for (const step of steps) {
      const partial = await runScript('all.ts', ['--until', step.id], { cwd, env });
      assert.equal(partial.code, 0, `--until ${step.id}: ${partial.stderr}${partial.stdout}`);
      // Up to the trigger, the test step (an invocation) once, after the last stop: it reads what is there.
      const last = step === steps.at(-1);
      const full = await runScript('all.ts', last ? [] : ['--until', steps.at(-1)!.id], { cwd, env });
      assert.equal(full.code, 0, `after --until ${step.id}: ${full.stderr}${full.stdout}`);
      assert.match(full.stdout, last ? /Set-up is complete|Nothing needed changing/ : /Stopped after step trigger/);
      await teardown(cwd);
    }
  });

  it('completes when re-run after being killed in the middle of creating the function', async () => {
    const cwd = tempDir('killed-');
    const killed = await runScript('all.ts', [], {
      cwd,
      env,
      onOutput: (out, kill) => {
        if (out.includes('5. Function')) kill();
      },
    });
    assert.notEqual(killed.code, 0);
    const full = await runScript('all.ts', [], { cwd, env });
    assert.equal(full.code, 0, full.stderr + full.stdout);
    await teardown(cwd);
  });
});

/** The aws-cli commands a run printed with --cli (identity checks left out). */
function printedCommands(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => /^\s+\$ ((?:[A-Z_]+="\$\()?aws .*)$/.exec(l)?.[1])
    .filter((c): c is string => Boolean(c) && !/ (get-caller-identity)/.test(c!));
}

/** Runs the commands as printed, in one shell, with the aws-cli under test. */
async function runVerbatim(commands: string[], cwd: string): Promise<void> {
  await runAsPrinted(commands, { cwd, env });
}

const cliSkip = needsAwsCli('test/walkthrough/resilience.test.ts');
describe('the printed aws-cli commands', { skip: cliSkip }, () => {
  it('do the same thing when run verbatim', async () => {
    const cwd = tempDir('cli-');
    // The package is a local build, not a change in the account: make it, then plan the rest.
    assert.equal((await runScript('30-package.ts', [], { cwd, env })).code, 0);
    const plan = await runScript('all.ts', ['--dry-run', '--cli', '--until', 'trigger'], { cwd, env });
    assert.equal(plan.code, 0, plan.stderr + plan.stdout);
    assert.ok(reported(plan.stdout, 'would').length >= 5, plan.stdout);
    const commands = printedCommands(plan.stdout);
    assert.ok(commands.some((c) => c.startsWith('aws iam create-role')));
    assert.ok(commands.some((c) => c.startsWith('aws lambda create-function')));
    await runVerbatim(commands, cwd);
    // Everything the commands made is what the walkthrough itself would have made.
    const real = await runScript('all.ts', [], { cwd, env });
    assert.equal(real.code, 0, real.stderr + real.stdout);
    assert.deepEqual(
      reported(real.stdout, 'created').filter((l) => !l.includes('package')),
      [],
    );
    assert.deepEqual(reported(real.stdout, 'changed'), []);

    // The test step's commands, with its tricky key (spaces, "+", accents): upload, invoke, wait, download.
    const tested = await runScript('60-test.ts', ['--cli'], { cwd, env });
    assert.equal(tested.code, 0, tested.stderr + tested.stdout);
    const testCommands = printedCommands(tested.stdout).filter((c) => !/ logs /.test(c));
    for (const op of ['put-object', 'lambda invoke', 'wait object-exists', 'get-object'])
      assert.ok(
        testCommands.some((c) => c.includes(op)),
        `${op} in ${testCommands.join('\n')}`,
      );
    // Start from nothing, so the wait and the download really are the commands' doing.
    const s3 = new S3Client(server.clientConfig());
    const dest = 's3-thumbnail-src-000000000000-us-east-1-resized';
    for (const o of (await s3.send(new ListObjectsV2Command({ Bucket: dest }))).Contents ?? [])
      await s3.send(new DeleteObjectCommand({ Bucket: dest, Key: o.Key }));
    for (const f of fs.readdirSync(path.join(cwd, 'out')).filter((f) => f.endsWith('-upload.jpg')))
      fs.rmSync(path.join(cwd, 'out', f));
    await runVerbatim(testCommands, cwd);
    const saved = fs.readdirSync(path.join(cwd, 'out')).filter((f) => f.endsWith('-upload.jpg'));
    assert.equal(saved.length, 1, saved.join(', '));
    assert.match(saved[0]!, /^Happy Face \+été \d+-upload\.jpg$/);
    assert.equal((await sharp(path.join(cwd, 'out', saved[0]!)).metadata()).width, 200);

    // Teardown's commands, from a dry run, remove everything: a real teardown then finds nothing left.
    const plannedDown = await runScript('80-teardown.ts', ['--dry-run', '--cli'], { cwd, env });
    assert.equal(plannedDown.code, 0, plannedDown.stderr + plannedDown.stdout);
    const downCommands = printedCommands(plannedDown.stdout);
    for (const op of ['delete-function', 'delete-role', 'delete-objects', 'delete-bucket'])
      assert.ok(
        downCommands.some((c) => c.includes(op)),
        `${op} in ${downCommands.join('\n')}`,
      );
    await runVerbatim(downCommands, cwd);
    const down = await runScript('80-teardown.ts', [], { cwd, env });
    assert.equal(down.code, 0, down.stderr + down.stdout);
    assert.deepEqual(reported(down.stdout, 'removed'), []);
    assert.deepEqual((await s3.send(new ListBucketsCommand({}))).Buckets ?? [], []);
  });
});

describe('least privilege', () => {
  it('fails the test step with AccessDenied when the role may not write thumbnails', async () => {
    const cwd = tempDir('denied-');
    const setup = await runScript('all.ts', ['--until', 'trigger'], { cwd, env });
    assert.equal(setup.code, 0, setup.stderr + setup.stdout);
    const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: ROOT });
    const RoleName = 'CreateThumbnail-us-east-1-role';
    const PolicyName = 'CreateThumbnail-thumbnails';
    const current = JSON.parse(
      decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }))).PolicyDocument!),
    );
    current.Statement = current.Statement.filter((s: { Sid?: string }) => s.Sid !== 'WriteThumbnails');
    await iam.send(new PutRolePolicyCommand({ RoleName, PolicyName, PolicyDocument: JSON.stringify(current) }));
    const denied = await runScript('60-test.ts', [], { cwd, env });
    assert.equal(denied.code, 1, denied.stdout);
    assert.match(denied.stderr, /AccessDenied/);
    assert.match(denied.stderr, /s3:PutObject/);
    assert.doesNotMatch(denied.stderr, /\n\s+at /);
    // Step 2 puts the policy back, and the test passes again.
    assert.equal((await runScript('10-role.ts', [], { cwd, env })).code, 0);
    const fixed = await runScript('60-test.ts', [], { cwd, env });
    assert.equal(fixed.code, 0, fixed.stderr + fixed.stdout);
    await teardown(cwd);
    fs.rmSync(cwd, { recursive: true, force: true });
  });
});

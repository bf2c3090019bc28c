// Interrupted runs resume; the printed aws-cli commands really do the same thing; a role without
// s3:PutObject makes the test step fail naming AccessDenied.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import { GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AWS_CLI, ROOT, startTestServer, tempDir, type TestServer } from '../helpers/local-aws.ts';
import { endpointEnv, reported, runScript, scriptEnv } from '../helpers/walkthrough.ts';
import { STEPS } from '../../walkthrough/all.ts';

const exec = promisify(execFile);
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
  const r = await runScript('90-teardown.ts', [], { cwd, env });
  assert.equal(r.code, 0, r.stderr + r.stdout);
}

describe('interruption', () => {
  it('completes when re-run after stopping after any step', async () => {
    const cwd = tempDir('interrupt-');
    for (const step of STEPS.slice(1, -1)) {
      const partial = await runScript('all.ts', ['--until', step.name], { cwd, env });
      assert.equal(partial.code, 0, `--until ${step.name}: ${partial.stderr}${partial.stdout}`);
      const full = await runScript('all.ts', [], { cwd, env });
      assert.equal(full.code, 0, `after --until ${step.name}: ${full.stderr}${full.stdout}`);
      assert.match(full.stdout, /Summary/);
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

describe('the printed aws-cli commands', () => {
  it('do the same thing when run verbatim', async () => {
    const cwd = tempDir('cli-');
    // The package is a local build, not a change in the account: make it, then plan the rest.
    assert.equal((await runScript('30-package.ts', [], { cwd, env })).code, 0);
    const plan = await runScript('all.ts', ['--dry-run', '--cli', '--until', 'trigger'], { cwd, env });
    assert.equal(plan.code, 0, plan.stderr + plan.stdout);
    assert.ok(reported(plan.stdout, 'would').length >= 5, plan.stdout);
    const commands = plan.stdout
      .split('\n')
      .map((l) => /^\s+\$ (aws .*)$/.exec(l)?.[1])
      .filter((c): c is string => Boolean(c) && !/ (get-caller-identity)/.test(c!));
    assert.ok(commands.some((c) => c.startsWith('aws iam create-role')));
    assert.ok(commands.some((c) => c.startsWith('aws lambda create-function')));
    for (const command of commands) {
      const cliEnv = { ...env, AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1' };
      await exec('sh', ['-c', command.replace(/^aws /, `${AWS_CLI} `)], { cwd, env: cliEnv }).catch((e: { stderr?: string }) => {
        throw new Error(`${command}\n${e.stderr}`);
      });
    }
    // Everything the commands made is what the walkthrough itself would have made.
    const real = await runScript('all.ts', [], { cwd, env });
    assert.equal(real.code, 0, real.stderr + real.stdout);
    assert.deepEqual(reported(real.stdout, 'created').filter((l) => !l.includes('package')), []);
    assert.deepEqual(reported(real.stdout, 'changed'), []);
    await teardown(cwd);
  });
});

describe('least privilege', () => {
  it('fails the test step with AccessDenied when the role may not write thumbnails', async () => {
    const cwd = tempDir('denied-');
    const setup = await runScript('all.ts', [], { cwd, env });
    assert.equal(setup.code, 0, setup.stderr + setup.stdout);
    const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: ROOT });
    const RoleName = 'CreateThumbnail-us-east-1-role';
    const PolicyName = 'CreateThumbnail-thumbnails';
    const current = JSON.parse(decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }))).PolicyDocument!));
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

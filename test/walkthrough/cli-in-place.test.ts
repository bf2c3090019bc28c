// --cli on a step whose resources are already in place still prints the aws-cli commands that create
// them, marked as already done; run verbatim against an empty endpoint, they make what the steps make.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { needsAwsCli, startTestServer, tempDir, type TestServer } from '../support/local-aws.ts';
import { endpointEnv, reported, runAsPrinted, runScript, said, scriptEnv } from '../support/walkthrough.ts';

let first: TestServer;
let second: TestServer;

before(async () => {
  [first, second] = await Promise.all([startTestServer(), startTestServer()]);
});
after(async () => {
  await Promise.all([first.stopAndRemove(), second.stopAndRemove()]);
});

// `aws ...`, or `NAME="$(aws ...)"` for a command whose answer a later one uses.
const DONE = /^\s+\$ ((?:[A-Z_]+="\$\()?aws .*?)\s+# already done$/;

describe('--cli on resources already in place', () => {
  it(
    'prints the commands that would create them, marked as done, and they work when copied',
    { skip: needsAwsCli('test/walkthrough/cli-in-place.test.ts: the copied commands') },
    async () => {
      const cwd = tempDir('cli-done-');
      const env = scriptEnv(endpointEnv(first.url));
      const setUp = await runScript('all.ts', ['--until', 'trigger'], { cwd, env });
      assert.equal(setUp.code, 0, said(setUp));
      const done: string[] = [];
      for (const [script, ops] of [
        ['10-role.ts', ['iam create-role', 'iam put-role-policy']],
        ['20-buckets.ts', ['s3api create-bucket', 's3api put-public-access-block', 's3api put-bucket-tagging']],
        ['40-function.ts', ['logs create-log-group', 'logs put-retention-policy', 'lambda create-function']],
        ['50-trigger.ts', ['lambda add-permission', 's3api put-bucket-notification-configuration']],
      ] as const) {
        const r = await runScript(script, ['--cli'], { cwd, env });
        assert.equal(r.code, 0, said(r));
        assert.deepEqual([...reported(r.stdout, 'created'), ...reported(r.stdout, 'changed')], [], r.stdout);
        const commands = r.stdout
          .split('\n')
          .map((l) => DONE.exec(l)?.[1])
          .filter((c): c is string => c !== undefined);
        for (const op of ops)
          assert.ok(
            commands.some((c) => c.startsWith(`aws ${op} `)),
            `${script}: no "${op}" marked as done in\n${r.stdout}`,
          );
        done.push(...commands.filter((c) => !c.includes('get-caller-identity')));
      }
      // Copied into a shell against an empty endpoint, the commands build the same set-up: the
      // walkthrough then finds everything there (tagged as its own) and creates nothing.
      const otherEnv = scriptEnv(endpointEnv(second.url));
      await runAsPrinted(
        done.map((command) => command.replaceAll(first.url, second.url)),
        { cwd, env: otherEnv },
      );
      const check = await runScript('all.ts', ['--until', 'trigger'], { cwd, env: otherEnv });
      assert.equal(check.code, 0, said(check));
      assert.deepEqual(
        reported(check.stdout, 'created').filter((l) => !l.includes('package')),
        [],
        check.stdout,
      );
      assert.deepEqual(reported(check.stdout, 'changed'), [], check.stdout);
    },
  );
});

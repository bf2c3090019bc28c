// The life of execution environments: idle ones stop, retire() and close() stop them, a new
// revision gets new ones, the concurrency limit queues invocations, and nothing outlives the endpoint.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteRolePolicyCommand, DeleteRoleCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { tempDir } from '../../../support/local-aws.ts';
import { harness, json, pidAlive, waitFor, type Harness } from '../../../support/lambda-runtime.ts';

let h: Harness;
before(async () => {
  h = await harness({ lambdaIdleMs: 400, lambdaMaxConcurrency: 2 });
});
after(async () => {
  await h.close();
});

// Returns its pid and temp folder; with `ms`, first marks that it started, then waits that long.
const PID_AND_WAIT = `import * as fs from 'node:fs'; import * as os from 'node:os'; import * as path from 'node:path';
export const handler = async (event) => {
  if (event.ms) {
    fs.writeFileSync(path.join(os.tmpdir(), 'started'), '');
    await new Promise((r) => setTimeout(r, event.ms));
  }
  return { pid: process.pid, tmp: os.tmpdir() };
};`;

interface PidTmp {
  pid: number;
  tmp: string;
}

describe('environment lifecycle', () => {
  it('stops an idle environment after lambdaIdleMs and removes its temp folder', async () => {
    const spec = h.fn({ 'index.mjs': PID_AND_WAIT });
    const { pid, tmp } = json<PidTmp>(await h.invoke(spec));
    assert.ok(pidAlive(pid));
    assert.ok(fs.existsSync(tmp));
    await waitFor(() => !pidAlive(pid), 'the idle environment to stop');
    await waitFor(() => !fs.existsSync(path.dirname(tmp)), 'its folder to be removed');
  });

  it('queues invocations beyond lambdaMaxConcurrency until an environment is free', async () => {
    const spec = h.fn({ 'index.mjs': PID_AND_WAIT });
    const started = Date.now();
    const results = await Promise.all([1, 2, 3].map(() => h.invoke(spec, { ms: 300 })));
    const pids = new Set(results.map((r) => json<PidTmp>(r).pid));
    assert.equal(pids.size, 2, 'two environments at most');
    assert.ok(Date.now() - started >= 600, 'the third invocation waited for a free environment');
    assert.equal(results.filter((r) => r.initDurationMs === undefined).length, 1, 'the third reused a warm one');
  });

  it('retire() stops idle environments at once and busy ones once their invocation is done', async () => {
    const spec = h.fn({ 'index.mjs': PID_AND_WAIT });
    const two = await Promise.all([h.invoke(spec, { ms: 100 }), h.invoke(spec, { ms: 100 })]);
    const pids = two.map((r) => json<PidTmp>(r).pid);
    assert.notEqual(pids[0], pids[1]);
    // One of the two warm environments takes this one; the other stays idle.
    const busyRun = h.invoke(spec, { ms: 300 });
    await h.engine.retire(spec.functionArn);
    const busy = await busyRun;
    assert.equal(busy.functionError, undefined, 'the running invocation completes');
    const busyPid = json<PidTmp>(busy).pid;
    const idlePid = pids.find((p) => p !== busyPid)!;
    assert.ok(pids.includes(busyPid));
    assert.equal(pidAlive(idlePid), false, 'the idle one stopped when retire() resolved');
    await waitFor(() => !pidAlive(busyPid), 'the busy environment to stop afterwards');
    const next = await h.invoke(spec);
    assert.ok(next.initDurationMs !== undefined, 'a new environment after retire');
  });

  it('does not reuse environments of an older revision', async () => {
    const spec = h.fn({ 'index.mjs': PID_AND_WAIT });
    const before = json<PidTmp>(await h.invoke(spec)).pid;
    const changed = { ...spec, revisionId: 'changed', environment: { V: '2' } };
    const afterChange = await h.invoke(changed);
    assert.notEqual(json<PidTmp>(afterChange).pid, before);
    await waitFor(() => !pidAlive(before), 'the old revision environment to stop');
  });

  it('does not reuse an environment whose role session was revoked (role recreated)', async () => {
    const roleArn = await h.createRole('recreated', { logs: false });
    const spec = h.fn(
      {
        'index.mjs':
          `import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
          export const handler = async () => ({ pid: process.pid, ` +
          `arn: (await new STSClient({}).send(new GetCallerIdentityCommand({}))).Arn });`,
      },
      { roleArn },
    );
    const first = json<{ pid: number; arn: string }>(await h.invoke(spec));
    await h.iam.send(new DeleteRoleCommand({ RoleName: 'recreated' }));
    await h.createRole('recreated', { logs: false });
    const second = await h.invoke(spec);
    assert.equal(second.functionError, undefined, second.payload.toString());
    const out = json<{ pid: number; arn: string }>(second);
    assert.notEqual(out.pid, first.pid);
    assert.equal(out.arn, first.arn);
  });

  it('fails the invocation when the role is gone or no longer trusts Lambda', async () => {
    const roleArn = await h.createRole('short-lived');
    const spec = h.fn({ 'index.mjs': PID_AND_WAIT }, { roleArn });
    const untrusted = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    await h.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'short-lived', PolicyDocument: untrusted }));
    await assert.rejects(h.invoke(spec), {
      code: 'InvalidParameterValueException',
      message: 'The role defined for the function cannot be assumed by Lambda.',
    });
    await h.iam.send(new DeleteRolePolicyCommand({ RoleName: 'short-lived', PolicyName: 'logs' }));
    await h.iam.send(new DeleteRoleCommand({ RoleName: 'short-lived' }));
    await assert.rejects(h.invoke(spec), { code: 'InvalidParameterValueException' });
  });
});

describe('shutdown', () => {
  it('close() leaves no runtime processes and no temp folders', async () => {
    const own = await harness();
    try {
      const a = own.fn({ 'index.mjs': PID_AND_WAIT });
      const b = own.fn({ 'index.mjs': PID_AND_WAIT });
      const pa = json<PidTmp>(await own.invoke(a));
      const pb = json<PidTmp>(await own.invoke(b));
      const running = own.invoke(b, { ms: 5000 });
      await waitFor(() => fs.existsSync(path.join(pb.tmp, 'started')), 'the handler to start');
      await own.engine.close();
      const stopped = await running;
      assert.equal(stopped.functionError, 'Unhandled', 'the interrupted invocation fails');
      for (const { pid, tmp } of [pa, pb]) {
        assert.equal(pidAlive(pid), false, `pid ${pid}`);
        assert.equal(fs.existsSync(tmp), false);
      }
      await assert.rejects(own.invoke(a), { code: 'ServiceException' });
    } finally {
      await own.close();
    }
  });

  it('runtimes exit on their own when the endpoint is killed, idle or stuck in a loop', async () => {
    const dataDir = tempDir();
    const script = fileURLToPath(new URL('../../../support/orphan-endpoint.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.on('exit', (code) => reject(new Error(`endpoint exited early (${code})`)));
      });
      const { idlePid, busyPid } = JSON.parse(line) as { idlePid: number; busyPid: number };
      assert.ok(pidAlive(idlePid) && pidAlive(busyPid));
      child.kill('SIGKILL');
      await waitFor(() => !pidAlive(idlePid) && !pidAlive(busyPid), 'the orphaned runtimes to exit', 5000);
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

// When the kernel refuses an environment's CPU limit, the endpoint says so: one `[local-aws] lambda:`
// line naming the environment and the error, and the health route (read by `npm run tune`) no longer
// claims CPU limits are enforced. The refusal is real: under cgroup v1 a group's CFS quota may not
// exceed its parent's, so the test gives the endpoint's parent group half a CPU before the first
// environment, and a 1769 MB function (one full vCPU) is refused its quota. Runs where the endpoint
// enforces limits with cgroup v1 (Linux as root); skipped elsewhere. Its own file: the refusal is
// remembered for the whole process, as an endpoint runs one per process.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { cpuCgroupSupport } from '../../../../local-aws/lambda/runtime/cpu.ts';
import { createRole } from '../../../support/lambda-kit.ts';
import { startTestServer, type TestServer, stderrDuring } from '../../../support/local-aws.ts';

interface CpuHealth {
  lambda: { cpu: { enforced: boolean; detail: string; failedEnvironments?: number } };
}

let server: TestServer;
let parent: string | undefined;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stopAndRemove();
  if (parent && fs.existsSync(parent)) fs.rmdirSync(parent);
});

const health = async () => ((await (await fetch(`${server.url}/_localaws/health`)).json()) as CpuHealth).lambda.cpu;

describe('CPU limits the kernel refuses', () => {
  it('logs the environment and the error, and the health route stops saying "enforced"', async (t) => {
    const before = await health();
    const root = cpuCgroupSupport();
    if (!before.enforced || root?.kind !== 'v1')
      return t.skip(`needs CPU limits enforced with cgroup v1: ${before.detail}`);

    parent = path.join(root.dir, `local-aws-lambda-${process.pid}`);
    fs.mkdirSync(parent, { recursive: true });
    fs.writeFileSync(path.join(parent, 'cpu.cfs_period_us'), '100000');
    fs.writeFileSync(path.join(parent, 'cpu.cfs_quota_us'), '50000');

    const lambda = new LambdaClient(server.clientConfig());
    const role = await createRole(new IAMClient(server.clientConfig()), 'cpu-refused', []);
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'refused',
        Role: role,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        MemorySize: 1769,
        Code: { ZipFile: zipSync({ 'index.mjs': Buffer.from('export const handler = async () => "ran";') }) },
      }),
    );
    await waitUntilFunctionActiveV2(
      { client: lambda, maxWaitTime: 30, minDelay: 1, maxDelay: 1 },
      { FunctionName: 'refused' },
    );
    let payload = '';
    const said = await stderrDuring(async () => {
      const r = await lambda.send(new InvokeCommand({ FunctionName: 'refused', Payload: Buffer.from('{}') }));
      assert.equal(r.FunctionError, undefined);
      payload = Buffer.from(r.Payload ?? []).toString();
    });
    // Not fatal: the function runs, only without its limit.
    assert.equal(payload, '"ran"');
    const line = said
      .split('\n')
      .find((l) => l.startsWith('[local-aws] lambda: CPU limit not applied to environment '));
    assert.ok(line, said);
    // Either its quota (2 cores: the burst is unlimited, the 1-vCPU share is refused) or, on more cores,
    // the burst already.
    assert.match(
      line,
      new RegExp(
        /environment \S+: (setting its quota \(100000 of 100000 us\)|creating its cgroup) /.source +
          /.*failed \(EINVAL: invalid argument, write\)/.source,
      ),
    );
    assert.match(line, /its durations do not follow its memory/);

    const after = await health();
    assert.equal(after.enforced, false);
    assert.equal(after.failedEnvironments, 1);
    assert.match(
      after.detail,
      new RegExp(
        /^CPU limits are not enforced for all environments: the kernel refused /.source +
          /the cpu\.cfs_quota_us limit of 1 environment\(s\) \(last: \S+: .*EINVAL/.source,
      ),
    );
  });
});

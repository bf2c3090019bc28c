// CPU share follows memory on the local endpoint, as on AWS: a CPU-bound handler is measurably
// slower at 256 MB than at 1769 MB where the machine lets the endpoint enforce it (cgroup cpu
// controller), INIT runs with a burst, and the endpoint says on its health route whether it enforces.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { cpuCgroupSupport, vcpuShare } from '../../../../local-aws/lambda/runtime/cpu.ts';
import { parseReport, type Report } from '../../../../walkthrough/lib/report-line.ts';
import { startTestServer, type TestServer } from '../../../support/local-aws.ts';

interface CpuHealth {
  lambda: { cpu: { enforced: boolean; detail: string; cores: number; mbPerVcpu: number; mechanism?: string } };
}

let server: TestServer;
let lambda: LambdaClient;
let health: CpuHealth;

async function cpuHealth(url: string): Promise<CpuHealth> {
  return (await (await fetch(`${url}/_localaws/health`)).json()) as CpuHealth;
}

/** The same loop runs at INIT (module scope) and in the handler, `n` turns each. */
const HANDLER = `
const spin = (n) => { let x = 0; for (let i = 0; i < n; i++) x += Math.sqrt(i + x) % 3; return x; };
spin(Number(process.env.SPIN));
export const handler = async () => ({ x: spin(Number(process.env.SPIN)) });
`;

/** Loop turns that take about `ms` of CPU here, so the test means the same on a fast or slow machine. */
function calibrate(ms: number): number {
  const spin = (n: number) => {
    let x = 0;
    for (let i = 0; i < n; i++) x += Math.sqrt(i + x) % 3;
    return x;
  };
  spin(1e6);
  const n = 4e6;
  const t0 = process.cpuUsage();
  spin(n);
  const used = process.cpuUsage(t0);
  const cpuMs = (used.user + used.system) / 1000;
  return Math.round((n * ms) / Math.max(cpuMs, 1));
}

before(async () => {
  server = await startTestServer();
  lambda = new LambdaClient(server.clientConfig());
  health = await cpuHealth(server.url);
});
after(async () => {
  await server.stopAndRemove();
});

async function invoke(name: string): Promise<Report> {
  const r = await lambda.send(new InvokeCommand({ FunctionName: name, LogType: 'Tail', Payload: Buffer.from('{}') }));
  assert.equal(r.FunctionError, undefined, Buffer.from(r.Payload ?? []).toString());
  const report = parseReport(Buffer.from(r.LogResult ?? '', 'base64').toString());
  assert.ok(report, 'a REPORT line in the log tail');
  return report;
}

describe('CPU share by memory', () => {
  it('says on the health route whether CPU limits are enforced, and how', async () => {
    const cpu = health.lambda.cpu;
    assert.equal(typeof cpu.enforced, 'boolean');
    assert.equal(cpu.mbPerVcpu, 1769);
    assert.ok(cpu.cores >= 1);
    assert.match(cpu.detail, cpu.enforced ? /one vCPU at 1769 MB/ : /not enforced|switched off/);
    const off = await startTestServer({ lambdaCpuLimits: false });
    try {
      const h = await cpuHealth(off.url);
      assert.equal(h.lambda.cpu.enforced, false);
      assert.match(h.lambda.cpu.detail, /switched off \(LOCAL_AWS_LAMBDA_CPU_LIMITS=0\)/);
    } finally {
      await off.stopAndRemove();
    }
  });

  it('runs a CPU-bound handler measurably slower at 256 MB than at 1769 MB', async (t) => {
    if (!health.lambda.cpu.enforced)
      return t.skip(`CPU limits are not enforced on this machine: ${health.lambda.cpu.detail}`);
    const iam = new IAMClient(server.clientConfig());
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    };
    const role = await iam.send(
      new CreateRoleCommand({ RoleName: 'cpu-test', AssumeRolePolicyDocument: JSON.stringify(trust) }),
    );
    const logsPolicy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: '*',
        },
      ],
    };
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'cpu-test',
        PolicyName: 'logs',
        PolicyDocument: JSON.stringify(logsPolicy),
      }),
    );
    const spin = calibrate(120);
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'spin',
        Role: role.Role!.Arn!,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        MemorySize: 1769,
        Timeout: 30,
        Environment: { Variables: { SPIN: String(spin) } },
        Code: { ZipFile: zipSync({ 'index.mjs': Buffer.from(HANDLER) }) },
      }),
    );
    const waiter = { client: lambda, maxWaitTime: 30, minDelay: 1, maxDelay: 1 };
    await waitUntilFunctionActiveV2(waiter, { FunctionName: 'spin' });
    await invoke('spin');
    const full = await invoke('spin');

    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'spin', MemorySize: 256 }));
    await waitUntilFunctionUpdatedV2(waiter, { FunctionName: 'spin' });
    const cold = await invoke('spin');
    const small = await invoke('spin');
    assert.equal(small.memorySizeMb, 256);
    t.diagnostic(`1769 MB: ${full.durationMs} ms; 256 MB: ${small.durationMs} ms (init ${cold.initDurationMs} ms)`);
    // 0.14 vCPU against 1 vCPU: about 7 times slower when nothing else runs; other tests share the machine
    // and slow the 1 vCPU run more than the capped one (2.4x seen with the suite on 2 cores): without the
    // cap both would take the same.
    assert.ok(small.durationMs > 2 * full.durationMs, `256 MB: ${small.durationMs} ms, 1769 MB: ${full.durationMs} ms`);
    // INIT ran the same loop with a burst, plus the runtime's start. Throttled like the handler, it would take
    // about twice the handler (the loop, and Node's start at 0.14 vCPU); with the burst it takes less, even
    // when the suite's other files leave the burst less than a whole core (then init is near the handler).
    assert.ok(
      cold.initDurationMs !== undefined && cold.initDurationMs < 1.5 * small.durationMs,
      `init ${cold.initDurationMs} ms, handler ${small.durationMs} ms`,
    );

    // The kernel holds the quota: one environment left (the 1769 MB one was retired by the update).
    const root = cpuCgroupSupport()!;
    const parent = path.join(root.dir, `local-aws-lambda-${process.pid}`);
    const groups = fs.readdirSync(parent, { withFileTypes: true }).filter((d) => d.isDirectory());
    assert.equal(groups.length, 1, groups.map((g) => g.name).join());
    const file = root.kind === 'v1' ? 'cpu.cfs_quota_us' : 'cpu.max';
    const quota = Number(fs.readFileSync(path.join(parent, groups[0]!.name, file), 'utf8').split(' ')[0]);
    assert.equal(quota, Math.round(vcpuShare(256) * 100_000));
  });
});

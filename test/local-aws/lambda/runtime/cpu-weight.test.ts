// The endpoint's CPU cgroup weighs as much as its environments would as processes: with the default
// weight, all environments together got one process's share of a busy machine.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { zipSync } from 'fflate';
import { cpuCgroupSupport } from '../../../../local-aws/lambda/runtime/cpu.ts';
import { createRole } from '../../../support/lambda-kit.ts';
import { startTestServer, type TestServer } from '../../../support/local-aws.ts';

const root = cpuCgroupSupport();
let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stopAndRemove();
});

describe('CPU weight of the environments', { skip: !root && 'no writable cgroup cpu controller here' }, () => {
  it('grows with the environments: two at once weigh as two processes', async () => {
    const lambda = new LambdaClient(server.clientConfig());
    const role = await createRole(new IAMClient(server.clientConfig()), 'cpu-weight');
    const zip = zipSync({
      'index.mjs': Buffer.from('export const handler = async () => new Promise((r) => setTimeout(r, 300));\n'),
    });
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'w',
        Role: role,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Code: { ZipFile: zip },
      }),
    );
    await waitUntilFunctionActiveV2(
      { client: lambda, maxWaitTime: 30, minDelay: 1, maxDelay: 1 },
      { FunctionName: 'w' },
    );
    // Two invocations at once need two environments.
    await Promise.all([1, 2].map(() => lambda.send(new InvokeCommand({ FunctionName: 'w' }))));
    const parent = path.join(root!.dir, `local-aws-lambda-${process.pid}`);
    const environments = fs.readdirSync(parent, { withFileTypes: true }).filter((d) => d.isDirectory()).length;
    assert.equal(environments, 2);
    const [file, unit] = root!.kind === 'v1' ? ['cpu.shares', 1024] : ['cpu.weight', 100];
    assert.equal(Number(fs.readFileSync(path.join(parent, file), 'utf8')), 2 * unit);
  });
});

// Durability of IAM, CloudWatch Logs and STS: the endpoint runs as its own process; after `kill -9`
// and a restart on the same data folder, an acknowledged role (with its inline policy), log event and
// STS session are still there, and the session's credentials are still accepted until they expire.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateRoleCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ACCOUNT, ROOT, tempDir, type Credentials } from '../helpers/local-aws.ts';

const ROOT_DIR = path.resolve(import.meta.dirname, '../..');
let dataDir: string;
let port: number;
let child: ChildProcess | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
    srv.on('error', reject);
  });
}

async function startServer(): Promise<void> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'local-aws/cli.ts', 'serve'], {
    cwd: ROOT_DIR,
    env: { ...process.env, LOCAL_AWS_PORT: String(port), LOCAL_AWS_DATA: dataDir, LOCAL_AWS_LOG_REQUESTS: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child = proc;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the server exited (${proc.exitCode}): ${stderr}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/_localaws/health`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server did not come up: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function kill9(): Promise<void> {
  const proc = child!;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await exited;
  child = undefined;
}

const config = (credentials: Credentials = ROOT) => ({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials, maxAttempts: 1 });
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'sts:AssumeRole' }] });
const INLINE = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'logs:*', Resource: '*' }] });

before(async () => {
  dataDir = tempDir('durability-');
  port = await freePort();
});
after(async () => {
  if (child) await kill9();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('IAM, Logs and STS durability across kill -9', () => {
  it('keeps a role and its policy, a log event and an STS session', async () => {
    await startServer();
    const iam = new IAMClient(config());
    const role = (await iam.send(new CreateRoleCommand({ RoleName: 'durable-role', AssumeRolePolicyDocument: TRUST }))).Role!;
    await iam.send(new PutRolePolicyCommand({ RoleName: 'durable-role', PolicyName: 'logs', PolicyDocument: INLINE }));
    const logs = new CloudWatchLogsClient(config());
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/durable' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/durable', logStreamName: 's' }));
    const timestamp = Date.now();
    await logs.send(new PutLogEventsCommand({ logGroupName: '/durable', logStreamName: 's', logEvents: [{ timestamp, message: 'acknowledged' }] }));
    const assumed = await new STSClient(config()).send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'survivor' }));
    const c = assumed.Credentials!;
    const session = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
    await kill9();

    await startServer();
    const again = (await new IAMClient(config()).send(new GetRoleCommand({ RoleName: 'durable-role' }))).Role!;
    assert.equal(again.RoleId, role.RoleId);
    assert.equal(again.Arn, role.Arn);
    const inline = await new IAMClient(config()).send(new GetRolePolicyCommand({ RoleName: 'durable-role', PolicyName: 'logs' }));
    assert.deepEqual(JSON.parse(decodeURIComponent(inline.PolicyDocument!)), JSON.parse(INLINE));
    const events = await new CloudWatchLogsClient(config()).send(
      new GetLogEventsCommand({ logGroupName: '/durable', logStreamName: 's', startFromHead: true }),
    );
    assert.deepEqual(events.events?.map((e) => [e.timestamp, e.message]), [[timestamp, 'acknowledged']]);
    // AWS keeps session credentials valid until they expire, whatever happens to the service.
    const id = await new STSClient(config(session)).send(new GetCallerIdentityCommand({}));
    assert.equal(id.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/durable-role/survivor`);
    // The session still carries the role's permissions: its inline policy allows Logs.
    await new CloudWatchLogsClient(config(session)).send(
      new PutLogEventsCommand({ logGroupName: '/durable', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: 'as the role' }] }),
    );
    await assert.rejects(
      new STSClient(config({ ...session, sessionToken: 'forged' })).send(new GetCallerIdentityCommand({})),
      { name: 'InvalidClientTokenId' },
    );
  });
});

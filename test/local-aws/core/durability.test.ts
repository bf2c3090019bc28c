// Durability of IAM, CloudWatch Logs and STS: the endpoint runs as its own process; after `kill -9`
// and a restart on the same data folder, an acknowledged role (with its inline policy), log event and
// STS session are still there, and the session's credentials are still accepted until they expire.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  ACCOUNT,
  ROOT,
  tempDir,
  type Credentials,
  freePort,
  spawnServer,
  type ServerProcess,
} from '../../support/local-aws.ts';

let dataDir: string;
let port: number;
let server: ServerProcess | undefined;

async function startServer(): Promise<void> {
  server = await spawnServer(port, dataDir, { LOCAL_AWS_LOG_REQUESTS: '' });
}

async function kill9(): Promise<void> {
  await server?.stop('SIGKILL');
  server = undefined;
}

const config = (credentials: Credentials = ROOT) => ({
  endpoint: `http://127.0.0.1:${port}`,
  region: 'us-east-1',
  credentials,
  maxAttempts: 1,
});
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'sts:AssumeRole' }],
});
const INLINE = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'logs:*', Resource: '*' }],
});

before(async () => {
  dataDir = tempDir('durability-');
  port = await freePort();
});
after(async () => {
  await kill9();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('IAM, Logs and STS durability across kill -9', () => {
  it('keeps a role and its policy, a log event and an STS session', async () => {
    await startServer();
    const iam = new IAMClient(config());
    const role = (await iam.send(new CreateRoleCommand({ RoleName: 'durable-role', AssumeRolePolicyDocument: TRUST })))
      .Role!;
    await iam.send(new PutRolePolicyCommand({ RoleName: 'durable-role', PolicyName: 'logs', PolicyDocument: INLINE }));
    const logs = new CloudWatchLogsClient(config());
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/durable' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/durable', logStreamName: 's' }));
    const timestamp = Date.now();
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: '/durable',
        logStreamName: 's',
        logEvents: [{ timestamp, message: 'acknowledged' }],
      }),
    );
    const assumed = await new STSClient(config()).send(
      new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'survivor' }),
    );
    const c = assumed.Credentials!;
    const session = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
    await kill9();

    await startServer();
    const again = (await new IAMClient(config()).send(new GetRoleCommand({ RoleName: 'durable-role' }))).Role!;
    assert.equal(again.RoleId, role.RoleId);
    assert.equal(again.Arn, role.Arn);
    const inline = await new IAMClient(config()).send(
      new GetRolePolicyCommand({ RoleName: 'durable-role', PolicyName: 'logs' }),
    );
    assert.deepEqual(JSON.parse(decodeURIComponent(inline.PolicyDocument!)), JSON.parse(INLINE));
    const events = await new CloudWatchLogsClient(config()).send(
      new GetLogEventsCommand({ logGroupName: '/durable', logStreamName: 's', startFromHead: true }),
    );
    assert.deepEqual(
      events.events?.map((e) => [e.timestamp, e.message]),
      [[timestamp, 'acknowledged']],
    );
    // AWS keeps session credentials valid until they expire, whatever happens to the service.
    const id = await new STSClient(config(session)).send(new GetCallerIdentityCommand({}));
    assert.equal(id.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/durable-role/survivor`);
    // The session still carries the role's permissions: its inline policy allows Logs.
    await new CloudWatchLogsClient(config(session)).send(
      new PutLogEventsCommand({
        logGroupName: '/durable',
        logStreamName: 's',
        logEvents: [{ timestamp: Date.now(), message: 'as the role' }],
      }),
    );
    await assert.rejects(
      new STSClient(config({ ...session, sessionToken: 'forged' })).send(new GetCallerIdentityCommand({})),
      { name: 'InvalidClientTokenId' },
    );
  });
});

// Settings that change who the endpoint trusts and where it listens: LOCAL_AWS_ACCESS_KEY_ID,
// LOCAL_AWS_SECRET_ACCESS_KEY and LOCAL_AWS_ACCOUNT_ID replace the `test` root; it binds loopback only.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { loadConfig } from '../../local-aws/config.ts';
import { startLocalAws, type LocalAwsServer } from '../../local-aws/server.ts';
import { awsCli, needsAwsCli, ROOT, tempDir } from '../support/local-aws.ts';

const KEY = { accessKeyId: 'AKIALOCALOVERRIDE001', secretAccessKey: 'another-secret' };
const ACCOUNT = '123456789012';
const TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

let local: LocalAwsServer;
let dataDir: string;
before(async () => {
  dataDir = tempDir('settings-');
  // The variables as a user sets them (no overrides besides a free port and the temp folder).
  const env = {
    LOCAL_AWS_ACCESS_KEY_ID: KEY.accessKeyId,
    LOCAL_AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey,
    LOCAL_AWS_ACCOUNT_ID: ACCOUNT,
  };
  local = await startLocalAws(loadConfig(env, { port: 0, dataDir }));
});
after(async () => {
  await local.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const client = (credentials: typeof KEY) => ({
  endpoint: local.url,
  region: 'us-east-1',
  credentials,
  forcePathStyle: true,
  maxAttempts: 1,
});

describe('root credential and account overrides', () => {
  it('accepts the configured key and reports the configured account', async () => {
    const id = await new STSClient(client(KEY)).send(new GetCallerIdentityCommand({}));
    assert.equal(id.Account, ACCOUNT);
    assert.equal(id.Arn, `arn:aws:iam::${ACCOUNT}:root`);
    await new S3Client(client(KEY)).send(new ListBucketsCommand({}));
    const role = await new IAMClient(client(KEY)).send(
      new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: JSON.stringify(TRUST) }),
    );
    assert.equal(role.Role?.Arn, `arn:aws:iam::${ACCOUNT}:role/r`);
  });

  const cliSkip = needsAwsCli('test/local-aws/endpoint-settings.test.ts: the aws-cli with the configured key');
  it('the aws-cli with the configured key reports the configured account', { skip: cliSkip }, async () => {
    const cli = await awsCli(local.url, ['sts', 'get-caller-identity'], { credentials: KEY });
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(JSON.parse(cli.stdout).Account, ACCOUNT);
  });

  it('refuses the default `test` key as unknown, and the right key with the default secret', async () => {
    await assert.rejects(new STSClient(client(ROOT)).send(new GetCallerIdentityCommand({})), {
      name: 'InvalidClientTokenId',
    });
    await assert.rejects(new S3Client(client(ROOT)).send(new ListBucketsCommand({})), { name: 'InvalidAccessKeyId' });
    const wrongSecret = { accessKeyId: KEY.accessKeyId, secretAccessKey: 'test' };
    await assert.rejects(new STSClient(client(wrongSecret)).send(new GetCallerIdentityCommand({})), {
      name: 'SignatureDoesNotMatch',
    });
  });
});

describe('loopback only', () => {
  it('the running server is bound to 127.0.0.1', () => {
    const address = local.server.address() as net.AddressInfo;
    assert.equal(address.address, '127.0.0.1');
    assert.equal(address.family, 'IPv4');
  });

  it("cannot be reached on the machine's other addresses", async () => {
    const port = (local.server.address() as net.AddressInfo).port;
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((a): a is os.NetworkInterfaceInfo => a !== undefined && !a.internal);
    for (const a of others) {
      const outcome = await new Promise<string>((resolve) => {
        const socket = net.connect({ host: a.address, port, timeout: 2000 });
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('timeout', () => {
          socket.destroy();
          resolve('timeout');
        });
        socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      assert.notEqual(outcome, 'connected', `reachable on ${a.address}:${port}`);
    }
  });
});

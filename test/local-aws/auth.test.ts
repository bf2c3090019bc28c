// SigV4 authentication through the real clients, plus hand-made requests the SDK would never send.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { signHeaders } from '../../local-aws/core/sigv4.ts';
import { awsCli, ROOT, startTestServer, type TestServer } from '../helpers/local-aws.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stopAndRemove();
});

describe('SigV4 authentication', () => {
  it('accepts the local root credentials from the SDK', async () => {
    const sts = new STSClient(server.clientConfig());
    const id = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(id.Account, '000000000000');
    assert.equal(id.Arn, 'arn:aws:iam::000000000000:root');
  });

  it('accepts any region in the credential scope', async () => {
    const sts = new STSClient(server.clientConfig({ region: 'eu-west-3' }));
    assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Account, '000000000000');
  });

  it('refuses a wrong secret with SignatureDoesNotMatch', async () => {
    const sts = new STSClient(server.clientConfig({ credentials: { accessKeyId: 'test', secretAccessKey: 'nope' } }));
    await assert.rejects(sts.send(new GetCallerIdentityCommand({})), { name: 'SignatureDoesNotMatch' });
  });

  it('refuses an unknown key with InvalidClientTokenId', async () => {
    const sts = new STSClient(server.clientConfig({ credentials: { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' } }));
    await assert.rejects(sts.send(new GetCallerIdentityCommand({})), { name: 'InvalidClientTokenId' });
  });

  it('refuses an unsigned request', async () => {
    const res = await fetch(server.url + '/', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    assert.equal(res.status, 403);
    assert.match(await res.text(), /<Code>MissingAuthenticationToken<\/Code>/);
  });

  it('refuses a request signed 16 minutes ago', async () => {
    const url = new URL(server.url + '/');
    const body = 'Action=GetCallerIdentity&Version=2011-06-15';
    const headers = signHeaders({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      region: 'us-east-1',
      service: 'sts',
      ...ROOT,
      date: new Date(Date.now() - 16 * 60 * 1000),
    });
    const res = await fetch(url, { method: 'POST', headers, body });
    assert.equal(res.status, 403);
    assert.match(await res.text(), /Signature expired/);
  });

  it('answers the real aws-cli, and refuses it with a wrong secret', async () => {
    const ok = await awsCli(server.url, ['sts', 'get-caller-identity']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).Account, '000000000000');
    const bad = await awsCli(server.url, ['sts', 'get-caller-identity'], {
      credentials: { accessKeyId: 'test', secretAccessKey: 'wrong' },
    });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /SignatureDoesNotMatch/);
  });
});

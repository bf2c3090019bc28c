// `npm run local:start | stop | status | reset`, as a user runs them, and one endpoint per data folder.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { loadConfig } from '../../local-aws/config.ts';
import { startLocalAws } from '../../local-aws/server.ts';
import { ROOT, localCli, tempDir } from '../support/local-aws.ts';

async function freePort(): Promise<number> {
  const srv = http.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('local endpoint commands', () => {
  const dir = tempDir('control-');
  let env: NodeJS.ProcessEnv;
  after(async () => {
    await localCli(['stop'], env);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('start, status, start again, stop, status', async () => {
    env = { LOCAL_AWS_PORT: String(await freePort()), LOCAL_AWS_DATA: path.join(dir, 'data') };
    const started = await localCli(['start'], env);
    assert.equal(started.code, 0, started.out);
    assert.match(started.out, new RegExp(`started at http://127\\.0\\.0\\.1:${env.LOCAL_AWS_PORT}`));
    const sts = new STSClient({
      endpoint: `http://127.0.0.1:${env.LOCAL_AWS_PORT}`,
      region: 'us-east-1',
      credentials: ROOT,
    });
    assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Account, '000000000000');
    assert.match((await localCli(['status'], env)).out, /running at/);
    const again = await localCli(['start'], env);
    assert.equal(again.code, 0);
    assert.match(again.out, /already running/);
    assert.equal((await localCli(['stop'], env)).code, 0);
    const status = await localCli(['status'], env);
    assert.equal(status.code, 3);
    assert.match(status.out, /not running/);
  });

  it('reset asks first, refuses without a terminal, and wipes with --yes', async () => {
    const refused = await localCli(['reset'], env);
    assert.equal(refused.code, 1);
    assert.match(refused.out, /pass --yes/);
    assert.ok(fs.existsSync(env.LOCAL_AWS_DATA!));
    const wiped = await localCli(['reset', '--yes'], env);
    assert.equal(wiped.code, 0, wiped.out);
    assert.ok(!fs.existsSync(env.LOCAL_AWS_DATA!));
  });

  it('reset --yes while it runs: stops it, wipes the state, starts it again', async () => {
    const endpoint = `http://127.0.0.1:${env.LOCAL_AWS_PORT}`;
    const pid = async () => ((await (await fetch(`${endpoint}/_localaws/health`)).json()) as { pid: number }).pid;
    assert.equal((await localCli(['start'], env)).code, 0);
    const s3 = new S3Client({ endpoint, region: 'us-east-1', credentials: ROOT, forcePathStyle: true, maxAttempts: 1 });
    await s3.send(new CreateBucketCommand({ Bucket: 'made-before-reset' }));
    const before = await pid();
    const r = await localCli(['reset', '--yes'], env);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`deleted .*\\n.*restarted at ${endpoint}`));
    assert.notEqual(await pid(), before, 'a new process serves the endpoint');
    assert.deepEqual((await s3.send(new ListBucketsCommand({}))).Buckets ?? [], []);
    assert.match((await localCli(['status'], env)).out, /running at/);
  });

  it('reset refuses a folder that is not a data folder', async () => {
    const precious = path.join(dir, 'precious');
    fs.mkdirSync(precious);
    fs.writeFileSync(path.join(precious, 'thesis.txt'), 'do not delete');
    const r = await localCli(['reset', '--yes'], { ...env, LOCAL_AWS_DATA: precious });
    assert.equal(r.code, 1);
    assert.match(r.out, /does not look like a local endpoint data folder/);
    assert.ok(fs.existsSync(path.join(precious, 'thesis.txt')));
  });

  it('says so when the port belongs to another program', async () => {
    const other = http.createServer((_, res) => res.end('hello'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const port = (other.address() as AddressInfo).port;
    const r = await localCli(['start'], { ...env, LOCAL_AWS_PORT: String(port) });
    other.close();
    assert.equal(r.code, 1);
    assert.match(r.out, /used by another program/);
  });

  it('refuses a second endpoint on the same data folder', async () => {
    const shared = path.join(dir, 'shared');
    const first = await startLocalAws(loadConfig({}, { port: 0, dataDir: shared }));
    try {
      await assert.rejects(
        startLocalAws(loadConfig({}, { port: 0, dataDir: shared })),
        /Another local endpoint \(pid \d+\) uses the data folder/,
      );
    } finally {
      await first.close();
    }
    const again = await startLocalAws(loadConfig({}, { port: 0, dataDir: shared }));
    await again.close();
  });

  it('prints a failure without a stack trace unless LOCAL_AWS_DEBUG is 1 or true', async () => {
    const failing = { ...env, LOCAL_AWS_PORT: 'not-a-port' };
    const stack = /\n\s+at /;
    const cases: Array<[string | undefined, boolean]> = [
      [undefined, false],
      ['0', false],
      ['false', false],
      ['1', true],
      ['true', true],
    ];
    await Promise.all(
      cases.map(async ([debug, wanted]) => {
        const r = await localCli(['status'], debug === undefined ? failing : { ...failing, LOCAL_AWS_DEBUG: debug });
        assert.equal(r.code, 1, r.out);
        assert.match(r.out, /LOCAL_AWS_PORT must be/);
        (wanted ? assert.match : assert.doesNotMatch)(r.out, stack, `LOCAL_AWS_DEBUG=${debug}: ${r.out}`);
      }),
    );
  });

  it('listens on loopback only by default', () => {
    assert.equal(loadConfig({}).host, '127.0.0.1');
  });
});

describe('asking the port who is there', () => {
  const title = 'gives up on a server that answers too slowly (a deadline on the whole exchange, not per byte)';
  it(title, { timeout: 10_000 }, async () => {
    const { probe } = await import('../../local-aws/control.ts');
    const sockets = new Set<import('node:net').Socket>();
    // Headers trickle in, a line every 50 ms, forever: never idle long enough for a socket timeout.
    const slow = (await import('node:net')).createServer((socket) => {
      sockets.add(socket);
      socket.write('HTTP/1.1 200 OK\r\n');
      const timer = setInterval(() => socket.write('X-Slow: 1\r\n'), 50);
      socket.on('close', () => clearInterval(timer));
      socket.on('error', () => clearInterval(timer));
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    try {
      const port = (slow.address() as AddressInfo).port;
      const started = Date.now();
      assert.equal(await probe({ host: '127.0.0.1', port }, 300), 'other');
      assert.ok(Date.now() - started < 5000, `settled after ${Date.now() - started} ms`);
      assert.equal(await probe({ host: '127.0.0.1', port: await freePort() }, 300), undefined, 'nobody there');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => slow.close(r));
    }
  });
});

// `npm run logs` against a walkthrough set up on the local endpoint: events grouped by invocation with
// their START/END/REPORT lines, --since, --filter (applied by the service, frames kept), --follow
// seeing an invocation made after it started, --cli's `aws logs tail`, and the message when there is
// no log group yet.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { startTestServer, tempDir, type TestServer } from '../support/local-aws.ts';
import { endpointEnv, PROJECT, runScript, said, scriptEnv } from '../support/walkthrough.ts';

let server: TestServer;
let env: NodeJS.ProcessEnv;
let cwd: string;
before(async () => {
  server = await startTestServer();
  env = scriptEnv(endpointEnv(server.url));
  cwd = tempDir('logs-');
  const setup = await runScript('all.ts', [], { cwd, env });
  assert.equal(setup.code, 0, said(setup));
});
after(async () => {
  await server.stopAndRemove();
  fs.rmSync(cwd, { recursive: true, force: true });
});

const logs = (...args: string[]) => runScript('logs.ts', args, { cwd, env });
const headers = (out: string) => out.split('\n').filter((l) => l.startsWith('── '));
const ID = /invocation ([0-9a-f-]{36})/;

/** Each invocation group has START, END and REPORT lines of its own request id. */
function assertFramed(out: string): void {
  const groups = out.split('\n── ').slice(1);
  assert.ok(groups.length > 0, out);
  for (const g of groups) {
    const id = ID.exec(g)?.[1];
    if (!id) continue; // INIT_START lines of no invocation
    for (const kind of ['START', 'END', 'REPORT'])
      assert.ok(g.includes(`${kind} RequestId: ${id}`), `${kind} in\n${g}`);
  }
}

describe('npm run logs', () => {
  it('prints the invocations of the set-up, grouped, newest last, with START/END/REPORT', async () => {
    const r = await logs();
    assert.equal(r.code, 0, said(r));
    const hs = headers(r.stdout).filter((h) => ID.test(h));
    // The test step: (a) a direct invoke, the same upload's notification, and (b) the upload.
    assert.ok(hs.length >= 3, r.stdout);
    const times = hs.map((h) => h.slice(3, 22));
    assert.deepEqual(times, [...times].sort(), 'newest last');
    assert.match(r.stdout, /thumbnail_written/);
    assertFramed(r.stdout);
  });

  it('--since takes a duration or an ISO date, and refuses anything else', async () => {
    const hour = await logs('--since', '1h');
    assert.equal(hour.code, 0, said(hour));
    assert.ok(headers(hour.stdout).length >= 3, hour.stdout);
    const future = await logs('--since', new Date(Date.now() + 3_600_000).toISOString());
    assert.equal(future.code, 0, said(future));
    assert.match(future.stdout, /no log events in \/aws\/lambda\/CreateThumbnail since/);
    assert.deepEqual(headers(future.stdout), []);
    const bad = await logs('--since', '5 fortnights');
    assert.equal(bad.code, 2, said(bad));
    assert.match(bad.stderr, /--since 5 fortnights: give a duration such as 30s, 10m/);
  });

  it('--filter is applied by the service and keeps the frames of the invocations it matched', async () => {
    const upload = await logs('--filter', '"-upload.jpg"');
    assert.equal(upload.code, 0, said(upload));
    assert.equal(headers(upload.stdout).length, 1, upload.stdout);
    assert.doesNotMatch(upload.stdout, /-invoke Happy Face/);
    assertFramed(upload.stdout);
    const without = await logs('--filter=thumbnail_written -upload.jpg');
    assert.equal(without.code, 0, said(without));
    const lines = without.stdout.slice(without.stdout.indexOf('\n── '));
    assert.match(lines, /-invoke Happy Face/);
    assert.doesNotMatch(lines, /-upload\.jpg/);
    assertFramed(without.stdout);
    const none = await logs('--filter', 'no-such-term-anywhere');
    assert.match(none.stdout, /no log events .* matching no-such-term-anywhere/);
  });

  for (const filtered of [false, true])
    it(`--follow${filtered ? ' --filter' : ''}: a later invocation is printed; Ctrl-C stops it`, async () => {
      const marker = `follow-marker-${Date.now()}`;
      // With a pattern, START and REPORT come in through the frames of the invocation it matched.
      const extra = filtered ? ['--filter', marker] : [];
      const child = spawn(
        process.execPath,
        ['--import', import.meta.resolve('tsx'), path.join(PROJECT, 'walkthrough', 'logs.ts'), '--follow', ...extra],
        { cwd, env: { ...env, AWS_REGION: 'us-east-1' } },
      );
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      const seen = (test: (out: string) => boolean, what: string) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no ${what} within 60 s:\n${stdout}\n${stderr}`)), 60_000);
          const check = () => {
            if (!test(stdout)) return;
            clearTimeout(timer);
            child.stdout.off('data', check);
            resolve();
          };
          child.stdout.on('data', (d: Buffer) => {
            stdout += d.toString();
            check();
          });
          check();
        });
      try {
        await seen((o) => o.includes('following /aws/lambda/CreateThumbnail'), 'start');
        const lambda = new LambdaClient(server.clientConfig());
        const r = await lambda.send(
          new InvokeCommand({
            FunctionName: 'CreateThumbnail',
            Payload: Buffer.from(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: marker })),
          }),
        );
        assert.equal(r.FunctionError, undefined);
        await seen((o) => {
          const at = o.indexOf(`"bucket":"${marker}"`);
          return at >= 0 && /REPORT RequestId: /.test(o.slice(at));
        }, 'the new invocation');
        const group = stdout.slice(stdout.lastIndexOf('── ', stdout.indexOf(`"bucket":"${marker}"`)));
        const id = ID.exec(group)?.[1];
        assert.ok(id && group.includes(`START RequestId: ${id}`) && group.includes(`REPORT RequestId: ${id}`), group);
        child.kill('SIGINT');
        assert.equal(await exited, 0, stderr);
      } finally {
        child.kill('SIGKILL');
      }
    });

  it('--cli prints the aws logs tail equivalent', async () => {
    const r = await logs('--cli', '--since', '1h', '--filter', 'thumbnail_written');
    assert.equal(r.code, 0, said(r));
    const line = /\$ (aws logs tail .*)/.exec(r.stdout)?.[1];
    assert.ok(line, r.stdout);
    assert.match(line, /^aws logs tail \/aws\/lambda\/CreateThumbnail --since 1h --filter-pattern thumbnail_written /);
    assert.ok(line.includes(`--endpoint-url ${server.url}`), line);
  });

  it('says to run step 5 first when there is no log group', async () => {
    const r = await logs('--function-name', 'NotThere');
    assert.equal(r.code, 1, said(r));
    assert.match(r.stderr, /There is no log group \/aws\/lambda\/NotThere yet/);
    assert.match(r.stderr, /Run step 5 first: npx tsx walkthrough\/40-function\.ts/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
});

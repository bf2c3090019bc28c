// walkthrough/extras/persistence.ts run as a user runs it, against a local endpoint started here:
// over a known sequence (3 in a row, then 2 at once) its printed table must show one environment
// reused with counts 1..3 and caches found after the first call, then two environments at once;
// --teardown and `npm run teardown` remove the probe and nothing else.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetRolePolicyCommand, IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { startTestServer, tempDir, type TestServer } from '../../support/local-aws.ts';
import { endpointEnv, reported, runScript, said, scriptEnv } from '../../support/walkthrough.ts';

const SCRIPT = 'extras/persistence.ts';
const PROBE = 'CreateThumbnail-probe';

let server: TestServer;
let env: NodeJS.ProcessEnv;
let cwd: string;
let lambda: LambdaClient;
let iam: IAMClient;
let logs: CloudWatchLogsClient;

before(async () => {
  server = await startTestServer();
  env = scriptEnv(endpointEnv(server.url));
  cwd = tempDir('persistence-');
  lambda = new LambdaClient(server.clientConfig());
  iam = new IAMClient(server.clientConfig());
  logs = new CloudWatchLogsClient(server.clientConfig());
});
after(async () => {
  await server.stopAndRemove();
  fs.rmSync(cwd, { recursive: true, force: true });
});

interface Row {
  n: number;
  sent: string;
  env: string;
  stream: string;
  served: number;
  moduleHit: boolean;
  tmpHit: boolean;
  start: string;
}

/** The rows of the printed table. */
function rows(stdout: string): Row[] {
  const re =
    /^\s+(\d+)\s+(in a row|at once)\s+([A-Z])\s+(\S+)\s+(\d+)\s+(hit|miss)\s+(hit|miss)\s+(cold|warm)\s+(\d+|-)\s*$/;
  return stdout
    .split('\n')
    .map((l) => re.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({
      n: Number(m[1]),
      sent: m[2]!,
      env: m[3]!,
      stream: m[4]!,
      served: Number(m[5]),
      moduleHit: m[6] === 'hit',
      tmpHit: m[7] === 'hit',
      start: m[8]!,
    }));
}

const run = (...args: string[]) => runScript(SCRIPT, args, { cwd, env });

async function probeExists(): Promise<boolean> {
  try {
    await lambda.send(new GetFunctionCommand({ FunctionName: PROBE }));
    return true;
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return false;
    throw err;
  }
}

describe('persistence report', () => {
  it('shows one environment reused in a row, and environments of their own at once', async () => {
    // Each parallel invocation holds its environment long enough that the other cannot find it idle,
    // even on a loaded machine.
    const r = await run('--sequential', '3', '--parallel', '2', '--hold-ms', '1500');
    assert.equal(r.code, 0, said(r));
    assert.ok(
      reported(r.stdout, 'created').some((l) => l.includes(`function ${PROBE}`)),
      r.stdout,
    );
    const table = rows(r.stdout);
    assert.equal(table.length, 5, r.stdout);

    const seq = table.slice(0, 3);
    assert.deepEqual(
      seq.map((x) => x.sent),
      ['in a row', 'in a row', 'in a row'],
    );
    assert.deepEqual(
      seq.map((x) => x.env),
      ['A', 'A', 'A'],
    );
    assert.deepEqual(
      seq.map((x) => x.served),
      [1, 2, 3],
    );
    assert.deepEqual(
      seq.map((x) => x.moduleHit),
      [false, true, true],
    );
    assert.deepEqual(
      seq.map((x) => x.tmpHit),
      [false, true, true],
    );
    assert.deepEqual(
      seq.map((x) => x.start),
      ['cold', 'warm', 'warm'],
    );
    assert.match(seq[0]!.stream, /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);

    const par = table.slice(3);
    assert.deepEqual(
      par.map((x) => x.sent),
      ['at once', 'at once'],
    );
    assert.equal(new Set(par.map((x) => x.stream)).size, 2, 'two environments at once');
    // The warm one carries on counting with its caches; the other starts from nothing.
    const warm = par.find((x) => x.env === 'A');
    const fresh = par.find((x) => x.env !== 'A');
    assert.deepEqual([warm?.served, warm?.moduleHit, warm?.tmpHit], [4, true, true], r.stdout);
    assert.deepEqual(
      [fresh?.env, fresh?.served, fresh?.moduleHit, fresh?.tmpHit, fresh?.start],
      ['B', 1, false, false, 'cold'],
      r.stdout,
    );

    assert.match(
      r.stdout,
      new RegExp(
        /5 invocation\(s\) were served by 2 execution environment\(s\); /.source +
          /3 found the module-scope value and 3 the \/tmp file/.source,
      ),
    );
    assert.match(r.stdout, /useful caching/);
    assert.match(r.stdout, /never assume a fresh start/);

    // Least privilege: the probe's role may write its own logs and nothing else.
    const policy = await iam.send(
      new GetRolePolicyCommand({ RoleName: `${PROBE}-us-east-1-role`, PolicyName: `${PROBE}-logs` }),
    );
    const doc = JSON.parse(decodeURIComponent(policy.PolicyDocument!)) as {
      Statement: Array<{ Action: string | string[]; Resource: string | string[] }>;
    };
    const actions = doc.Statement.flatMap((s) => [s.Action].flat());
    assert.ok(
      actions.every((a) => a.startsWith('logs:')),
      actions.join(),
    );
    assert.ok(
      doc.Statement.flatMap((s) => [s.Resource].flat()).every((res) => res.includes(`log-group:/aws/lambda/${PROBE}`)),
    );
  });

  it('finds its resources in place on the next run; --dry-run changes and invokes nothing', async () => {
    const r = await run('--dry-run');
    assert.equal(r.code, 0, said(r));
    assert.deepEqual(rows(r.stdout), []);
    assert.deepEqual(reported(r.stdout, 'created'), []);
    assert.equal(reported(r.stdout, 'found').length, 3, r.stdout);
    assert.ok(
      reported(r.stdout, 'would').some((l) =>
        /invoke CreateThumbnail-probe 4 time\(s\) in a row, then 3 at once/.test(l),
      ),
      r.stdout,
    );
  });

  it('--teardown removes the probe, its log group and its role', async () => {
    const r = await run('--teardown');
    assert.equal(r.code, 0, said(r));
    assert.equal(reported(r.stdout, 'removed').length, 4, r.stdout);
    assert.equal(await probeExists(), false);
    assert.deepEqual(
      ((await iam.send(new ListRolesCommand({}))).Roles ?? []).map((x) => x.RoleName),
      [],
    );
    assert.deepEqual(
      (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${PROBE}` }))).logGroups ?? [],
      [],
    );
  });

  it(
    'comes back from scratch with a cold start, and npm ' + 'run teardown removes it and forgets the state file',
    async () => {
      const r = await run('--sequential', '2', '--parallel', '0');
      assert.equal(r.code, 0, said(r));
      assert.ok(
        reported(r.stdout, 'created').some((l) => l.includes(`function ${PROBE}`)),
        r.stdout,
      );
      assert.deepEqual(
        rows(r.stdout).map((x) => [x.served, x.moduleHit, x.start]),
        [
          [1, false, 'cold'],
          [2, true, 'warm'],
        ],
      );
      const down = await runScript('90-teardown.ts', [], { cwd, env });
      assert.equal(down.code, 0, said(down));
      assert.ok(
        reported(down.stdout, 'removed').some((l) => l.includes(`function ${PROBE}`)),
        down.stdout,
      );
      assert.equal(await probeExists(), false);
      assert.deepEqual(
        ((await iam.send(new ListRolesCommand({}))).Roles ?? []).map((x) => x.RoleName),
        [],
      );
      assert.deepEqual(fs.readdirSync(path.join(cwd, '.walkthrough')), []);
    },
  );
});

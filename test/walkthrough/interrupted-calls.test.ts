// Interrupted at the worst moment: AWS has carried out a change but the script never heard back
// (killed with SIGKILL while the answer is on its way). Through a proxy in front of the endpoint, a
// run is killed right after its k-th change, for every k (bucket -> function; and for the SNS
// variant's own changes): the next run must complete, and teardown, itself killed after its k-th
// deletion and re-run, must leave nothing behind.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { LambdaClient, ListFunctionsCommand, ListLayersCommand } from '@aws-sdk/client-lambda';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { startTestServer, tempDir, type TestServer } from '../support/local-aws.ts';
import { startProxy, type Interception, type ProxiedRequest, type Proxy } from '../support/proxy.ts';
import { endpointEnv, runScript, said, scriptEnv, type ScriptResult } from '../support/walkthrough.ts';

let server: TestServer;
let proxy: Proxy;
let env: NodeJS.ProcessEnv;
const folders: string[] = [];

/** What the proxy does to the run in progress: kill it right after its `after`-th change. */
interface Trap {
  after: number;
  seen: string[];
  kill?: () => void;
  sprung?: string;
}
let trap: Trap | undefined;

/** "iam:CreateRole", "s3:PUT /bucket?tagging", ...; undefined for calls that only read. */
function changeOf(method: string, url: string, headers: http.IncomingHttpHeaders, body: Buffer): string | undefined {
  const service = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(String(headers.authorization ?? ''))?.[1];
  const target = headers['x-amz-target'];
  if (typeof target === 'string') {
    const op = target.split('.').pop() ?? target;
    return /^(Describe|Get|List|Filter)/.test(op) ? undefined : `${service}:${op}`;
  }
  if (service === 'iam' || service === 'sts' || service === 'sns') {
    const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? '?';
    return /^(Get|List)/.test(action) ? undefined : `${service}:${action}`;
  }
  if (method === 'GET' || method === 'HEAD') return undefined;
  return `${service}:${method} ${url.split('?')[0]}${url.includes('?') ? '?' + url.split('?')[1]!.split('=')[0] : ''}`;
}

/** When the trap springs: the change happens upstream, then the caller is killed before it reads the answer. */
function springTrap(req: ProxiedRequest): Interception {
  const change = changeOf(req.method, req.url, req.headers, req.body);
  const t = trap;
  if (t === undefined || change === undefined || t.sprung !== undefined || t.seen.push(change) !== t.after)
    return undefined;
  return {
    cutAfterUpstream: (status) => {
      t.sprung = `${change} (answered ${status})`;
      t.kill?.();
    },
  };
}

before(async () => {
  server = await startTestServer({ lambdaRetryDelaysMs: [50, 50] });
  proxy = await startProxy(new URL(server.url), springTrap);
  env = scriptEnv(endpointEnv(proxy.url));
});
after(async () => {
  await proxy.close();
  await server.stopAndRemove();
  for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs a script with the trap set after its k-th change (none when k is undefined). */
async function run(
  script: string,
  cwd: string,
  k?: number,
  args: string[] = [],
): Promise<{ r: ScriptResult; trap?: Trap }> {
  const t: Trap | undefined = k === undefined ? undefined : { after: k, seen: [] };
  trap = t;
  try {
    const r = await runScript(script, args, { cwd, env, onOutput: (_, kill) => t && (t.kill = kill) });
    return { r, trap: t };
  } finally {
    trap = undefined;
  }
}

/** Everything the walkthrough creates, as the endpoint lists it. */
async function leftovers(): Promise<string[]> {
  const config = server.clientConfig();
  const out: string[] = [];
  out.push(
    ...((await new S3Client({ ...config, forcePathStyle: true }).send(new ListBucketsCommand({}))).Buckets ?? []).map(
      (b) => `bucket ${b.Name}`,
    ),
  );
  out.push(
    ...((await new IAMClient(config).send(new ListRolesCommand({}))).Roles ?? []).map((r) => `role ${r.RoleName}`),
  );
  out.push(
    ...((await new LambdaClient(config).send(new ListFunctionsCommand({}))).Functions ?? []).map(
      (f) => `function ${f.FunctionName}`,
    ),
  );
  out.push(
    ...((await new LambdaClient(config).send(new ListLayersCommand({}))).Layers ?? []).map(
      (l) => `layer ${l.LayerName}`,
    ),
  );
  out.push(
    ...((await new CloudWatchLogsClient(config).send(new DescribeLogGroupsCommand({}))).logGroups ?? []).map(
      (g) => `log group ${g.logGroupName}`,
    ),
  );
  out.push(
    ...((await new SNSClient(config).send(new ListTopicsCommand({}))).Topics ?? []).map((x) => `topic ${x.TopicArn}`),
  );
  return out;
}

const UNTIL_TRIGGER = ['--until', 'trigger'];

/**
 * For every change of a clean set-up (or those `which` picks): killed right after it, the next run
 * completes; then teardown, killed after its k-th deletion and run again, leaves nothing.
 */
async function everyInterruption(
  t: { diagnostic(message: string): void },
  extraEnv: NodeJS.ProcessEnv,
  which: (change: string) => boolean,
): Promise<void> {
  const saved = env;
  env = { ...env, ...extraEnv };
  try {
    // Clean runs counting the changes of set-up and of teardown: through the trigger (the first changes of
    // a whole set-up, without the test step's uploads and invocation), and the whole set-up.
    const counts = async (args: string[]) => {
      const cwd0 = tempDir('interrupted-count-');
      folders.push(cwd0);
      const up = await run('all.ts', cwd0, Number.MAX_SAFE_INTEGER, args);
      assert.equal(up.r.code, 0, said(up.r));
      const down = await run('80-teardown.ts', cwd0, Number.MAX_SAFE_INTEGER);
      assert.equal(down.r.code, 0, said(down.r));
      assert.deepEqual(await leftovers(), []);
      return { setUp: up.trap!.seen, teardown: down.trap!.seen };
    };
    const throughTrigger = await counts(UNTIL_TRIGGER);
    const whole = await counts([]);
    const setupChanges = whole.setUp;
    assert.deepEqual(setupChanges.slice(0, throughTrigger.setUp.length), throughTrigger.setUp);
    t.diagnostic(`set-up changes: ${setupChanges.join(', ')}`);
    t.diagnostic(`teardown changes: ${whole.teardown.join(', ')}`);
    const picked = setupChanges.flatMap((change, i) => (which(change) ? [i + 1] : []));
    assert.ok(picked.length > 0, setupChanges.join(', '));
    // Teardown's changes that only a whole set-up gives it (emptying the buckets of the test step's
    // objects): the runs killed at the test step's changes cut teardown there, one each.
    const onlyWhole = whole.teardown.flatMap((c, i) => (throughTrigger.teardown.includes(c) ? [] : [i + 1]));
    const testStepChanges = picked.filter((k) => k > throughTrigger.setUp.length);
    if (picked.length === setupChanges.length) assert.ok(onlyWhole.length <= testStepChanges.length, 'all cut');

    for (const k of picked) {
      const cwd = tempDir('interrupted-');
      folders.push(cwd);
      // A change before the test step: the runs stop after the trigger, sparing an invocation each.
      const short = k <= throughTrigger.setUp.length;
      const args = short ? UNTIL_TRIGGER : [];
      const teardownChanges = short ? throughTrigger.teardown : whole.teardown;
      const cutAt = short ? k : onlyWhole[testStepChanges.indexOf(k)];
      const killed = await run('all.ts', cwd, k, args);
      assert.ok(killed.trap!.sprung, `change ${k} (${setupChanges[k - 1]}) was reached`);
      assert.notEqual(killed.r.code, 0, `killed after ${killed.trap!.sprung}`);
      const again = await run('all.ts', cwd, undefined, args);
      assert.equal(again.r.code, 0, `re-run after being killed after ${killed.trap!.sprung}:\n${said(again.r)}`);
      assert.match(again.r.stdout, args.length ? /Stopped after step trigger/ : /Set-up is complete|Nothing needed/);

      // Teardown killed after one of its deletions (the k-th, when it has that many), then run again.
      if (cutAt !== undefined && cutAt <= teardownChanges.length) {
        const cut = await run('80-teardown.ts', cwd, cutAt);
        assert.ok(cut.trap!.sprung, `teardown change ${cutAt} (${teardownChanges[cutAt - 1]}) was reached`);
      }
      const last = await run('80-teardown.ts', cwd);
      assert.equal(last.r.code, 0, `teardown after ${k}:\n${said(last.r)}`);
      assert.deepEqual(await leftovers(), [], `after set-up killed at ${killed.trap!.sprung}`);
    }
  } finally {
    env = saved;
  }
}

describe('killed right after a change it never heard back about', () => {
  it(
    'bucket -> function: set-up completes on the next run, ' + 'and teardown (killed the same way) leaves nothing',
    async (t) => {
      await everyInterruption(t, {}, () => true);
    },
  );

  it('bucket -> topic -> function: the same for the topic, its policy and the subscription', async (t) => {
    await everyInterruption(t, { TRIGGER: 'sns' }, (change) => /^sns:|\?notification|\/policy$/.test(change));
  });
});

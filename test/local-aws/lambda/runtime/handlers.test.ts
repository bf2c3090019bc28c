// The execution engine runs real handler code the way Lambda's Node.js runtime does: module
// formats, async and callback handlers, the context object, environment variables, warm reuse.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { harness, json, type Harness } from '../../../support/lambda-runtime.ts';

let h: Harness;
before(async () => {
  h = await harness();
});
after(async () => {
  await h.close();
});

const STREAM = /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/;

describe('handler module formats', () => {
  it('runs an ES module (.mjs) async handler with the context Lambda passes', async () => {
    const spec = h.fn({
      'index.mjs': `export const handler = async (event, context) => ({
        event,
        awsRequestId: context.awsRequestId,
        invokedFunctionArn: context.invokedFunctionArn,
        functionName: context.functionName,
        functionVersion: context.functionVersion,
        memoryLimitInMB: context.memoryLimitInMB,
        logGroupName: context.logGroupName,
        logStreamName: context.logStreamName,
        remaining: context.getRemainingTimeInMillis(),
        waits: context.callbackWaitsForEmptyEventLoop,
        clientContext: context.clientContext,
        trace: process.env._X_AMZN_TRACE_ID,
      });`,
    });
    const traceId = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0';
    const requestId = randomUUID();
    const r = await h.engine.invoke({
      spec,
      payload: Buffer.from('{"hello":"world"}'),
      requestId,
      invokedFunctionArn: `${spec.functionArn}:$LATEST`,
      traceId,
      clientContext: '{"custom":{"k":"v"}}',
    });
    assert.equal(r.functionError, undefined, r.payload.toString());
    const out = json<Record<string, unknown>>(r);
    assert.deepEqual(out.event, { hello: 'world' });
    assert.equal(out.awsRequestId, requestId);
    assert.equal(r.requestId, requestId);
    assert.equal(out.invokedFunctionArn, `${spec.functionArn}:$LATEST`);
    assert.equal(out.functionName, spec.functionName);
    assert.equal(out.functionVersion, '$LATEST');
    assert.equal(out.memoryLimitInMB, '128');
    assert.equal(out.logGroupName, spec.logGroup);
    assert.match(String(out.logStreamName), STREAM);
    assert.equal(out.logStreamName, r.logStreamName);
    assert.ok(Number(out.remaining) > 2000 && Number(out.remaining) <= 3000, `remaining ${out.remaining}`);
    assert.equal(out.waits, true);
    assert.deepEqual(out.clientContext, { custom: { k: 'v' } });
    assert.equal(out.trace, traceId);
    // A cold start reports its INIT time; the REPORT line carries it too.
    assert.ok(r.initDurationMs !== undefined && r.initDurationMs > 0);
    assert.match(
      r.logLines.at(-1)!,
      new RegExp(
        /^REPORT RequestId: \S+\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory /.source +
          /Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t$/.source,
      ),
    );
    assert.equal(r.billedDurationMs, Math.max(1, Math.ceil(r.durationMs)));
  });

  it('runs a CommonJS (.js) handler', async () => {
    const spec = h.fn({ 'index.js': `exports.handler = async (event) => ({ kind: typeof require, n: event.n * 2 });` });
    const r = await h.invoke(spec, { n: 21 });
    assert.deepEqual(json(r), { kind: 'function', n: 42 });
  });

  it('imports .js as an ES module under a "type":"module" package, with a nested handler path', async () => {
    const spec = h.fn(
      {
        'package.json': '{"type":"module"}',
        'src/app.js':
          `export const lambda = { handler: async () => ({ ` +
          `esm: typeof require === 'undefined', url: import.meta.url }) };`,
      },
      { handler: 'src/app.lambda.handler' },
    );
    const r = await h.invoke(spec);
    const out = json<{ esm: boolean; url: string }>(r);
    assert.equal(out.esm, true);
    assert.equal(out.url, 'file://' + path.join(spec.codeDir, 'src/app.js'));
  });

  it('loads .cjs when there is no .js or .mjs', async () => {
    const spec = h.fn({ 'index.cjs': `module.exports.handler = async () => 'from cjs';` });
    assert.equal(json<string>(await h.invoke(spec)), 'from cjs');
  });
});

describe('callback handlers', () => {
  it('waits for the event loop to empty before answering (callbackWaitsForEmptyEventLoop)', async () => {
    const spec = h.fn({
      'index.js': `let late = 'not yet';
        exports.handler = (event, context, callback) => {
          setTimeout(() => { late = 'ran'; console.log('timer done'); }, 150);
          callback(null, { waited: true });
        };
        exports.check = async () => late;`,
    });
    const r = await h.invoke(spec);
    assert.deepEqual(json(r), { waited: true });
    assert.ok(r.durationMs >= 140, `duration ${r.durationMs}`);
    assert.ok(
      r.logLines.some((l) => l.endsWith('\tINFO\ttimer done')),
      r.logLines.join('\n'),
    );
  });

  it('answers at once when callbackWaitsForEmptyEventLoop is false, and the environment stays usable', async () => {
    const spec = h.fn({
      'index.js': `exports.handler = (event, context, callback) => {
          context.callbackWaitsForEmptyEventLoop = false;
          setTimeout(() => {}, 60000);
          callback(null, event.i);
        };`,
    });
    const first = await h.invoke(spec, { i: 1 });
    assert.equal(json(first), 1);
    assert.ok(first.durationMs < 1000, `duration ${first.durationMs}`);
    const second = await h.invoke(spec, { i: 2 });
    assert.equal(json(second), 2);
    assert.equal(second.initDurationMs, undefined, 'warm');
  });

  it('reports callback(err) as a function error, and a sync handler that never calls back as null', async () => {
    const failing = h.fn({ 'index.js': `exports.handler = (e, c, cb) => cb(new TypeError('bad input'));` });
    const r = await h.invoke(failing);
    assert.equal(r.functionError, 'Unhandled');
    assert.equal(r.errorType, 'TypeError');
    assert.equal(json(r).errorMessage, 'bad input');
    const silent = h.fn({ 'index.js': `exports.handler = (e, c, cb) => { console.log('no callback'); };` });
    const s = await h.invoke(silent);
    assert.equal(s.functionError, undefined);
    assert.equal(s.payload.toString(), 'null');
  });

  it('buffers what a streaming handler (awslambda.streamifyResponse) writes', async () => {
    const spec = h.fn({
      'index.mjs': `export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
          responseStream.write('part one, ');
          responseStream.end('part two');
        });`,
    });
    const r = await h.invoke(spec);
    assert.equal(r.functionError, undefined, r.payload.toString());
    assert.equal(r.payload.toString(), 'part one, part two');
  });

  it('refuses callback handlers on nodejs24.x, as that runtime does', async () => {
    const spec = h.fn(
      { 'index.js': `exports.handler = (event, context, callback) => callback(null, 1);` },
      { runtime: 'nodejs24.x' },
    );
    const r = await h.invoke(spec);
    assert.equal(r.errorType, 'Runtime.CallbackHandlerDeprecated');
    assert.match(
      json<{ errorMessage: string }>(r).errorMessage,
      /removed support for callback-based function handlers starting with Node\.js 24/,
    );
    const asyncOk = h.fn({ 'index.js': `exports.handler = async (event, context) => 2;` }, { runtime: 'nodejs24.x' });
    assert.equal(json<number>(await h.invoke(asyncOk)), 2);
  });

  it('supports the legacy context.succeed', async () => {
    const spec = h.fn({ 'index.js': `exports.handler = (e, context) => context.succeed({ legacy: true });` });
    assert.deepEqual(json(await h.invoke(spec)), { legacy: true });
  });
});

describe('warm environments', () => {
  it('keeps module state and os.tmpdir() files between invocations of one environment', async () => {
    const spec = h.fn({
      'index.mjs': `import * as fs from 'node:fs'; import * as os from 'node:os'; import * as path from 'node:path';
        let count = 0;
        export const handler = async () => {
          count++;
          const file = path.join(os.tmpdir(), 'marker.txt');
          const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
          fs.writeFileSync(file, 'written by ' + count);
          return { count, before, pid: process.pid, tmp: os.tmpdir() };
        };`,
    });
    const a = json<{ count: number; before: string | null; pid: number; tmp: string }>(await h.invoke(spec));
    const b = json<{ count: number; before: string | null; pid: number; tmp: string }>(await h.invoke(spec));
    assert.equal(a.count, 1);
    assert.equal(a.before, null);
    assert.equal(b.count, 2);
    assert.equal(b.before, 'written by 1');
    assert.equal(a.pid, b.pid);
    // Each environment has a private temp folder under the data folder.
    assert.ok(a.tmp.startsWith(path.join(h.server.dataDir, 'lambda', 'envs')), a.tmp);
  });

  it('gives two parallel invocations two environments, each with its own stream', async () => {
    const spec = h.fn({
      'index.mjs':
        `export const handler = async () => { ` +
        `await new Promise((r) => setTimeout(r, 300)); return process.pid; };`,
    });
    const [a, b] = await Promise.all([h.invoke(spec), h.invoke(spec)]);
    assert.notEqual(json(a), json(b));
    assert.notEqual(a.logStreamName, b.logStreamName);
    assert.ok(a.initDurationMs !== undefined && b.initDurationMs !== undefined);
  });
});

describe('environment variables', () => {
  it('sets what Lambda sets, adds the function variables, and lets nothing of the endpoint through', async () => {
    process.env.LOCAL_AWS_TEST_CANARY = 'must-not-leak';
    const spec = h.fn(
      { 'index.mjs': `export const handler = async () => ({ ...process.env });` },
      { environment: { MY_SETTING: 'on', AWS_REGION: 'eu-west-1', TZ: 'Europe/Paris' } },
    );
    const env = json<Record<string, string>>(await h.invoke(spec));
    delete process.env.LOCAL_AWS_TEST_CANARY;
    assert.equal(env.MY_SETTING, 'on');
    // Reserved names keep Lambda's values.
    assert.equal(env.AWS_REGION, 'us-east-1');
    assert.equal(env.AWS_DEFAULT_REGION, 'us-east-1');
    // TZ is not reserved on AWS (its documentation lists it as unreserved): the function's value wins.
    assert.equal(env.TZ, 'Europe/Paris');
    assert.equal(env.AWS_EXECUTION_ENV, 'AWS_Lambda_nodejs22.x');
    assert.equal(env.AWS_LAMBDA_FUNCTION_NAME, spec.functionName);
    assert.equal(env.AWS_LAMBDA_FUNCTION_VERSION, '$LATEST');
    assert.equal(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, '128');
    assert.equal(env.AWS_LAMBDA_INITIALIZATION_TYPE, 'on-demand');
    assert.equal(env.AWS_LAMBDA_LOG_GROUP_NAME, spec.logGroup);
    assert.match(env.AWS_LAMBDA_LOG_STREAM_NAME!, STREAM);
    assert.equal(env.LAMBDA_TASK_ROOT, spec.codeDir);
    assert.equal(env._HANDLER, 'index.handler');
    assert.match(env.AWS_LAMBDA_RUNTIME_API!, /^127\.0\.0\.1:\d+$/);
    assert.match(env.AWS_ACCESS_KEY_ID!, /^ASIA[A-Z2-7]{16}$/);
    assert.ok(env.AWS_SECRET_ACCESS_KEY && env.AWS_SESSION_TOKEN);
    assert.equal(env.AWS_ENDPOINT_URL, h.server.url);
    assert.match(env._X_AMZN_TRACE_ID!, /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
    const allowed = new Set([
      ...'_HANDLER _X_AMZN_TRACE_ID AWS_REGION AWS_DEFAULT_REGION AWS_EXECUTION_ENV AWS_LAMBDA_FUNCTION_NAME'.split(
        ' ',
      ),
      ...'AWS_LAMBDA_FUNCTION_MEMORY_SIZE AWS_LAMBDA_FUNCTION_VERSION AWS_LAMBDA_INITIALIZATION_TYPE'.split(' '),
      ...'AWS_LAMBDA_LOG_GROUP_NAME AWS_LAMBDA_LOG_STREAM_NAME AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY'.split(' '),
      ...'AWS_SESSION_TOKEN AWS_LAMBDA_RUNTIME_API LAMBDA_TASK_ROOT LAMBDA_RUNTIME_DIR TZ LANG PATH NODE_PATH'.split(
        ' ',
      ),
      ...'AWS_XRAY_CONTEXT_MISSING AWS_ENDPOINT_URL TMPDIR TMP TEMP HOME MY_SETTING'.split(' '),
      'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
    ]);
    const unexpected = Object.keys(env).filter((k) => !allowed.has(k));
    assert.deepEqual(unexpected, []);
  });
});

describe('console output', () => {
  it('formats console calls as Lambda does: one line per call, level, request id, inner newlines as \\r', async () => {
    const spec = h.fn({
      'index.mjs': `console.log('loading');
        export const handler = async () => {
          console.log('two\\nlines', { a: 1 });
          console.error('bad thing');
          console.warn('careful');
          process.stdout.write('raw');
          return 'ok';
        };`,
    });
    const r = await h.invoke(spec);
    const lines = r.logLines;
    assert.match(lines[0]!, /^START RequestId: \S+ Version: \$LATEST$/);
    const id = r.requestId;
    const iso = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
    assert.match(lines[1]!, new RegExp(`^${iso}\\t${id}\\tINFO\\ttwo\\rlines { a: 1 }$`));
    assert.match(lines[2]!, new RegExp(`^${iso}\\t${id}\\tERROR\\tbad thing$`));
    assert.match(lines[3]!, new RegExp(`^${iso}\\t${id}\\tWARN\\tcareful$`));
    assert.equal(lines[4], 'raw');
    assert.equal(lines[5], `END RequestId: ${id}`);
    assert.match(lines[6]!, /^REPORT /);
  });

  it('prints JSON lines when the function uses the JSON log format', async () => {
    const spec = h.fn(
      {
        'index.mjs':
          `export const handler = async () => { ` + `console.info('hi', 42); console.debug('hidden'); return 1; };`,
      },
      { logFormat: 'JSON' },
    );
    const r = await h.invoke(spec);
    const records = r.logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(records[0]!.type, 'platform.start');
    assert.deepEqual(
      { ...records[1], timestamp: 'x' },
      { timestamp: 'x', level: 'INFO', requestId: r.requestId, message: 'hi 42' },
    );
    // AWS_LAMBDA_LOG_LEVEL defaults to INFO with JSON logs: DEBUG is dropped.
    assert.equal(records.length, 3);
    assert.equal(records[2]!.type, 'platform.report');
  });
});

// How invocations fail, with the error types, messages and log lines Lambda produces: load errors
// (INIT), handler errors, timeouts, runtime exits, memory, process-level faults.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { harness, json, pidAlive, waitFor, type Harness } from '../../../support/lambda-runtime.ts';

let h: Harness;
before(async () => {
  h = await harness();
});
after(async () => {
  await h.close();
});

interface ErrorBody {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

describe('INIT failures', () => {
  it('reports a missing export as Runtime.HandlerNotFound', async () => {
    const spec = h.fn({ 'index.mjs': `export const other = async () => 1;` }, { handler: 'index.nope' });
    const r = await h.invoke(spec);
    assert.equal(r.functionError, 'Unhandled');
    assert.equal(r.errorType, 'Runtime.HandlerNotFound');
    const body = json<ErrorBody>(r);
    assert.equal(body.errorType, 'Runtime.HandlerNotFound');
    assert.equal(body.errorMessage, 'index.nope is undefined or not exported');
    assert.ok(Array.isArray(body.trace) && body.trace[0]!.startsWith('Runtime.HandlerNotFound: index.nope'));
    assert.ok(r.initDurationMs !== undefined);
    assert.match(
      r.logLines.join('\n'),
      /\tundefined\tERROR\tUncaught Exception \t\{"errorType":"Runtime.HandlerNotFound"/,
    );
    assert.match(r.logLines.at(-1)!, /\tStatus: error\tError Type: Runtime.HandlerNotFound\t$/);
  });

  it('reports an export that is not a function', async () => {
    const spec = h.fn({ 'index.js': `exports.handler = 42;` });
    const body = json<ErrorBody>(await h.invoke(spec));
    assert.deepEqual(
      [body.errorType, body.errorMessage],
      ['Runtime.HandlerNotFound', 'index.handler is not a function'],
    );
  });

  it('reports a missing module as Runtime.ImportModuleError', async () => {
    const spec = h.fn({ 'other.js': `exports.handler = async () => 1;` }, { handler: 'index.handler' });
    const body = json<ErrorBody>(await h.invoke(spec));
    assert.equal(body.errorType, 'Runtime.ImportModuleError');
    assert.match(body.errorMessage, /^Error: Cannot find module 'index'\nRequire stack:\n- /);
  });

  it('reports a package the code imports but does not ship as Runtime.ImportModuleError', async () => {
    // Only the AWS SDK comes with the runtime: other project packages must be in the zip.
    const spec = h.fn({ 'index.mjs': `import { zipSync } from 'fflate'; export const handler = async () => zipSync;` });
    const body = json<ErrorBody>(await h.invoke(spec));
    assert.equal(body.errorType, 'Runtime.ImportModuleError');
    assert.match(body.errorMessage, /Cannot find package 'fflate'/);
  });

  it('reports a syntax error as Runtime.UserCodeSyntaxError', async () => {
    const spec = h.fn({ 'index.js': `exports.handler = async () => {\n  return 1;\n` });
    const body = json<ErrorBody>(await h.invoke(spec));
    assert.equal(body.errorType, 'Runtime.UserCodeSyntaxError');
    assert.match(body.errorMessage, /^SyntaxError: /);
  });

  it('reports malformed handler names', async () => {
    const bad = json<ErrorBody>(await h.invoke(h.fn({ 'index.js': '' }, { handler: 'index' })));
    assert.deepEqual([bad.errorType, bad.errorMessage], ['Runtime.MalformedHandlerName', 'Bad handler']);
    const up = json<ErrorBody>(await h.invoke(h.fn({ 'index.js': '' }, { handler: '../index.handler' })));
    assert.equal(up.errorType, 'Runtime.MalformedHandlerName');
    assert.match(up.errorMessage, /is not a valid handler name/);
  });

  it('reports an exception thrown while the module loads with its own type', async () => {
    const spec = h.fn({ 'index.mjs': `throw new RangeError('config missing'); export const handler = async () => 1;` });
    const r = await h.invoke(spec);
    assert.equal(r.errorType, 'RangeError');
    assert.equal(json<ErrorBody>(r).errorMessage, 'config missing');
  });
});

describe('handler errors', () => {
  it(
    'returns the thrown error as {errorType, errorMessage, ' +
      'trace} and logs Invoke Error; the environment stays warm',
    async () => {
      const spec = h.fn({
        'index.mjs':
          `class ValidationError extends Error { constructor(m) { super(m); this.name = 'ValidationError'; } }
        export const handler = async (event) => { ` +
          `if (event.fail) throw new ValidationError('boom'); return process.pid; };`,
      });
      const r = await h.invoke(spec, { fail: true });
      assert.equal(r.functionError, 'Unhandled');
      assert.equal(r.errorType, 'ValidationError');
      const body = json<ErrorBody>(r);
      assert.equal(body.errorMessage, 'boom');
      assert.equal(body.trace![0], 'ValidationError: boom');
      assert.match(body.trace![1]!, /^ {4}at /);
      const logged = r.logLines.find((l) => l.includes('Invoke Error'));
      assert.match(
        logged!,
        new RegExp(
          `\\t${r.requestId}\\tERROR\\tInvoke Error \\t\\{"errorType":"ValidationError","errorMessage":"boom"`,
        ),
      );
      const ok = await h.invoke(spec, {});
      assert.equal(ok.initDurationMs, undefined, 'same environment');
      assert.equal(ok.functionError, undefined);
    },
  );

  it('fails a response larger than 6 MB with Function.ResponseSizeTooLarge', async () => {
    const spec = h.fn({ 'index.mjs': `export const handler = async (event) => 'x'.repeat(event.size);` });
    const r = await h.invoke(spec, { size: 7 * 1024 * 1024 });
    assert.equal(r.errorType, 'Function.ResponseSizeTooLarge');
    assert.deepEqual(json(r), {
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    });
    const ok = await h.invoke(spec, { size: 10 });
    assert.equal(json<string>(ok), 'xxxxxxxxxx');
    assert.equal(ok.initDurationMs, undefined, 'the environment survives');
  });

  it('reports a thrown non-Error value by its type', async () => {
    const spec = h.fn({ 'index.mjs': `export const handler = async () => { throw 'plain text'; };` });
    assert.deepEqual(json(await h.invoke(spec)), { errorType: 'string', errorMessage: 'plain text', trace: [] });
  });
});

describe('the platform ends the invocation', () => {
  it('times out after the configured seconds, kills the environment, and starts a fresh one next time', async () => {
    const spec = h.fn(
      {
        'index.mjs': `export const handler = async (event) => {
          console.log('pid', process.pid);
          if (event.hang) await new Promise((r) => setTimeout(r, 60000));
          return process.pid;
        };`,
      },
      { timeout: 1 },
    );
    const started = Date.now();
    const r = await h.invoke(spec, { hang: true });
    assert.ok(Date.now() - started < 5000);
    assert.equal(r.errorType, 'Sandbox.Timedout');
    assert.deepEqual(json(r), {
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${r.requestId} Error: Task timed out after 1.00 seconds`,
    });
    const pid = Number(/\tpid (\d+)$/.exec(r.logLines[1]!)![1]);
    const n = r.logLines.length;
    assert.match(
      r.logLines[n - 3]!,
      new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ${r.requestId} Task timed out after 1\\.00 seconds$`),
    );
    assert.equal(r.logLines[n - 2], `END RequestId: ${r.requestId}`);
    assert.match(
      r.logLines[n - 1]!,
      /^REPORT .*\tDuration: 1000\.00 ms\tBilled Duration: 1000 ms\t.*\tStatus: timeout\t$/,
    );
    await waitFor(() => !pidAlive(pid), 'the timed-out runtime to be gone');
    const next = await h.invoke(spec, {});
    assert.notEqual(json(next), pid);
    assert.ok(next.initDurationMs !== undefined, 'cold start');
  });

  it('reports process.exit(3) as Runtime.ExitError and replaces the environment', async () => {
    const spec = h.fn({
      'index.js': `exports.handler = async (event) => { if (event.exit) process.exit(3); return process.pid; };`,
    });
    const first = json<number>(await h.invoke(spec, {}));
    const r = await h.invoke(spec, { exit: true });
    assert.equal(r.errorType, 'Runtime.ExitError');
    assert.deepEqual(json(r), {
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${r.requestId} Error: Runtime exited with error: exit status 3`,
    });
    assert.match(r.logLines.join('\n'), /\tStatus: error\tError Type: Runtime.ExitError\t/);
    const after = await h.invoke(spec, {});
    assert.notEqual(json(after), first);
    assert.ok(after.initDurationMs !== undefined);
  });

  it('ends an environment that uses more memory than its memory size with Runtime.OutOfMemory', async () => {
    const spec = h.fn(
      {
        'index.mjs': `const keep = [];
        export const handler = async (event) => {
          for (let i = 0; i < event.mb / 16; i++) keep.push(Buffer.alloc(16 * 1024 * 1024, 1));
          return keep.length;
        };`,
      },
      // Room to reach the limit at a 128 MB CPU share on a loaded machine: the memory kill must come first.
      { timeout: 60 },
    );
    const r = await h.invoke(spec, { mb: 400 });
    assert.equal(r.errorType, 'Runtime.OutOfMemory');
    assert.deepEqual(json(r), {
      errorType: 'Runtime.OutOfMemory',
      errorMessage: `RequestId: ${r.requestId} Error: Runtime exited with error: signal: killed`,
    });
    assert.equal(r.maxMemoryUsedMb, 128);
    // The same code within its memory works in the next (fresh) environment.
    const fine = await h.invoke(spec, { mb: 32 });
    assert.equal(fine.functionError, undefined, fine.payload.toString());
    assert.ok(fine.maxMemoryUsedMb > 40 && fine.maxMemoryUsedMb < 128, `max memory ${fine.maxMemoryUsedMb}`);
  });

  it('reports an unhandled rejection as Runtime.UnhandledPromiseRejection', async () => {
    const spec = h.fn({
      'index.mjs': `export const handler = async () => {
          Promise.reject(new Error('forgotten'));
          await new Promise((r) => setTimeout(r, 200));
          return 'unreachable';
        };`,
    });
    const r = await h.invoke(spec);
    assert.equal(r.errorType, 'Runtime.UnhandledPromiseRejection');
    assert.equal(json<ErrorBody>(r).errorMessage, 'Error: forgotten');
    assert.ok(r.logLines.some((l) => l.includes('\tERROR\tUnhandled Promise Rejection \t')));
  });

  it('reports an exception thrown in a callback during the invocation, then starts fresh', async () => {
    const spec = h.fn({
      'index.mjs':
        `export const handler = async (event) => {
          if (event.crash) { setTimeout(() => { throw new Error('async crash'); }, 10); ` +
        `await new Promise((r) => setTimeout(r, 500)); }
          return process.pid;
        };`,
    });
    const r = await h.invoke(spec, { crash: true });
    assert.equal(r.errorType, 'Error');
    assert.equal(json<ErrorBody>(r).errorMessage, 'async crash');
    assert.ok(
      r.logLines.some((l) =>
        l.includes('\tERROR\tUncaught Exception \t{"errorType":"Error","errorMessage":"async crash"'),
      ),
    );
    const next = await h.invoke(spec, {});
    assert.equal(next.functionError, undefined);
  });

  it('reports an async handler whose promise never settles as Runtime.NodeJsExit', async () => {
    const spec = h.fn({
      'index.mjs': `export const handler = () => new Promise(() => {});`.replace('() =>', 'async () => await'),
    });
    const r = await h.invoke(spec);
    assert.equal(r.errorType, 'Runtime.NodeJsExit');
    assert.match(json<ErrorBody>(r).errorMessage, /Promise that was never settled/);
  });
});

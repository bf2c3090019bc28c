// The Runtime API's answers to a runtime that gets the contract wrong
// (docs/local-aws/protocols.md#runtime-api-endpoints), driven over HTTP from inside a real environment
// the way a custom runtime would: the handler calls AWS_LAMBDA_RUNTIME_API itself, next to the local
// runtime client.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { harness, json, type Harness } from '../../../support/lambda-runtime.ts';

let h: Harness;
before(async () => {
  h = await harness();
});
after(async () => {
  await h.close();
});

interface Reply {
  status: number;
  body: unknown;
}

/** Posts to the environment's own Runtime API; the replies of a step are kept for the `report` step. */
const HANDLER =
  `
const API = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2018-06-01/runtime/';
async function post(route, body, headers = {}) {
  const res = await fetch(API + route, { method: 'POST', body, ` +
  `headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, body: await res.json() };
}
let report = null;
export const handler = async (event, context) => {
  const id = context.awsRequestId;
  switch (event.step) {
    case 'unknown':
      return {
        response: await post('invocation/not-a-request-id/response', '{}'),
        error: await post('invocation/not-a-request-id/error', '{"errorType":"X","errorMessage":"y"}'),
      };
    case 'twice':
      report = {
        first: await post('invocation/' + id + '/response', JSON.stringify({ posted: 'by hand' })),
        second: await post('invocation/' + id + '/response', '"again"'),
        thenError: await post('invocation/' + id + '/error', '{"errorType":"X","errorMessage":"late"}'),
      };
      return 'not used: the invocation already has its result';
    case 'large':
      // 6291556 characters plus the quotes: two bytes over the limit.
      report = { large: await post('invocation/' + id + '/response', JSON.stringify('x'.repeat(6291556))) };
      return 'not used';
    case 'error':
      report = { error: await post('invocation/' + id + '/error', ` +
  `JSON.stringify({ errorMessage: 'posted by hand' }), ` +
  `{ 'lambda-runtime-function-error-type': 'Custom.FromHeader' }) };
      return 'not used';
    case 'report':
      return report;
  }
};
`;

describe('Runtime API replies', () => {
  // A full vCPU (1769 MB): at 128 MB the CPU share makes fetch's first load take most of a second.
  const spec = () => h.fn({ 'index.mjs': HANDLER }, { memorySize: 1769 });

  it('400 InvalidRequestID for a request id that is not the current invocation', async () => {
    const r = await h.invoke(spec(), { step: 'unknown' });
    assert.equal(r.functionError, undefined);
    const invalid = { status: 400, body: { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' } };
    assert.deepEqual(json(r), { response: invalid, error: invalid });
  });

  it('202 for the first result, 403 InvalidStateTransition for any later one; the first one counts', async () => {
    const s = spec();
    const r = await h.invoke(s, { step: 'twice' });
    assert.deepEqual(json(r), { posted: 'by hand' });
    assert.equal(r.functionError, undefined);
    const report = json<Record<string, Reply>>(await h.invoke(s, { step: 'report' }));
    const refused = {
      status: 403,
      body: { errorMessage: 'Invalid state transition', errorType: 'InvalidStateTransition' },
    };
    assert.deepEqual(report, { first: { status: 202, body: { status: 'OK' } }, second: refused, thenError: refused });
  });

  it(
    '413 RequestEntityTooLarge for a response over 6291556 ' +
      'bytes, and the invoker gets Function.ResponseSizeTooLarge',
    async () => {
      const s = spec();
      const r = await h.invoke(s, { step: 'large' });
      assert.equal(r.functionError, 'Unhandled');
      assert.deepEqual(json(r), {
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
      });
      const report = json<Record<string, Reply>>(await h.invoke(s, { step: 'report' }));
      assert.deepEqual(report.large, {
        status: 413,
        body: {
          errorMessage: 'Exceeded maximum allowed payload size (6291556 bytes).',
          errorType: 'RequestEntityTooLarge',
        },
      });
    },
  );

  it(
    'an error posted with only the Lambda-Runtime-Function-Error-Type ' + 'header takes its type from the header',
    async () => {
      const s = spec();
      const r = await h.invoke(s, { step: 'error' });
      assert.equal(r.functionError, 'Unhandled');
      assert.equal(r.errorType, 'Custom.FromHeader');
      assert.deepEqual(json(r), { errorMessage: 'posted by hand' });
      assert.deepEqual(json<Record<string, Reply>>(await h.invoke(s, { step: 'report' })).error, {
        status: 202,
        body: { status: 'OK' },
      });
    },
  );

  it('/init/error answers 202 and fails the pending invocation with what the runtime posted', async () => {
    const s = h.fn(
      {
        'index.mjs': `
const res = await fetch('http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2018-06-01/runtime/init/error', {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'lambda-runtime-function-error-type': 'Custom.ConfigMissing' },
  body: JSON.stringify({ errorType: 'Custom.ConfigMissing', errorMessage: 'SETTING is not set', stackTrace: [] }),
});
console.log('init/error answered', res.status, await res.text());
// A custom runtime exits after reporting its init failure.
process.exit(1);
export const handler = async () => 'never reached';
`,
      },
      { memorySize: 1769 },
    );
    const r = await h.invoke(s);
    assert.equal(r.functionError, 'Unhandled');
    assert.equal(r.errorType, 'Custom.ConfigMissing');
    assert.deepEqual(json(r), { errorType: 'Custom.ConfigMissing', errorMessage: 'SETTING is not set', trace: [] });
    assert.match(r.logLines.join('\n'), /init\/error answered 202 \{"status":"OK"\}/);
  });
});

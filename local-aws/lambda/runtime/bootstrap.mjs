// The local endpoint's runtime interface client: what runs inside each execution environment.
// It behaves like aws-lambda-nodejs-runtime-interface-client (docs/local-aws/protocols.md#runtime-api): loads the
// handler named by _HANDLER from LAMBDA_TASK_ROOT, patches the console into Lambda's log format,
// then loops on the Runtime API at AWS_LAMBDA_RUNTIME_API: take an event, call the handler, post
// its result or error. Plain ESM without dependencies so the child starts fast.

import * as fs from 'node:fs';
import * as http from 'node:http';
import Module, { createRequire } from 'node:module';
import * as path from 'node:path';
import { beforeExit, buildCallbackContext, buildContext } from './ric/context.mjs';
import { logError, patchConsole } from './ric/console.mjs';
import { NodeJsExit, toRapidResponse, UnhandledPromiseRejection } from './ric/errors.mjs';
import { loadHandler } from './ric/load.mjs';

/** Must match FLUSH_MARK in output.ts: tells the endpoint all output of a phase has been written. */
const FLUSH_MARK = '\u0000\u0000LAMBDA_RUNTIME_FLUSH ';
const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');

const writeOut = process.stdout.write.bind(process.stdout);
const writeErr = process.stderr.write.bind(process.stderr);

/** @param {string} key */
function flushMark(key) {
  writeOut(FLUSH_MARK + key + '\n');
  writeErr(FLUSH_MARK + key + '\n');
}

// ---- Runtime API client -------------------------------------------------------------------------

const [apiHost, apiPort] = (process.env.AWS_LAMBDA_RUNTIME_API ?? '').split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/**
 * @param {'GET' | 'POST'} method
 * @param {string} route
 * @param {string | Buffer} [body]
 * @param {Record<string, string>} [headers]
 * @returns {Promise<{ status: number, headers: http.IncomingHttpHeaders, body: string }>}
 */
function call(method, route, body, headers = {}) {
  return new Promise((resolve) => {
    const req = http.request(
      { host: apiHost, port: Number(apiPort), method, path: '/2018-06-01/runtime/' + route, agent, headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', runtimeApiGone);
      },
    );
    req.on('error', runtimeApiGone);
    if (body !== undefined) {
      req.setHeader('content-type', 'application/json');
      req.setHeader('content-length', Buffer.byteLength(body));
    }
    req.end(body);
  });
}

/** The endpoint went away: nobody will ever send another event, so leave. */
function runtimeApiGone() {
  process.exit(1);
}

/** @param {unknown} result */
function serialize(result) {
  try {
    return JSON.stringify(result === undefined ? null : result);
  } catch {
    throw new Error('Unable to stringify response body');
  }
}

/** @param {string} id @param {unknown} result @param {() => void} then */
function postResponse(id, result, then) {
  const body = serialize(result);
  flushMark(id);
  call('POST', `invocation/${encodeURIComponent(id)}/response`, body).then(then);
}

/** @param {string} id @param {unknown} error @param {() => void} then */
function postError(id, error, then) {
  const body = toRapidResponse(error);
  flushMark(id);
  call('POST', `invocation/${encodeURIComponent(id)}/error`, JSON.stringify(body), {
    'lambda-runtime-function-error-type': String(body.errorType),
  }).then(then);
}

/** @param {unknown} error @param {() => void} then */
function postInitError(error, then) {
  const body = toRapidResponse(error);
  flushMark('init');
  call('POST', 'init/error', JSON.stringify(body), {
    'lambda-runtime-function-error-type': String(body.errorType),
  }).then(then);
}

// ---- Process-level faults -----------------------------------------------------------------------

/** What an uncaught exception or unhandled rejection does: reported as INIT or invocation error. */
const faults = {
  /** @param {unknown} error */
  uncaughtException: (error) => postInitError(error, () => process.exit(129)),
  /** @param {unknown} error */
  unhandledRejection: (error) => postInitError(error, () => process.exit(128)),
};

process.on('uncaughtException', (error) => {
  logError('Uncaught Exception', error);
  faults.uncaughtException(error);
});
process.on('unhandledRejection', (reason, promise) => {
  const error = new UnhandledPromiseRejection(reason, promise);
  logError('Unhandled Promise Rejection', error);
  faults.unhandledRejection(error);
});
process.on('beforeExit', () => beforeExit.invoke());

// ---- Start-up -----------------------------------------------------------------------------------

patchConsole();
const taskRoot = realpath(process.env.LAMBDA_TASK_ROOT ?? process.cwd());
// The function's layers, extracted in order (its /opt): passed by the endpoint after this script's path.
const optRoot = process.argv[2] ? realpath(process.argv[2]) : undefined;
isolateRequire(optRoot ? [taskRoot, optRoot] : [taskRoot]);
// ES modules: the same isolation, the layers' modules, and the SDK from the runtime folder (see hooks.mjs).
Module.register?.('./hooks.mjs', {
  parentURL: import.meta.url,
  data: { runtimeDir: process.env.LAMBDA_RUNTIME_DIR, taskRoot, optRoot, nodePath: process.env.NODE_PATH },
});

/** @param {string} p */
function realpath(p) {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * require() from function code looks for node_modules only inside the code folder, as in /var/task
 * on AWS, and from layer code only inside the layer folder, as in /opt; the SDK and the layers'
 * modules still come through NODE_PATH. (The local folders sit below a folder whose node_modules
 * must not leak in.)
 * @param {string[]} roots
 */
function isolateRequire(roots) {
  const internal = /** @type {{ _nodeModulePaths?: (from: string) => string[] }} */ (/** @type {unknown} */ (Module));
  const original = internal._nodeModulePaths;
  if (typeof original !== 'function') return;
  const within = (/** @type {string} */ root, /** @type {string} */ p) => p === root || p.startsWith(root + path.sep);
  internal._nodeModulePaths = function (from) {
    const paths = original.call(this, from);
    const root = roots.find((r) => within(r, path.resolve(from)));
    return root ? paths.filter((p) => within(root, p)) : paths;
  };
}

/** @type {Function & Record<symbol, unknown>} */
let handler = () => {};
let isAsync = false;
let streaming = false;

loadHandler(
  process.env.LAMBDA_TASK_ROOT ?? process.cwd(),
  process.env._HANDLER ?? '',
  createRequire(import.meta.url),
).then(
  (loaded) => {
    handler = /** @type {Function & Record<symbol, unknown>} */ (loaded);
    isAsync = handler.constructor?.name === 'AsyncFunction';
    streaming = handler[STREAMING] === 'response';
    flushMark('init');
    scheduleIteration();
  },
  (error) => {
    // As in AWS's runtime: a load failure is an uncaught exception of the INIT phase.
    logError('Uncaught Exception', error);
    postInitError(error, () => process.exit(129));
  },
);

// ---- The invoke loop ----------------------------------------------------------------------------

function scheduleIteration() {
  setImmediate(() => {
    handleOnce().catch((err) => {
      console.log(`Unexpected Top Level Error: ${err}`);
      faults.uncaughtException(err);
    });
  });
}

async function handleOnce() {
  const next = await call('GET', 'invocation/next');
  if (next.status !== 200) throw new Error(`Runtime API answered ${next.status} to next: ${next.body}`);
  const headers = next.headers;
  const id = String(headers['lambda-runtime-aws-request-id'] ?? '');
  globalThis[REQUEST_ID] = id;
  const trace = headers['lambda-runtime-trace-id'];
  if (trace) process.env._X_AMZN_TRACE_ID = String(trace);
  else delete process.env._X_AMZN_TRACE_ID;

  // During an invocation, process-level faults fail it (and end the process).
  faults.uncaughtException = (error) => postError(id, error, () => process.exit(129));
  faults.unhandledRejection = (error) => postError(id, error, () => process.exit(128));

  if (streaming) return handleStreaming(id, next.body, headers);

  const [callback, callbackContext, markCompleted] = buildCallbackContext({
    complete: (result, then) => postResponse(id, result, then),
    fail: (error, then) => {
      logError('Invoke Error', error);
      postError(id, error, then);
    },
    scheduleNext: scheduleIteration,
  });
  // If the event loop empties before the handler reports: a sync handler succeeds with null,
  // an async one whose promise never settled fails (Runtime.NodeJsExit).
  beforeExit.set(() => {
    markCompleted();
    if (isAsync) {
      const error = new NodeJsExit();
      logError('Invoke Error', error);
      postError(id, error, scheduleIteration);
    } else postResponse(id, null, scheduleIteration);
  });
  try {
    const context = buildContext(headers, callbackContext);
    const result = handler(JSON.parse(next.body), context, callback);
    if (result && typeof result.then === 'function')
      result.then(callbackContext.succeed, callbackContext.fail).catch(callbackContext.fail);
  } catch (err) {
    callback(err);
  }
}

/**
 * A handler wrapped with awslambda.streamifyResponse, invoked through the buffered Invoke API:
 * what it writes to the stream becomes the response.
 * @param {string} id @param {string} body @param {http.IncomingHttpHeaders} headers
 */
async function handleStreaming(id, body, headers) {
  const { Writable } = await import('node:stream');
  /** @type {Buffer[]} */
  const chunks = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  const finished = new Promise((resolve) => stream.on('finish', resolve));
  beforeExit.set(() => scheduleIteration());
  const [, callbackContext] = buildCallbackContext({ complete: () => {}, fail: () => {}, scheduleNext: () => {} });
  try {
    await handler(JSON.parse(body), stream, buildContext(headers, callbackContext));
    await finished;
    beforeExit.reset();
    flushMark(id);
    await call('POST', `invocation/${encodeURIComponent(id)}/response`, Buffer.concat(chunks));
    scheduleIteration();
  } catch (error) {
    beforeExit.reset();
    logError('Invoke Error', error);
    postError(id, error, scheduleIteration);
  }
}

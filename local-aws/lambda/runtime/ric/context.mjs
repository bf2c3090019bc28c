// The handler's `context` and `callback` (docs/local-aws/protocols.md#handler-context), and the
// process's beforeExit hook that completes callback-style invocations once the event loop is empty.

/** @type {() => void} */
let beforeExitListener = () => {};

export const beforeExit = {
  invoke: () => beforeExitListener(),
  /** @param {() => void} fn */
  set: (fn) => {
    beforeExitListener = fn;
  },
  reset: () => {
    beforeExitListener = () => {};
  },
};

/**
 * @typedef {object} Reporter
 * @property {(result: unknown, then: () => void) => void} complete posts the result
 * @property {(error: unknown, then: () => void) => void} fail logs and posts the error
 * @property {() => void} scheduleNext starts the next iteration of the invoke loop
 */

/**
 * The node-style callback and the callback part of the context (succeed/fail/done and
 * callbackWaitsForEmptyEventLoop). Only the first call to any of them counts.
 * @param {Reporter} reporter
 * @returns {[(err?: unknown, result?: unknown) => void, Record<string, any>, () => void]}
 */
export function buildCallbackContext({ complete, fail, scheduleNext }) {
  let completed = false;
  /** @param {unknown} result @param {() => void} then */
  const postComplete = (result, then) => {
    if (completed) {
      console.error(
        'Invocation has already been reported as done. Cannot call complete more than once per invocation.',
      );
      return;
    }
    completed = true;
    complete(result, then);
  };
  let waitForEmptyEventLoop = true;

  /** @param {unknown} [err] @param {unknown} [result] */
  const callback = (err, result) => {
    beforeExit.reset();
    if (err !== undefined && err !== null) fail(err, scheduleNext);
    else if (!waitForEmptyEventLoop) postComplete(result, scheduleNext);
    else beforeExit.set(() => setImmediate(() => postComplete(result, scheduleNext)));
  };
  /** @param {unknown} [err] @param {unknown} [result] */
  const done = (err, result) => {
    beforeExit.reset();
    if (err !== undefined && err !== null) fail(err, scheduleNext);
    else postComplete(result, scheduleNext);
  };

  let finished = false;
  /** @template {(...args: any[]) => void} F @param {F} fn @returns {F} */
  const firstCallOnly = (fn) =>
    /** @type {F} */ (
      (...args) => {
        if (finished) return;
        fn(...args);
        finished = true;
      }
    );
  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    succeed: firstCallOnly((/** @type {unknown} */ result) => done(null, result)),
    fail: firstCallOnly((/** @type {unknown} */ err) =>
      done(err === undefined || err === null ? 'handled' : err, null),
    ),
    done: firstCallOnly(done),
  };
  return [firstCallOnly(callback), context, () => (completed = true)];
}

/**
 * @param {string | undefined} text @param {string} name
 */
function parseJson(text, name) {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err}`, { cause: err });
  }
}

/**
 * Adds what the invocation's headers and the environment say to the callback context.
 * @param {import('node:http').IncomingHttpHeaders} headers @param {Record<string, any>} callbackContext
 */
export function buildContext(headers, callbackContext) {
  const h = (/** @type {string} */ name) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const deadline = Number(h('lambda-runtime-deadline-ms'));
  const env = process.env;
  return Object.assign(callbackContext, {
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: parseJson(h('lambda-runtime-client-context'), 'ClientContext'),
    identity: parseJson(h('lambda-runtime-cognito-identity'), 'CognitoIdentity'),
    invokedFunctionArn: h('lambda-runtime-invoked-function-arn'),
    awsRequestId: h('lambda-runtime-aws-request-id'),
    getRemainingTimeInMillis: () => deadline - Date.now(),
  });
}

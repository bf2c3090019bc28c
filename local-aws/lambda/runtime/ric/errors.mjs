// Error shapes of the Node.js runtime interface client: what is posted to the Runtime API
// ({errorType, errorMessage, trace}) and what is logged ("Invoke Error \t{...}").
import { types } from 'node:util';

/** @param {unknown} obj @returns {obj is Error} */
function looksLikeError(obj) {
  const o = /** @type {Record<string, unknown> | null} */ (obj);
  return !!o && typeof o.name === 'string' && typeof o.message === 'string' && typeof o.stack === 'string';
}

/**
 * The body posted to /error and /init/error.
 * @param {unknown} error
 * @returns {{ errorType: string, errorMessage: string, trace: string[] }}
 */
export function toRapidResponse(error) {
  try {
    if (types.isNativeError(error) || looksLikeError(error)) {
      const e = /** @type {Error} */ (error);
      return { errorType: e.name, errorMessage: e.message, trace: String(e.stack ?? '').split('\n') };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving ' +
        'one or more of its message, name, and stack',
      trace: [],
    };
  }
}

/** @param {unknown} value */
function withEnumerableProperties(value) {
  if (!(value instanceof Error)) return value;
  const e = /** @type {Error & { code?: unknown }} */ (value);
  /** @type {Record<string, unknown>} */
  const out = Object.assign({ errorType: e.name, errorMessage: e.message, code: e.code }, e);
  if (typeof e.stack === 'string') out.stack = e.stack.split('\n');
  return out;
}

/**
 * An error as the runtime logs it: a tab, then JSON with type, message and stack lines.
 * @param {unknown} error
 */
export function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_k, v) => withEnumerableProperties(v));
  } catch {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

/** @param {unknown} err @returns {Error} */
export function intoError(err) {
  return err instanceof Error ? err : new Error(/** @type {string} */ (err));
}

export class ImportModuleError extends Error {}
export class HandlerNotFound extends Error {}
export class MalformedHandlerName extends Error {}
export class UserCodeSyntaxError extends Error {}
export class UnhandledPromiseRejection extends Error {
  /** @param {unknown} reason @param {Promise<unknown>} promise */
  constructor(reason, promise) {
    super(/** @type {string} */ (reason));
    this.reason = reason;
    this.promise = promise;
  }
}
export class NodeJsExit extends Error {
  constructor() {
    super(
      'The Lambda runtime client detected an unexpected Node.js exit code. ' +
        'This is most commonly caused by a Promise that was never settled. ' +
        'For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
    );
  }
}

export class CallbackHandlerDeprecated extends Error {}

const CLASSES = [
  ImportModuleError,
  HandlerNotFound,
  MalformedHandlerName,
  UserCodeSyntaxError,
  UnhandledPromiseRejection,
  NodeJsExit,
  CallbackHandlerDeprecated,
];
for (const cls of CLASSES) {
  cls.prototype.name = `Runtime.${cls.name}`;
}

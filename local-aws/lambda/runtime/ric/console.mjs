// The console as Lambda's Node.js runtime patches it: one line per call on stdout,
// `<ISO time>\t<requestId>\t<LEVEL>\t<message>` (Text) or a JSON object (AWS_LAMBDA_LOG_FORMAT=JSON),
// inner newlines turned into \r so a message stays one CloudWatch event.
import { format } from 'node:util';
import { intoError, toFormatted } from './errors.mjs';

const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');

/** @typedef {{ name: string, priority: number }} Level */
const LEVELS = Object.freeze({
  TRACE: { name: 'TRACE', priority: 1 },
  DEBUG: { name: 'DEBUG', priority: 2 },
  INFO: { name: 'INFO', priority: 3 },
  WARN: { name: 'WARN', priority: 4 },
  ERROR: { name: 'ERROR', priority: 5 },
  FATAL: { name: 'FATAL', priority: 6 },
});

function requestId() {
  return /** @type {Record<symbol, unknown>} */ (globalThis)[REQUEST_ID];
}

/** @param {Level} level @param {unknown[]} params */
function textLine(level, params) {
  return `${new Date().toISOString()}\t${requestId()}\t${level.name}\t${format(...params)}`;
}

/** @param {string} _key @param {unknown} value */
function jsonErrorReplacer(_key, value) {
  if (!(value instanceof Error)) return value;
  return Object.assign(
    {
      errorType: value?.constructor?.name ?? 'UnknownError',
      errorMessage: value.message,
      stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
    },
    value,
  );
}

/** @param {Level} level @param {unknown[]} params */
function jsonLine(level, params) {
  /** @type {Record<string, unknown>} */
  const record = { timestamp: new Date().toISOString(), level: level.name, requestId: requestId() };
  if (params.length === 1) {
    record.message = params[0];
    try {
      return JSON.stringify(record, jsonErrorReplacer);
    } catch {
      record.message = format(record.message);
      return JSON.stringify(record);
    }
  }
  record.message = format(...params);
  const error = params.find((p) => p instanceof Error);
  if (error instanceof Error) {
    record.errorType = error?.constructor?.name ?? 'UnknownError';
    record.errorMessage = error.message;
    record.stackTrace = typeof error.stack === 'string' ? error.stack.split('\n') : [];
  }
  return JSON.stringify(record);
}

const json = process.env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';

/** Replaces console.trace/debug/info/log/warn/error (and adds console.fatal). */
export function patchConsole() {
  const render = json ? jsonLine : textLine;
  const minimum =
    LEVELS[/** @type {keyof typeof LEVELS} */ (process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase() ?? '')] ?? LEVELS.TRACE;
  /** @param {Level} level */
  const logger = (level) =>
    level.priority >= minimum.priority
      ? (/** @type {unknown[]} */ ...params) => {
          process.stdout.write(render(level, params).replace(/\n/g, '\r') + '\n');
        }
      : () => {};
  console.trace = logger(LEVELS.TRACE);
  console.debug = logger(LEVELS.DEBUG);
  console.info = logger(LEVELS.INFO);
  console.log = console.info;
  console.warn = logger(LEVELS.WARN);
  console.error = logger(LEVELS.ERROR);
  /** @type {Console & { fatal?: (...params: unknown[]) => void }} */ (console).fatal = logger(LEVELS.FATAL);
}

/**
 * How the runtime logs an error it reports ("Invoke Error", "Uncaught Exception", ...).
 * @param {string} message @param {unknown} error
 */
export function logError(message, error) {
  if (json) console.error(intoError(error));
  else console.error(message, toFormatted(intoError(error)));
}

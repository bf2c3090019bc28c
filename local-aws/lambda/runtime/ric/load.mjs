// Finds and loads the handler named by _HANDLER (docs/local-aws/protocols.md#handler-loading), CommonJS or ES module.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CallbackHandlerDeprecated,
  HandlerNotFound,
  ImportModuleError,
  MalformedHandlerName,
  UserCodeSyntaxError,
} from './errors.mjs';

const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');

/** `awslambda.streamifyResponse` and `awslambda.HttpResponseStream`, as the runtime provides them. */
function defineAwsLambdaGlobal() {
  /** @type {Record<string, unknown>} */ (globalThis).awslambda = {
    /** @param {Function & Record<symbol, unknown>} handler */
    streamifyResponse: (handler) => {
      handler[HANDLER_STREAMING] = 'response';
      return handler;
    },
    HttpResponseStream: {
      // Through the buffered Invoke API only the body matters: the HTTP prelude is dropped.
      /** @param {unknown} stream */
      from: (stream) => stream,
    },
  };
}

/** Is the nearest package.json (stopping at node_modules or /) of type "module"? @param {string} folder */
function packageTypeIsModule(folder) {
  for (let dir = folder; ; dir = path.dirname(dir)) {
    if (dir.endsWith('/node_modules')) return false;
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        return JSON.parse(fs.readFileSync(pj, 'utf8'))?.type === 'module';
      } catch (e) {
        console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
        return false;
      }
    }
    if (dir === '/' || path.dirname(dir) === dir) return false;
  }
}

/**
 * The module, in the runtime's order: extensionless (require), .js (require or import by package
 * type), .mjs (import), .cjs (require), then a node_modules lookup.
 * @param {string} appRoot @param {string} moduleRoot @param {string} moduleName @param {NodeRequire} require
 */
async function loadModule(appRoot, moduleRoot, moduleName, require) {
  const base = path.resolve(appRoot, moduleRoot, moduleName);
  /** @param {string} ext */
  const tryRequire = (ext) => (fs.existsSync(base + ext) ? require(base + ext) : undefined);
  /** @param {string} ext */
  const tryImport = async (ext) =>
    fs.existsSync(base + ext) ? await import(pathToFileURL(base + ext).href) : undefined;

  const extensionless = tryRequire('');
  if (extensionless) return extensionless;
  const isModule = packageTypeIsModule(path.dirname(base));
  if (!isModule) {
    const cjs = tryRequire('.js');
    if (cjs) return cjs;
  }
  const loaded = (isModule && (await tryImport('.js'))) || (await tryImport('.mjs')) || tryRequire('.cjs');
  if (loaded) return loaded;
  return require(require.resolve(moduleName, { paths: [appRoot, moduleRoot] }));
}

/**
 * @param {string} appRoot LAMBDA_TASK_ROOT
 * @param {string} fullHandler _HANDLER, e.g. `src/app.lambda.handler`
 * @param {NodeRequire} require
 * @returns {Promise<Function>}
 */
export async function loadHandler(appRoot, fullHandler, require) {
  if (fullHandler.includes('..'))
    throw new MalformedHandlerName(
      `'${fullHandler}' is not a valid handler name. ` +
        'Use absolute paths when specifying root directories in handler names.',
    );
  const handlerString = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(handlerString));
  const match = /^([^.]*)\.(.*)$/.exec(handlerString);
  if (!match) throw new MalformedHandlerName('Bad handler');
  const [, moduleName, handlerPath] = /** @type {[string, string, string]} */ (match);

  defineAwsLambdaGlobal();
  /** @type {unknown} */
  let app;
  try {
    app = await loadModule(appRoot, moduleRoot, moduleName, require);
  } catch (e) {
    if (e instanceof SyntaxError) {
      const err = new UserCodeSyntaxError(String(e));
      err.stack = e.stack;
      throw err;
    }
    const code = /** @type {{ code?: string }} */ (e)?.code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') throw new ImportModuleError(String(e));
    throw e;
  }
  const fn = handlerPath.split('.').reduce((/** @type {any} */ nested, key) => nested && nested[key], app);
  if (!fn) throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  if (typeof fn !== 'function') throw new HandlerNotFound(`${fullHandler} is not a function`);
  // The Node.js 24+ runtimes refuse (event, context, callback) handlers.
  const major = Number(/^AWS_Lambda_nodejs(\d+)/.exec(process.env.AWS_EXECUTION_ENV ?? '')?.[1] ?? 0);
  if (major >= 24 && fn.length >= 3 && !fn[HANDLER_STREAMING])
    throw new CallbackHandlerDeprecated(
      'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. ' +
        'You need to modify this function to use a supported handler signature to use Node.js 24 or later. ' +
        'For more information see ' +
        'https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.',
    );
  return fn;
}

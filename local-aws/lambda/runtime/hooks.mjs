// Module resolution hooks for function code (registered by bootstrap.mjs, run on Node's hooks thread).
//
// Lambda's Node.js runtimes let handlers import the AWS SDK v3 without shipping it. require() finds
// it through NODE_PATH, but ES-module resolution ignores NODE_PATH: when a bare specifier cannot be
// resolved from the importing file, retry it from the runtime folder (LAMBDA_RUNTIME_DIR, whose
// node_modules links the SDK). Code in the zip is looked up first, so it wins.
//
// This thread also watches the parent: if the local endpoint dies, the runtime would otherwise
// live on (a handler stuck in a synchronous loop never notices its Runtime API went away).

import { pathToFileURL } from 'node:url';

/** @type {string | undefined} */
let fallbackParent;

/** @param {{ runtimeDir?: string } | undefined} data */
export function initialize(data) {
  if (data?.runtimeDir) fallbackParent = pathToFileURL(data.runtimeDir.replace(/\/?$/, '/') + 'index.mjs').href;
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL');
  }, 500).unref();
}

/** @param {string} specifier */
function isBare(specifier) {
  return !/^(?:[./]|[a-zA-Z][a-zA-Z0-9+.-]*:|#)/.test(specifier);
}

/**
 * @param {string} specifier
 * @param {{ parentURL?: string, conditions: string[], importAttributes?: object }} context
 * @param {(specifier: string, context?: object) => Promise<{ url: string }>} nextResolve
 */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    const code = /** @type {{ code?: string }} */ (err).code;
    if (!fallbackParent || !isBare(specifier) || (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND')) throw err;
    try {
      return await nextResolve(specifier, { ...context, parentURL: fallbackParent });
    } catch {
      // Report the original failure: it names the importing file.
      throw err;
    }
  }
}

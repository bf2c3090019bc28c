// Module resolution hooks for function code (registered by bootstrap.mjs, run on Node's hooks thread).
//
// On Lambda, function code sees its own zip (/var/task) plus the runtime's AWS SDK v3, nothing else.
// Locally the unpacked code may sit inside a folder whose ancestors have a node_modules (the data
// folder inside the project), so:
//  - a bare specifier imported from function code that resolves to a package OUTSIDE the code folder
//    is refused (unless it is one of the SDK's scopes): a package missing from the zip fails here as
//    it would on AWS, instead of quietly using the developer's copy;
//  - when resolution fails, a bare specifier is looked up in the layers' node_modules folders, in
//    NODE_PATH's order (AWS resolves ES-module imports from layers since its Node.js 18 runtime),
//    then SDK packages in the runtime folder (LAMBDA_RUNTIME_DIR, whose node_modules links the
//    project's SDK). ES-module resolution ignores NODE_PATH, hence the hook. Code in the zip is
//    looked up first, so it wins. Layer code (the layer folder, /opt on AWS) is isolated the same way.
//
// This thread also watches the parent: if the local endpoint dies, the runtime would otherwise
// live on (a handler stuck in a synchronous loop never notices its Runtime API went away).

import { pathToFileURL } from 'node:url';

const RUNTIME_SCOPES = ['@aws-sdk/', '@smithy/', '@aws-crypto/', '@aws/'];

/** @type {string | undefined} */
let fallbackParent;
/** @type {string[]} file URLs of the code folder and the layer folder, with a trailing slash */
let roots = [];
/** The layers' node_modules folders (URLs), and a parent URL beside each. */
/** @type {Array<{ parentURL: string, folder: string }>} */
let layerFolders = [];
/** @type {string | undefined} */
let optRoot;

/** @param {string} dir */
const folderUrl = (dir) => pathToFileURL(dir.replace(/\/?$/, '/')).href;

/** @param {{ runtimeDir?: string, taskRoot?: string, optRoot?: string, nodePath?: string } | undefined} data */
export function initialize(data) {
  if (data?.runtimeDir) fallbackParent = folderUrl(data.runtimeDir) + 'index.mjs';
  roots = [data?.taskRoot, data?.optRoot].filter((r) => r !== undefined).map(folderUrl);
  if (data?.optRoot) {
    optRoot = folderUrl(data.optRoot);
    // NODE_PATH's layer entries (`<opt>/nodejs/.../node_modules`): resolving from a file beside such a
    // folder finds the packages in it first.
    layerFolders = (data.nodePath ?? '')
      .split(':')
      .filter((p) => p.endsWith('/node_modules') && folderUrl(p).startsWith(/** @type {string} */ (optRoot)))
      .map((p) => ({ parentURL: folderUrl(p.slice(0, -'node_modules'.length)) + 'index.mjs', folder: folderUrl(p) }));
  }
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
 * Would Lambda find this package for function (or layer) code? Only in the zip or the layer folder it
 * comes from, or in the runtime's SDK.
 */
function outsideTheFunction(
  /** @type {string} */ specifier,
  /** @type {string | undefined} */ parentURL,
  /** @type {string} */ url,
) {
  const root = roots.find((r) => parentURL?.startsWith(r));
  if (!root || !isBare(specifier)) return false;
  if (RUNTIME_SCOPES.some((scope) => specifier.startsWith(scope))) return false;
  return url.startsWith('file:') && url.includes('/node_modules/') && !url.startsWith(root);
}

/** A bare specifier from the layers' node_modules folders, in NODE_PATH's order; undefined if none has it. */
async function fromLayers(
  /** @type {string} */ specifier,
  /** @type {object} */ context,
  /** @type {(specifier: string, context?: object) => Promise<{ url: string }>} */ nextResolve,
) {
  for (const { parentURL, folder } of layerFolders) {
    try {
      const result = await nextResolve(specifier, { ...context, parentURL });
      if (result.url.startsWith(folder)) return result;
    } catch {
      // Not in this folder: try the next.
    }
  }
  return undefined;
}

/** @param {string} specifier @param {string | undefined} parentURL */
function notFound(specifier, parentURL) {
  const err = /** @type {Error & { code: string }} */ (
    new Error(
      `Cannot find package '${specifier}' imported from ${parentURL ? new URL(parentURL).pathname : 'the function'}`,
    )
  );
  err.code = 'ERR_MODULE_NOT_FOUND';
  return err;
}

/**
 * @param {string} specifier
 * @param {{ parentURL?: string, conditions: string[], importAttributes?: object }} context
 * @param {(specifier: string, context?: object) => Promise<{ url: string }>} nextResolve
 */
export async function resolve(specifier, context, nextResolve) {
  /** @type {unknown} */
  let failure;
  try {
    const result = await nextResolve(specifier, context);
    if (!outsideTheFunction(specifier, context.parentURL, result.url)) return result;
    failure = notFound(specifier, context.parentURL);
  } catch (err) {
    const code = /** @type {{ code?: string }} */ (err).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err;
    failure = err;
  }
  if (isBare(specifier) && roots.some((r) => context.parentURL?.startsWith(r))) {
    const layered = await fromLayers(specifier, context, nextResolve);
    if (layered) return layered;
  }
  if (fallbackParent && isBare(specifier) && RUNTIME_SCOPES.some((scope) => specifier.startsWith(scope))) {
    try {
      return await nextResolve(specifier, { ...context, parentURL: fallbackParent });
    } catch {
      // Report the original failure: it names the importing file.
    }
  }
  throw failure;
}

// What an execution environment sees: the variables Lambda sets
// (docs/local-aws/protocols.md#environment-variables), the function's own variables, the role session's
// credentials and this endpoint's URL. Nothing of the endpoint's own environment is passed through. Also
// the runtime folder (LAMBDA_RUNTIME_DIR), whose node_modules exposes the project's AWS SDK v3 like
// /var/runtime/node_modules on AWS.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FunctionSpec, RoleSession } from './contract.ts';

/** Packages Lambda's Node.js runtimes ship (the SDK v3 and what it is made of). */
const RUNTIME_SCOPES = ['@aws-sdk', '@smithy', '@aws-crypto', '@aws'];

/**
 * Names a function's Environment.Variables may not set (CreateFunction / UpdateFunctionConfiguration
 * refuse them, as AWS does). TZ is not among them: AWS lists it as unreserved and honours it.
 */
export const RESERVED_VARIABLES = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

/** The folder of the project's node_modules that holds the AWS SDK, found from this file upwards. */
function projectNodeModules(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'node_modules');
    if (fs.existsSync(path.join(candidate, '@aws-sdk'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * Prepares `<dataDir>/lambda/runtime` with `node_modules/<scope>` links to the project's SDK
 * packages, and returns it. Only the SDK is exposed: other project packages (sharp, ...) must come
 * in the function's zip, as on AWS.
 */
export function prepareRuntimeDir(dataDir: string): string {
  const runtimeDir = path.join(dataDir, 'lambda', 'runtime');
  const modules = path.join(runtimeDir, 'node_modules');
  fs.mkdirSync(modules, { recursive: true });
  const source = projectNodeModules();
  if (!source) return runtimeDir;
  for (const scope of RUNTIME_SCOPES) {
    const target = path.join(source, scope);
    const link = path.join(modules, scope);
    if (!fs.existsSync(target)) continue;
    let current: string | undefined;
    try {
      current = fs.readlinkSync(link);
    } catch {
      current = undefined;
    }
    if (current === target) continue;
    fs.rmSync(link, { force: true, recursive: true });
    fs.symlinkSync(target, link, 'dir');
  }
  return runtimeDir;
}

export interface EnvironmentVariablesInput {
  spec: FunctionSpec;
  session: RoleSession;
  logStreamName: string;
  runtimeApi: string;
  runtimeDir: string;
  tmpDir: string;
  endpointUrl: string;
}

/**
 * NODE_PATH as Lambda's Node.js bootstrap sets it: the layers' `nodejs/node<major>/node_modules` and
 * `nodejs/node_modules` (under /opt there, the function's layer folder here), the runtime's modules,
 * the runtime folder, the code folder.
 */
export function nodePath(spec: Pick<FunctionSpec, 'runtime' | 'codeDir' | 'optDir'>, runtimeDir: string): string {
  const major = /^nodejs(\d+)/.exec(spec.runtime)?.[1];
  const layers = spec.optDir
    ? [
        ...(major ? [path.join(spec.optDir, 'nodejs', `node${major}`, 'node_modules')] : []),
        path.join(spec.optDir, 'nodejs', 'node_modules'),
      ]
    : [];
  return [...layers, path.join(runtimeDir, 'node_modules'), runtimeDir, spec.codeDir].join(':');
}

export function environmentVariables(input: EnvironmentVariablesInput): Record<string, string> {
  const { spec, session } = input;
  const nodeBin = path.dirname(process.execPath);
  const defaults: Record<string, string> = {
    LANG: 'en_US.UTF-8',
    // This machine's node first, so a handler that spawns `node` gets the same one; then the
    // layers' bin (/opt/bin on AWS).
    PATH: [
      nodeBin,
      '/usr/local/bin',
      '/usr/bin/',
      '/bin',
      ...(spec.optDir ? [path.join(spec.optDir, 'bin')] : []),
    ].join(':'),
    NODE_PATH: nodePath(spec, input.runtimeDir),
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    TZ: ':UTC',
    // By IP, so S3 clients use path-style addressing by themselves.
    AWS_ENDPOINT_URL: input.endpointUrl,
    // Private per environment: os.tmpdir() and the SDK's ~/.aws lookups stay inside it, so the
    // developer's own AWS config never reaches the function (Lambda has no such files either).
    TMPDIR: input.tmpDir,
    TMP: input.tmpDir,
    TEMP: input.tmpDir,
    HOME: input.tmpDir,
    // The runtimes the control plane accepts are Node >= 22 on AWS; here they run on this machine's
    // Node, whose version the SDK would otherwise warn about in every cold start's log.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const reserved: Record<string, string> = {
    _HANDLER: spec.handler,
    AWS_REGION: spec.region,
    AWS_DEFAULT_REGION: spec.region,
    // Every nodejs* runtime runs on this machine's Node.js; the name is what the function asked for.
    AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: spec.logGroup,
    AWS_LAMBDA_LOG_STREAM_NAME: input.logStreamName,
    AWS_ACCESS_KEY_ID: session.accessKeyId,
    AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
    AWS_SESSION_TOKEN: session.sessionToken,
    AWS_LAMBDA_RUNTIME_API: input.runtimeApi,
    LAMBDA_TASK_ROOT: spec.codeDir,
    LAMBDA_RUNTIME_DIR: input.runtimeDir,
  };
  if (spec.logFormat === 'JSON') {
    reserved.AWS_LAMBDA_LOG_FORMAT = 'JSON';
    // As on AWS: the runtime drops console calls below ApplicationLogLevel (default INFO).
    reserved.AWS_LAMBDA_LOG_LEVEL = spec.applicationLogLevel ?? 'INFO';
  }
  const own: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.environment)) {
    if (!RESERVED_VARIABLES.has(name)) own[name] = value;
  }
  return { ...defaults, ...own, ...reserved };
}

/**
 * V8's old-space limit a little below the memory size, as Lambda's Node.js bootstrap sets it, so
 * a JavaScript heap that grows too far fails in V8 before the memory limit kills the process.
 * (Any V8 flag costs the child ~30 ms of start-up: Node's code cache no longer matches; only this one is passed.)
 */
export function nodeMemoryFlags(memorySizeMb: number): string[] {
  return [`--max-old-space-size=${memorySizeMb - Math.floor(memorySizeMb / 10)}`];
}

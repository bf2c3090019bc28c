// The configuration fields of CreateFunction / UpdateFunctionConfiguration, checked as AWS checks them
// (docs/local-aws/protocols.md#lambda-api): limits, runtimes, environment variables, the execution role.
import { notImplemented } from '../core/errors.ts';
import { constraint, dict, invalidParameter, validationError, type LambdaInput } from './input.ts';
import type { Architecture, FunctionConfig } from './model.ts';
import { checkLayerArns } from './layers.ts';
import { checkRuntime } from './runtimes.ts';
import { RESERVED_VARIABLES } from './runtime/env-vars.ts';

export const ROLE_PATTERN = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const ROLE_PATTERN_TEXT = 'arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+';
const ENV_KEY = /^[a-zA-Z]([a-zA-Z0-9_])+$/;
const MAX_ENV_BYTES = 4096;

/** The fields a request sets; `null` clears an optional one. */
export interface SettingsChange {
  runtime?: string;
  role?: string;
  handler?: string;
  description?: string;
  timeout?: number;
  memorySize?: number;
  environment?: Record<string, string> | null;
  architecture?: Architecture;
  ephemeralStorage?: number;
  logFormat?: 'Text' | 'JSON';
  logGroup?: string;
  applicationLogLevel?: string;
  systemLogLevel?: string;
  tracingMode?: 'Active' | 'PassThrough';
  deadLetterTargetArn?: string | null;
  /** Layer version ARNs (checked against the model; resolved by the caller). `[]` removes them all. */
  layers?: string[];
}

function environment(input: LambdaInput): Record<string, string> | null | undefined {
  const env = input.obj('Environment');
  if (!env) return undefined;
  const vars = env.strMap('Variables') ?? [];
  for (const [k] of vars)
    if (!ENV_KEY.test(k))
      throw validationError(
        "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: " +
          'Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]',
      );
  const reserved = vars.map(([k]) => k).filter((k) => RESERVED_VARIABLES.has(k));
  if (reserved.length > 0)
    throw invalidParameter(
      'Lambda was unable to configure your environment variables ' +
        'because the environment variables you have provided contains reserved keys ' +
        'that are currently not supported for modification. ' +
        `Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  const map = dict(vars);
  const measured = JSON.stringify(map);
  if (Buffer.byteLength(measured) > MAX_ENV_BYTES)
    throw invalidParameter(
      'Lambda was unable to configure your environment variables ' +
        'because the environment variables you have provided exceeded the 4KB limit. ' +
        `String measured: ${measured}`,
    );
  return vars.length === 0 ? null : map;
}

export function parseArchitectures(input: LambdaInput): Architecture | undefined {
  const archs = input.strList('Architectures');
  if (archs === undefined) return undefined;
  const shown = `[${archs.join(', ')}]`;
  if (archs.length !== 1)
    throw constraint(
      shown,
      'architectures',
      `Member must have length ${archs.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 1'}`,
    );
  if (archs[0] !== 'x86_64' && archs[0] !== 'arm64')
    throw constraint(
      shown,
      'architectures',
      'Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]',
    );
  return archs[0];
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], field: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw constraint(value, field, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  return value as T;
}

/** Parses the configuration fields of a Create / UpdateFunctionConfiguration request. */
export function parseSettings(input: LambdaInput, op: 'create' | 'update'): SettingsChange {
  for (const unsupported of ['FileSystemConfigs', 'CodeSigningConfigArn', 'ImageConfig', 'CapacityProviderConfig']) {
    const v = input.raw(unsupported);
    if (v !== undefined && !(Array.isArray(v) && v.length === 0))
      throw notImplemented(
        'lambda',
        `${op === 'create' ? 'CreateFunction' : 'UpdateFunctionConfiguration'} with ${unsupported}`,
      );
  }
  if (input.str('PackageType') === 'Image')
    throw notImplemented('lambda', 'CreateFunction with PackageType Image (container images)');
  const change: SettingsChange = {};
  const runtime = input.str('Runtime');
  if (runtime !== undefined) {
    const verdict = checkRuntime(runtime, op);
    if (!verdict.ok) throw invalidParameter(verdict.message);
    change.runtime = runtime;
  }
  change.role = input.str('Role', { pattern: ROLE_PATTERN, patternText: ROLE_PATTERN_TEXT });
  change.handler = input.str('Handler', { max: 128, pattern: /^[^\s]+$/, patternText: '[^\\s]+' });
  change.description = input.str('Description', { min: 0, max: 256 });
  change.timeout = input.int('Timeout', { min: 1, max: 900 });
  change.memorySize = input.int('MemorySize', { min: 128, max: 10240 });
  change.environment = environment(input);
  if (op === 'create') change.architecture = parseArchitectures(input);
  const storage = input.obj('EphemeralStorage');
  if (storage) change.ephemeralStorage = storage.int('Size', { min: 512, max: 10240 }) ?? 512;
  const logging = input.obj('LoggingConfig');
  if (logging) {
    change.logFormat = oneOf(logging.str('LogFormat'), ['JSON', 'Text'] as const, 'loggingConfig.logFormat');
    change.logGroup = logging.str('LogGroup', {
      min: 1,
      max: 512,
      pattern: /^[.\-_/#A-Za-z0-9]+$/,
      patternText: '[\\.\\-_/#A-Za-z0-9]+',
    });
    change.applicationLogLevel = oneOf(
      logging.str('ApplicationLogLevel'),
      ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const,
      'loggingConfig.applicationLogLevel',
    );
    change.systemLogLevel = oneOf(
      logging.str('SystemLogLevel'),
      ['DEBUG', 'INFO', 'WARN'] as const,
      'loggingConfig.systemLogLevel',
    );
  }
  const tracing = input.obj('TracingConfig');
  if (tracing)
    change.tracingMode = oneOf(tracing.str('Mode'), ['Active', 'PassThrough'] as const, 'tracingConfig.mode');
  change.layers = input.strList('Layers');
  if (change.layers) checkLayerArns(change.layers);
  const dlq = input.obj('DeadLetterConfig');
  if (dlq) change.deadLetterTargetArn = dlq.str('TargetArn') || null;
  return change;
}

/** Applies a change to a configuration (a new object; the caller sets code and revision fields). */
export function applySettings(base: FunctionConfig, change: SettingsChange, functionName: string): FunctionConfig {
  const next: FunctionConfig = { ...base };
  if (change.runtime !== undefined) next.runtime = change.runtime;
  if (change.role !== undefined) next.role = change.role;
  if (change.handler !== undefined) next.handler = change.handler;
  if (change.description !== undefined) next.description = change.description;
  if (change.timeout !== undefined) next.timeout = change.timeout;
  if (change.memorySize !== undefined) next.memorySize = change.memorySize;
  if (change.environment !== undefined) next.environment = change.environment ?? undefined;
  if (change.architecture !== undefined) next.architecture = change.architecture;
  if (change.ephemeralStorage !== undefined) next.ephemeralStorage = change.ephemeralStorage;
  if (change.logFormat !== undefined) next.logFormat = change.logFormat;
  if (change.logGroup !== undefined) next.logGroup = change.logGroup;
  if (change.applicationLogLevel !== undefined) next.applicationLogLevel = change.applicationLogLevel;
  if (change.systemLogLevel !== undefined) next.systemLogLevel = change.systemLogLevel;
  if (change.tracingMode !== undefined) next.tracingMode = change.tracingMode;
  if (change.deadLetterTargetArn !== undefined) next.deadLetterTargetArn = change.deadLetterTargetArn ?? undefined;
  if (next.logFormat === 'Text' && (change.applicationLogLevel !== undefined || change.systemLogLevel !== undefined))
    throw invalidParameter(
      'Invalid LoggingConfig: ApplicationLogLevel and SystemLogLevel can only be set when LogFormat is JSON.',
    );
  if (next.logFormat === 'JSON') {
    next.applicationLogLevel ??= 'INFO';
    next.systemLogLevel ??= 'INFO';
  } else {
    next.applicationLogLevel = undefined;
    next.systemLogLevel = undefined;
  }
  if (!next.logGroup) next.logGroup = `/aws/lambda/${functionName}`;
  return next;
}

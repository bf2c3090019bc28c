// Settings: defaults < .env < environment < command-line flags, each validated with a message that
// says what to do. Names that depend on the account (the default bucket) are finished later.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dotenv, type minimist } from 'zx';
import { UserError } from './errors.ts';

export type TargetKind = 'local' | 'aws' | 'endpoint';
export type Architecture = 'x86_64' | 'arm64';
/** How uploads reach the function: the bucket invokes it (`lambda`), or publishes to a topic it subscribes to (`sns`). */
export type TriggerKind = 'lambda' | 'sns';

/**
 * Runtimes Lambda accepts for new functions as of late 2026 (nodejs20.x is create-blocked:
 * docs/local-aws/protocols.md#runtimes).
 */
export const CURRENT_NODE_RUNTIMES = ['nodejs22.x', 'nodejs24.x'] as const;

export interface Settings {
  target: TargetKind;
  /** Endpoint for `local` (the project's) and `endpoint` (AWS_ENDPOINT_URL); none for real AWS. */
  endpoint?: string;
  /** Undefined until resolved from the SDK's chain (profile config) for real AWS. */
  region?: string;
  profile?: string;
  functionName: string;
  /** Undefined means "the default for the account and region" (known after the identity check). */
  sourceBucket?: string;
  destBucket?: string;
  roleName?: string;
  thumbnailWidth: number;
  runtime: string;
  architecture: Architecture;
  memorySize: number;
  timeout: number;
  logRetentionDays: number;
  trigger: TriggerKind;
  /** Undefined means `<FUNCTION_NAME>-uploads`. */
  topicName?: string;
}

/** Settings once the account and region are known. */
export interface ResolvedSettings extends Settings {
  region: string;
  sourceBucket: string;
  destBucket: string;
  roleName: string;
  topicName: string;
  accountId: string;
}

/** Setting name -> command-line flag. */
export const FLAGS = {
  TARGET: 'target',
  AWS_ENDPOINT_URL: 'endpoint-url',
  AWS_REGION: 'region',
  AWS_PROFILE: 'profile',
  FUNCTION_NAME: 'function-name',
  SOURCE_BUCKET: 'source-bucket',
  DEST_BUCKET: 'dest-bucket',
  ROLE_NAME: 'role-name',
  THUMBNAIL_WIDTH: 'width',
  RUNTIME: 'runtime',
  ARCHITECTURE: 'architecture',
  MEMORY_SIZE: 'memory',
  TIMEOUT: 'timeout',
  LOG_RETENTION_DAYS: 'log-retention-days',
  TRIGGER: 'trigger',
  TOPIC_NAME: 'topic-name',
} as const;
export type SettingName = keyof typeof FLAGS;

export interface SettingSource {
  value: string;
  from: 'default' | '.env' | 'environment' | 'flag';
}

/** Reads the raw values with where each came from. */
export function collectSettings(
  argv: minimist.ParsedArgs,
  env: NodeJS.ProcessEnv = process.env,
  envFile = path.resolve('.env'),
): Partial<Record<SettingName, SettingSource>> {
  const fromFile = fs.existsSync(envFile) ? dotenv.parse(fs.readFileSync(envFile)) : {};
  const out: Partial<Record<SettingName, SettingSource>> = {};
  for (const [name, flag] of Object.entries(FLAGS) as Array<[SettingName, string]>) {
    const flagValue = argv[flag] as unknown;
    const envName = name === 'AWS_REGION' && !env.AWS_REGION && env.AWS_DEFAULT_REGION ? 'AWS_DEFAULT_REGION' : name;
    if (flagValue !== undefined && flagValue !== true && flagValue !== '')
      out[name] = { value: String(flagValue), from: 'flag' };
    else if (env[envName]) out[name] = { value: env[envName]!, from: 'environment' };
    else if (fromFile[name]) out[name] = { value: fromFile[name]!, from: '.env' };
  }
  return out;
}

function int(name: SettingName, raw: SettingSource | undefined, fallback: number, min: number, max: number): number {
  if (!raw) return fallback;
  const n = Number(raw.value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UserError(
      `${name} must be a whole number from ${min} to ${max}, got "${raw.value}" (from ${raw.from}).`,
      `Fix it in ${raw.from === 'flag' ? `--${FLAGS[name]}` : raw.from === '.env' ? '.env' : `your environment (${name})`}.`,
    );
  return n;
}

function pattern(name: SettingName, raw: SettingSource | undefined, re: RegExp, rule: string): string | undefined {
  if (!raw) return undefined;
  if (!re.test(raw.value))
    throw new UserError(
      `${name} "${raw.value}" (from ${raw.from}) is not valid: ${rule}.`,
      `Fix it in ${raw.from === 'flag' ? `--${FLAGS[name]}` : raw.from}.`,
    );
  return raw.value;
}

export function validBucketName(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'it must be 3 to 63 characters long';
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name))
    return 'use lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit';
  if (name.includes('..')) return 'two dots in a row are not allowed';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'it must not look like an IP address';
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name) || /(-s3alias|--ol-s3|\.mrap|--x-s3)$/.test(name))
    return 'it uses a prefix or suffix AWS reserves';
  return undefined;
}

function bucket(name: SettingName, raw: SettingSource | undefined): string | undefined {
  if (!raw) return undefined;
  const problem = validBucketName(raw.value);
  if (problem)
    throw new UserError(`${name} "${raw.value}" (from ${raw.from}) is not a valid S3 bucket name: ${problem}.`);
  return raw.value;
}

export function parseSettings(raw: Partial<Record<SettingName, SettingSource>>): Settings {
  const targetRaw = raw.TARGET?.value ?? 'local';
  if (targetRaw !== 'local' && targetRaw !== 'aws')
    throw new UserError(`TARGET must be "local" (the project's local endpoint) or "aws", got "${targetRaw}".`);
  const endpoint = pattern(
    'AWS_ENDPOINT_URL',
    raw.AWS_ENDPOINT_URL,
    /^https?:\/\/[^\s/]+(\/.*)?$/,
    'it must be an http(s):// URL',
  );
  if (targetRaw === 'aws' && endpoint && raw.TARGET)
    throw new UserError(
      `TARGET=aws, but AWS_ENDPOINT_URL is set to ${endpoint} (from ${raw.AWS_ENDPOINT_URL?.from}).`,
      'Unset AWS_ENDPOINT_URL to use real AWS, or drop TARGET=aws to use that endpoint.',
    );
  const target: TargetKind = endpoint ? 'endpoint' : targetRaw;
  const architecture = raw.ARCHITECTURE?.value ?? 'x86_64';
  if (architecture !== 'x86_64' && architecture !== 'arm64')
    throw new UserError(`ARCHITECTURE must be x86_64 or arm64, got "${architecture}".`);
  const runtime = raw.RUNTIME?.value ?? 'nodejs24.x';
  if (!(CURRENT_NODE_RUNTIMES as readonly string[]).includes(runtime))
    throw new UserError(
      `RUNTIME "${runtime}" is not a current Node.js runtime of Lambda.`,
      `Use one of ${CURRENT_NODE_RUNTIMES.join(', ')} (older ones are refused by Lambda for new functions).`,
    );
  const trigger = raw.TRIGGER?.value ?? 'lambda';
  if (trigger !== 'lambda' && trigger !== 'sns')
    throw new UserError(
      `TRIGGER must be "lambda" (the bucket invokes the function) or "sns" (the bucket publishes to a topic the function subscribes to), got "${trigger}".`,
    );
  const sourceBucket = bucket('SOURCE_BUCKET', raw.SOURCE_BUCKET);
  const destBucket = bucket('DEST_BUCKET', raw.DEST_BUCKET);
  if (sourceBucket && destBucket && sourceBucket === destBucket)
    throw new UserError(
      'SOURCE_BUCKET and DEST_BUCKET must differ: writing thumbnails into the source bucket triggers the function again, forever.',
    );
  return {
    target,
    endpoint,
    region: pattern('AWS_REGION', raw.AWS_REGION, /^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected a region such as us-east-1'),
    profile: raw.AWS_PROFILE?.value,
    functionName:
      pattern(
        'FUNCTION_NAME',
        raw.FUNCTION_NAME,
        /^[A-Za-z0-9_-]{1,64}$/,
        'use 1-64 letters, digits, hyphens or underscores',
      ) ?? 'CreateThumbnail',
    sourceBucket,
    destBucket,
    roleName: pattern('ROLE_NAME', raw.ROLE_NAME, /^[\w+=,.@-]{1,64}$/, 'use 1-64 letters, digits and +=,.@_-'),
    thumbnailWidth: int('THUMBNAIL_WIDTH', raw.THUMBNAIL_WIDTH, 200, 1, 10000),
    runtime,
    architecture,
    memorySize: int('MEMORY_SIZE', raw.MEMORY_SIZE, 1024, 128, 10240),
    timeout: int('TIMEOUT', raw.TIMEOUT, 30, 1, 900),
    logRetentionDays: int('LOG_RETENTION_DAYS', raw.LOG_RETENTION_DAYS, 14, 1, 3653),
    trigger,
    topicName: pattern(
      'TOPIC_NAME',
      raw.TOPIC_NAME,
      /^[A-Za-z0-9_-]{1,256}$/,
      'use 1-256 letters, digits, hyphens or underscores',
    ),
  };
}

/** Default names need the account (bucket names are global) and the region (roles are global). */
export function resolveNames(s: Settings, accountId: string, region: string): ResolvedSettings {
  const sourceBucket = s.sourceBucket ?? `s3-thumbnail-src-${accountId}-${region}`;
  const destBucket = s.destBucket ?? `${sourceBucket}-resized`;
  const problem = validBucketName(destBucket);
  if (problem)
    throw new UserError(`The destination bucket name "${destBucket}" is not valid (${problem}); set DEST_BUCKET.`);
  if (sourceBucket === destBucket) throw new UserError('SOURCE_BUCKET and DEST_BUCKET must differ.');
  return {
    ...s,
    region,
    accountId,
    sourceBucket,
    destBucket,
    roleName: s.roleName ?? `${s.functionName}-${region}-role`.slice(0, 64),
    topicName: s.topicName ?? `${s.functionName}-uploads`,
  };
}

// Typed state of the local Lambda: functions (configuration, state machine, resource policy, tags,
// asynchronous-invocation settings) and how function names, ARNs and qualifiers are resolved.
import { constraint, invalidParameter } from './input.ts';

export type FunctionState = 'Pending' | 'Active' | 'Failed';
export type UpdateStatus = 'InProgress' | 'Successful' | 'Failed';
export type Architecture = 'x86_64' | 'arm64';

/** Everything that changes what runs: one snapshot per code/configuration update. */
export interface FunctionConfig {
  runtime: string;
  role: string;
  handler: string;
  description: string;
  timeout: number;
  memorySize: number;
  /** undefined = no Environment set. */
  environment?: Record<string, string>;
  architecture: Architecture;
  ephemeralStorage: number;
  logFormat: 'Text' | 'JSON';
  logGroup: string;
  applicationLogLevel?: string;
  systemLogLevel?: string;
  tracingMode: 'Active' | 'PassThrough';
  deadLetterTargetArn?: string;
  /** base64 SHA-256 of the zip (AWS's CodeSha256). */
  codeSha256: string;
  /** hex SHA-256 of the zip: names the unpacked code folder. */
  codeHex: string;
  codeSize: number;
  /** The function's layers, in order (later ones overwrite earlier ones under /opt). */
  layers?: LayerRef[];
  /** New for every snapshot: tells the engine that its environments are stale. */
  specRevision: string;
}

/** A layer version as a function records it: still usable after the version is deleted. */
export interface LayerRef {
  /** The version ARN. */
  arn: string;
  codeSize: number;
  codeHex: string;
  unzippedSize: number;
}

export interface DestinationConfig {
  onSuccess?: string;
  onFailure?: string;
}

export interface EventInvokeConfig {
  maximumRetryAttempts?: number;
  maximumEventAgeInSeconds?: number;
  destinations: DestinationConfig;
  /** epoch seconds */
  lastModified: number;
}

/** One statement of a function's resource policy, as AWS writes it. */
export interface PolicyStatementJson {
  Sid: string;
  Effect: 'Allow';
  Principal: '*' | { Service: string } | { AWS: string };
  Action: string;
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

export interface FunctionRecord {
  name: string;
  arn: string;
  region: string;
  /** The latest configuration (what Get* return). */
  config: FunctionConfig;
  /** The configuration invocations use: the last one that finished updating (absent until Active). */
  live?: FunctionConfig;
  state: FunctionState;
  stateReason?: string;
  stateReasonCode?: string;
  lastUpdateStatus?: UpdateStatus;
  lastUpdateStatusReason?: string;
  lastUpdateStatusReasonCode?: string;
  /** `2024-05-01T12:34:56.789+0000` */
  lastModified: string;
  revisionId: string;
  policy: PolicyStatementJson[];
  tags: Record<string, string>;
  eventInvokeConfig?: EventInvokeConfig;
  recursiveLoop: 'Terminate' | 'Allow';
}

export function lambdaTimestamp(d = new Date()): string {
  return d.toISOString().replace('Z', '+0000');
}

export function functionArn(region: string, accountId: string, name: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
}

export const FUNCTION_NAME = /^[a-zA-Z0-9-_]{1,64}$/;
const NAME_OR_ARN = new RegExp(
  '^(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?' +
    '(function:)?([a-zA-Z0-9-_.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?$',
);
const NAME_PATTERN_TEXT =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?' +
  '(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?';

export interface FunctionRef {
  name: string;
  region: string;
  accountId: string;
  qualifier?: string;
  /** Unqualified ARN. */
  arn: string;
}

/**
 * A function name, a partial ARN (`acct:function:name`) or a full ARN, optionally with `:qualifier`;
 * the query's `Qualifier` must agree with one in the name.
 */
export function parseFunctionRef(
  raw: string,
  requestRegion: string,
  accountId: string,
  queryQualifier?: string,
): FunctionRef {
  if (raw.length < 1 || raw.length > 170 || !NAME_OR_ARN.test(raw))
    throw constraint(raw, 'functionName', `Member must satisfy regular expression pattern: ${NAME_PATTERN_TEXT}`);
  let rest = raw;
  let region = requestRegion;
  let account = accountId;
  const full = /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:(.+)$/.exec(rest);
  if (full) {
    region = full[1]!;
    account = full[2]!;
    rest = full[3]!;
  } else {
    const partial = /^(\d{12}):function:(.+)$/.exec(rest);
    if (partial) {
      account = partial[1]!;
      rest = partial[2]!;
    } else if (rest.startsWith('arn:')) throw invalidParameter(`Invalid function name or ARN: ${raw}`);
  }
  const colon = rest.indexOf(':');
  const name = colon < 0 ? rest : rest.slice(0, colon);
  const fromName = colon < 0 ? undefined : rest.slice(colon + 1);
  if (!FUNCTION_NAME.test(name))
    throw constraint(raw, 'functionName', `Member must satisfy regular expression pattern: ${NAME_PATTERN_TEXT}`);
  if (fromName !== undefined && queryQualifier !== undefined && fromName !== queryQualifier)
    throw invalidParameter('The derived qualifier from the function name does not match the specified qualifier.');
  return {
    name,
    region,
    accountId: account,
    qualifier: fromName ?? queryQualifier,
    arn: functionArn(region, account, name),
  };
}

/** An AWS service invoking a function for one of its resources (S3 for a bucket, SNS for a topic). */
export interface ServiceSource {
  /** The service principal, e.g. s3.amazonaws.com */
  service: string;
  sourceArn: string;
  sourceAccount: string;
}

/** One asynchronous invocation, as the queue keeps it on disk. */
export interface QueuedEvent {
  /** The invocation's request id (the same for every attempt, as on AWS). */
  id: string;
  functionArn: string;
  invokedArn: string;
  /** The event, JSON text. */
  payload: string;
  enqueuedAt: number;
  /** Attempts that ran the function so far. */
  attempts: number;
  /** Failures to run it at all (engine errors), retried with backoff and not counted as attempts. */
  serviceFailures: number;
  notBefore: number;
  lastErrorType?: string;
  lastResponse?: string;
  /** Events from an AWS service (S3): the function policy is checked again when they are delivered. */
  source?: ServiceSource;
}

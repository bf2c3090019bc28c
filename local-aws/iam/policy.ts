// IAM policy documents: their JSON shape and the checks IAM applies before it accepts one
// (MalformedPolicyDocument with AWS's messages, docs/local-aws/protocols.md#policy-validation).
import { AwsError } from '../core/errors.ts';

export type OneOrMany<T> = T | T[];

/** `"*"` or `{"AWS": …, "Service": …, "Federated": …, "CanonicalUser": …}`. */
export type PrincipalSpec = '*' | { [kind: string]: OneOrMany<string> };

/** operator -> condition key -> value(s). */
export type ConditionBlock = { [operator: string]: { [key: string]: OneOrMany<string | number | boolean> } };

export interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action?: OneOrMany<string>;
  NotAction?: OneOrMany<string>;
  Resource?: OneOrMany<string>;
  NotResource?: OneOrMany<string>;
  Principal?: PrincipalSpec;
  NotPrincipal?: PrincipalSpec;
  Condition?: ConditionBlock;
}

/** A policy exactly as AWS writes it (single values or arrays). */
export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: OneOrMany<PolicyStatement>;
}

/** identity: inline/managed policies; trust: a role's AssumeRolePolicyDocument; resource: Lambda/S3 policies. */
export type PolicyKind = 'identity' | 'trust' | 'resource';

export const POLICY_VERSIONS = ['2012-10-17', '2008-10-17'];
export const MAX_POLICY_CHARS = 131072;

const TOP_KEYS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Principal',
  'NotPrincipal',
  'Condition',
]);
const PRINCIPAL_KINDS = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);

export const CONDITION_OPERATORS = new Set([
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
]);

/** `ForAnyValue:StringLike…IfExists` -> `{ base: 'StringLike', ifExists: true, set: 'ForAnyValue' }`. */
export function splitOperator(op: string): { base: string; ifExists: boolean; set?: 'ForAnyValue' | 'ForAllValues' } {
  let rest = op;
  let set: 'ForAnyValue' | 'ForAllValues' | undefined;
  if (rest.startsWith('ForAnyValue:')) {
    set = 'ForAnyValue';
    rest = rest.slice('ForAnyValue:'.length);
  } else if (rest.startsWith('ForAllValues:')) {
    set = 'ForAllValues';
    rest = rest.slice('ForAllValues:'.length);
  }
  const ifExists = rest.endsWith('IfExists') && rest !== 'IfExists';
  if (ifExists) rest = rest.slice(0, -'IfExists'.length);
  return { base: rest, ifExists, set };
}

export function malformed(message: string): AwsError {
  return new AwsError('MalformedPolicyDocument', message, 400);
}

const SYNTAX = 'Syntax errors in policy.';

type JsonLike = null | boolean | number | string | JsonLike[] | { [k: string]: JsonLike };

function isObject(v: JsonLike | undefined): v is { [k: string]: JsonLike } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStringOrStrings(v: JsonLike | undefined): boolean {
  return typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
}

function asList(v: JsonLike | undefined): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? (v as string[]) : [];
}

function checkPrincipal(p: JsonLike | undefined): void {
  if (p === '*') return;
  if (!isObject(p) || Object.keys(p).length === 0)
    throw malformed('Invalid principal in policy: ' + JSON.stringify(p ?? null));
  for (const [kind, value] of Object.entries(p)) {
    if (!PRINCIPAL_KINDS.has(kind) || !isStringOrStrings(value) || asList(value).length === 0)
      throw malformed(`Invalid principal in policy: "${kind}":${JSON.stringify(value)}`);
    if (kind === 'AWS') {
      for (const v of asList(value)) {
        if (v !== '*' && !/^\d{12}$/.test(v) && !/^arn:aws[\w-]*:(iam|sts)::(\d{12}|aws):\S+$/.test(v))
          throw malformed(`Invalid principal in policy: "AWS":"${v}"`);
      }
    }
  }
}

function checkCondition(c: JsonLike | undefined): void {
  if (!isObject(c)) throw malformed(SYNTAX);
  for (const [op, block] of Object.entries(c)) {
    if (!isObject(block)) throw malformed(SYNTAX);
    for (const value of Object.values(block)) {
      const items = Array.isArray(value) ? value : [value];
      if (items.some((x) => typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean'))
        throw malformed(SYNTAX);
    }
    const { base } = splitOperator(op);
    if (!CONDITION_OPERATORS.has(base)) throw malformed(`Invalid Condition type : ${op}.`);
  }
}

function checkAction(action: string): void {
  if (action === '*') return;
  const parts = action.split(':');
  if (parts.length === 1) throw malformed('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
  if (parts.length > 2) throw malformed('Actions/Condition can contain only one colon.');
  if (/[^a-zA-Z0-9\-.*?]/.test(parts[0]!)) throw malformed(`Vendor ${parts[0]} is not valid`);
}

function checkResource(resource: string): void {
  if (resource === '*') return;
  if (!resource.includes(':')) throw malformed(`Resource ${resource} must be in ARN format or "*".`);
}

/**
 * Parses and validates a policy document the way IAM does before storing it.
 * Returns the parsed document; throws MalformedPolicyDocument.
 */
export function parsePolicyDocument(text: string, kind: PolicyKind): PolicyDocument {
  if (text.length > MAX_POLICY_CHARS)
    throw new AwsError('LimitExceeded', `Cannot exceed quota for PolicySize: ${MAX_POLICY_CHARS}`, 409);
  let parsed: JsonLike;
  try {
    parsed = JSON.parse(text) as JsonLike;
  } catch {
    throw malformed('This policy contains invalid Json');
  }
  if (!isObject(parsed)) throw malformed('This policy contains invalid Json');
  for (const key of Object.keys(parsed)) if (!TOP_KEYS.has(key)) throw malformed(SYNTAX);
  const version = parsed.Version;
  if (version !== undefined && !POLICY_VERSIONS.includes(version as string)) throw malformed(SYNTAX);
  if (parsed.Id !== undefined && typeof parsed.Id !== 'string') throw malformed(SYNTAX);
  const raw = parsed.Statement;
  if (raw === undefined) throw malformed(SYNTAX);
  const statements = Array.isArray(raw) ? raw : [raw];
  if (statements.length === 0) throw malformed(SYNTAX);
  const sids = new Set<string>();
  for (const s of statements) {
    if (!isObject(s)) throw malformed(SYNTAX);
    for (const key of Object.keys(s)) if (!STATEMENT_KEYS.has(key)) throw malformed(SYNTAX);
    if (typeof s.Effect !== 'string' || !['allow', 'deny'].includes(s.Effect.toLowerCase())) throw malformed(SYNTAX);
    if ('Action' in s && 'NotAction' in s) throw malformed(SYNTAX);
    if ('Resource' in s && 'NotResource' in s) throw malformed(SYNTAX);
    if ('Principal' in s && 'NotPrincipal' in s) throw malformed(SYNTAX);
    for (const key of ['Action', 'NotAction', 'Resource', 'NotResource'])
      if (key in s && !isStringOrStrings(s[key])) throw malformed(SYNTAX);
    if (s.Sid !== undefined && typeof s.Sid !== 'string') throw malformed(SYNTAX);
    if (s.Condition !== undefined) checkCondition(s.Condition);
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw malformed('The policy failed legacy parsing');
  }
  if (version === undefined && kind === 'identity')
    throw malformed('Policy document must be version 2012-10-17 or greater.');
  for (const s of statements as Array<{ [k: string]: JsonLike }>) {
    if (typeof s.Sid === 'string' && s.Sid !== '') {
      if (sids.has(s.Sid)) throw malformed('Statement IDs (SID) in a single policy must be unique.');
      sids.add(s.Sid);
    }
  }
  for (const s of statements as Array<{ [k: string]: JsonLike }>) {
    const actions = asList(s.Action ?? s.NotAction);
    if (actions.length === 0) throw malformed('Policy statement must contain actions.');
  }
  for (const s of statements as Array<{ [k: string]: JsonLike }>) {
    const hasPrincipal = 'Principal' in s || 'NotPrincipal' in s;
    if (kind === 'identity') {
      if (asList(s.Resource ?? s.NotResource).length === 0) throw malformed('Policy statement must contain resources.');
      if (hasPrincipal) throw malformed('Policy document should not specify a principal.');
    } else {
      if (!hasPrincipal) throw malformed('Missing required field Principal');
      checkPrincipal(s.Principal ?? s.NotPrincipal);
    }
    if (kind === 'trust' && ('Resource' in s || 'NotResource' in s)) throw malformed('Has prohibited field Resource');
    for (const a of asList(s.Action ?? s.NotAction)) checkAction(a);
    for (const r of asList(s.Resource ?? s.NotResource)) checkResource(r);
  }
  return parsed as unknown as PolicyDocument;
}

// IAM policy evaluation as pure functions (docs/local-aws/protocols.md#iam-policy-evaluation): used for
// role sessions here, and for resource policies (Lambda function policies, role trust policies) by the
// other services.
import {
  splitOperator,
  type ConditionBlock,
  type OneOrMany,
  type PolicyDocument,
  type PolicyStatement,
  type PrincipalSpec,
} from './policy.ts';

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

/** Values for policy conditions (aws:SourceArn, aws:SourceAccount, …), keys case-insensitive. */
export type ConditionContext = Record<string, string>;

/** Who makes the request, as a resource or trust policy's `Principal` sees it. */
export type RequestPrincipal =
  /** An IAM identity. `aliases`: other ARNs that identify it (a session's role ARN). */
  | { type: 'AWS'; arn: string; accountId: string; aliases?: string[] }
  /** An AWS service acting for the account, e.g. `lambda.amazonaws.com`, `s3.amazonaws.com`. */
  | { type: 'Service'; service: string }
  | { type: 'Anonymous' };

export interface EvaluationRequest {
  action: string;
  resource: string;
  /** Needed for statements with Principal/NotPrincipal; without it those statements do not apply. */
  principal?: RequestPrincipal;
  context?: ConditionContext;
}

/**
 * `explicit`: the statement names this principal (or `*`); `account`: it names the principal's
 * account, which only delegates to the account's own identity policies.
 */
export type PrincipalMatch = 'explicit' | 'account' | 'none';

export interface EvaluationResult {
  decision: Decision;
  /** For 'allow': the strongest kind of Allow that matched (identity policy, named principal, account). */
  allowedBy?: 'identity' | 'principal' | 'account';
}

/** `*` = any run of characters (across `/` and `:` too), `?` = exactly one. Linear backtracking, no regex. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  let pi = 0;
  let vi = 0;
  let star = -1;
  let mark = 0;
  while (vi < v.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === v[vi])) {
      pi++;
      vi++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = vi;
    } else if (star >= 0) {
      pi = star + 1;
      vi = ++mark;
    } else return false;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** Actions compare without case: `s3:getobject` matches `S3:GetObject`. */
export function actionMatches(pattern: string, action: string): boolean {
  return pattern === '*' || wildcardMatch(pattern, action, true);
}

/** Resources compare with case. */
export function resourceMatches(pattern: string, resource: string): boolean {
  return pattern === '*' || wildcardMatch(pattern, resource, false);
}

function list<T>(v: OneOrMany<T> | undefined): T[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function arnParts(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/** ArnLike/ArnEquals: each of the six colon-separated parts is matched on its own, with wildcards. */
export function arnMatches(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const p = arnParts(pattern);
  const a = arnParts(arn);
  if (!p || !a) return wildcardMatch(pattern, arn);
  return p.every((part, i) => wildcardMatch(part, a[i]!));
}

function rootArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:root`;
}

/** Does a `Principal` element name this request principal? */
export function principalMatches(
  spec: PrincipalSpec | undefined,
  principal: RequestPrincipal | undefined,
): PrincipalMatch {
  if (spec === undefined || principal === undefined) return 'none';
  if (spec === '*') return 'explicit';
  let best: PrincipalMatch = 'none';
  for (const [kind, values] of Object.entries(spec)) {
    for (const value of list(values)) {
      if (kind === 'AWS') {
        if (value === '*') {
          if (principal.type !== 'Service') return 'explicit';
          continue;
        }
        if (principal.type !== 'AWS') continue;
        const account = /^\d{12}$/.test(value) ? value : /^arn:aws:iam::(\d{12}):root$/.exec(value)?.[1];
        if (account !== undefined) {
          if (account !== principal.accountId) continue;
          if (principal.arn === rootArn(account)) return 'explicit';
          best = 'account';
        } else if (value === principal.arn || (principal.aliases ?? []).includes(value)) return 'explicit';
      } else if (kind === 'Service') {
        if (principal.type === 'Service' && value.toLowerCase() === principal.service.toLowerCase()) return 'explicit';
      }
    }
  }
  return best;
}

const NEGATED = new Set([
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringNotLike',
  'NumericNotEquals',
  'DateNotEquals',
  'ArnNotEquals',
  'ArnNotLike',
  'NotIpAddress',
]);

function ipv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((n) => n > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function inCidr(cidr: string, ip: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const a = ipv4(net ?? '');
  const b = ipv4(ip.replace(/^::ffff:/, ''));
  if (a === undefined || b === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (a & mask) === (b & mask);
}

function dateValue(s: string): number {
  return /^\d+$/.test(s) ? Number(s) * 1000 : Date.parse(s);
}

/** The positive form of an operator: does the request value match one policy value? */
function valueMatches(base: string, policyValue: string, actual: string): boolean {
  switch (base) {
    case 'StringEquals':
    case 'StringNotEquals':
    case 'BinaryEquals':
      return policyValue === actual;
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return policyValue.toLowerCase() === actual.toLowerCase();
    case 'StringLike':
    case 'StringNotLike':
      return wildcardMatch(policyValue, actual);
    case 'ArnEquals':
    case 'ArnLike':
    case 'ArnNotEquals':
    case 'ArnNotLike':
      return arnMatches(policyValue, actual);
    case 'Bool':
      return policyValue.toLowerCase() === actual.toLowerCase();
    case 'IpAddress':
    case 'NotIpAddress':
      return inCidr(policyValue, actual);
  }
  const numeric = base.startsWith('Numeric');
  const x = numeric ? Number(actual) : dateValue(actual);
  const y = numeric ? Number(policyValue) : dateValue(policyValue);
  if (Number.isNaN(x) || Number.isNaN(y)) return false;
  switch (base.replace(/^(Numeric|Date)/, '')) {
    case 'Equals':
    case 'NotEquals':
      return x === y;
    case 'LessThan':
      return x < y;
    case 'LessThanEquals':
      return x <= y;
    case 'GreaterThan':
      return x > y;
    case 'GreaterThanEquals':
      return x >= y;
  }
  return false;
}

/** Every operator and key of a Condition block must hold (keys compare without case). */
export function conditionsMatch(condition: ConditionBlock | undefined, context: ConditionContext = {}): boolean {
  if (!condition) return true;
  const ctx = new Map<string, string>();
  for (const [k, v] of Object.entries(context)) ctx.set(k.toLowerCase(), v);
  for (const [operator, block] of Object.entries(condition)) {
    const { base, ifExists, set } = splitOperator(operator);
    for (const [key, raw] of Object.entries(block)) {
      const values = list(raw).map(String);
      const actual = ctx.get(key.toLowerCase());
      if (base === 'Null') {
        const wantsAbsent = values.some((v) => v.toLowerCase() === 'true');
        if (wantsAbsent !== (actual === undefined)) return false;
        continue;
      }
      if (actual === undefined) {
        if (ifExists || NEGATED.has(base) || set === 'ForAllValues') continue;
        return false;
      }
      const anyMatch = values.some((v) => valueMatches(base, v, actual));
      if (NEGATED.has(base) ? anyMatch : !anyMatch) return false;
    }
  }
  return true;
}

function statementApplies(s: PolicyStatement, req: EvaluationRequest): PrincipalMatch | false {
  const actionOk =
    s.Action !== undefined
      ? list(s.Action).some((a) => actionMatches(a, req.action))
      : !list(s.NotAction).some((a) => actionMatches(a, req.action));
  if (!actionOk) return false;
  if (s.Resource !== undefined && !list(s.Resource).some((r) => resourceMatches(r, req.resource))) return false;
  if (s.NotResource !== undefined && list(s.NotResource).some((r) => resourceMatches(r, req.resource))) return false;
  let match: PrincipalMatch = 'explicit';
  if (s.Principal !== undefined) {
    match = principalMatches(s.Principal, req.principal);
    if (match === 'none') return false;
  } else if (s.NotPrincipal !== undefined) {
    if (principalMatches(s.NotPrincipal, req.principal) !== 'none') return false;
  }
  if (!conditionsMatch(s.Condition, req.context)) return false;
  return match;
}

/** The full decision, with what kind of Allow decided it (trust policies need that). */
export function evaluatePoliciesDetailed(
  policies: readonly PolicyDocument[],
  req: EvaluationRequest,
): EvaluationResult {
  let allowedBy: EvaluationResult['allowedBy'];
  for (const policy of policies) {
    for (const s of list(policy.Statement)) {
      const applies = statementApplies(s, req);
      if (applies === false) continue;
      if (s.Effect === 'Deny') return { decision: 'explicit-deny' };
      if (s.Effect !== 'Allow') continue;
      const kind =
        s.Principal === undefined && s.NotPrincipal === undefined
          ? 'identity'
          : applies === 'account'
            ? 'account'
            : 'principal';
      if (allowedBy === undefined || allowedBy === 'account') allowedBy = kind;
    }
  }
  return allowedBy ? { decision: 'allow', allowedBy } : { decision: 'implicit-deny' };
}

/** Any matching Deny -> 'explicit-deny'; else any matching Allow -> 'allow'; else 'implicit-deny'. */
export function evaluatePolicies(policies: readonly PolicyDocument[], req: EvaluationRequest): Decision {
  return evaluatePoliciesDetailed(policies, req).decision;
}

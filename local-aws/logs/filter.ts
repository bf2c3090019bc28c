// CloudWatch Logs filter patterns for FilterLogEvents (docs/local-aws/protocols.md#filter-patterns):
// terms that must all appear, "quoted phrases", ?any-of terms, -excluded terms (case-sensitive),
// JSON patterns such as `{ $.level = "ERROR" }`, `{ ($.ms > 100) && ($.user != "bot*") }`, `{ $.x NOT
// EXISTS }`, space-delimited ones such as `[ip, ..., status = 5*]` (filter-delimited.ts) and `%regex%`.
import { AwsError } from '../core/errors.ts';
import { wildcardMatch } from '../iam/evaluate.ts';
import { compileDelimited } from './filter-delimited.ts';

export type Matcher = (message: string) => boolean;

function invalid(detail: string): AwsError {
  return new AwsError('InvalidParameterException', `Invalid filter pattern: ${detail}`, 400);
}

/** Splits into terms, keeping "quoted phrases" whole (with their -/? prefix). */
function terms(pattern: string): Array<{ text: string; prefix: '' | '-' | '?' }> {
  const out: Array<{ text: string; prefix: '' | '-' | '?' }> = [];
  let i = 0;
  while (i < pattern.length) {
    if (/\s/.test(pattern[i]!)) {
      i++;
      continue;
    }
    let prefix: '' | '-' | '?' = '';
    if ((pattern[i] === '-' || pattern[i] === '?') && i + 1 < pattern.length && !/\s/.test(pattern[i + 1]!)) {
      prefix = pattern[i] as '-' | '?';
      i++;
    }
    if (pattern[i] === '"') {
      const end = pattern.indexOf('"', i + 1);
      if (end < 0) throw invalid('unterminated quoted term');
      out.push({ text: pattern.slice(i + 1, end), prefix });
      i = end + 1;
    } else {
      let j = i;
      while (j < pattern.length && !/\s/.test(pattern[j]!)) j++;
      out.push({ text: pattern.slice(i, j), prefix });
      i = j;
    }
  }
  return out;
}

/** Compiles a filter pattern; an empty pattern matches every event. */
export function compileFilter(pattern: string | undefined): Matcher {
  const p = (pattern ?? '').trim();
  if (p === '') return () => true;
  if (p.startsWith('{')) return compileJson(p);
  if (p.startsWith('[')) return compileDelimited(p);
  if (p.length >= 2 && p.startsWith('%') && p.endsWith('%')) return compileRegex(p.slice(1, -1));
  const all = terms(p);
  const required = all.filter((t) => t.prefix === '').map((t) => t.text);
  const anyOf = all.filter((t) => t.prefix === '?').map((t) => t.text);
  const excluded = all.filter((t) => t.prefix === '-').map((t) => t.text);
  return (m) =>
    required.every((t) => m.includes(t)) &&
    (anyOf.length === 0 || anyOf.some((t) => m.includes(t))) &&
    !excluded.some((t) => m.includes(t));
}

/** `%regex%`: CloudWatch's regular expressions have no groups: ( and ) are refused, as there. */
function compileRegex(source: string): Matcher {
  if (/[()]/.test(source)) throw invalid('( and ) are not supported in a regular expression');
  let re: RegExp;
  try {
    re = new RegExp(source);
  } catch (err) {
    throw invalid(`bad regular expression: ${(err as Error).message}`);
  }
  return (m) => re.test(m);
}

// ---- JSON patterns: a small recursive-descent parser over the pattern text ----

type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
type Node = (doc: JsonValue) => boolean;

class JsonPatternParser {
  private i = 0;
  constructor(private readonly s: string) {}

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  private eat(token: string): boolean {
    this.ws();
    if (this.s.startsWith(token, this.i)) {
      this.i += token.length;
      return true;
    }
    return false;
  }

  parse(): Node {
    if (!this.eat('{')) throw invalid('expected {');
    const node = this.or();
    if (!this.eat('}')) throw invalid('expected }');
    this.ws();
    if (this.i !== this.s.length) throw invalid('unexpected text after }');
    return node;
  }

  private or(): Node {
    let left = this.and();
    while (this.eat('||')) {
      const l = left;
      const r = this.and();
      left = (d) => l(d) || r(d);
    }
    return left;
  }

  private and(): Node {
    let left = this.term();
    while (this.eat('&&')) {
      const l = left;
      const r = this.term();
      left = (d) => l(d) && r(d);
    }
    return left;
  }

  private term(): Node {
    if (this.eat('(')) {
      const inner = this.or();
      if (!this.eat(')')) throw invalid('expected )');
      return inner;
    }
    const select = this.selector();
    if (this.eat('NOT EXISTS')) return (d) => select(d) === undefined;
    if (this.eat('EXISTS')) return (d) => select(d) !== undefined;
    if (this.eat('IS NULL')) return (d) => select(d) === null;
    if (this.eat('IS TRUE')) return (d) => select(d) === true;
    if (this.eat('IS FALSE')) return (d) => select(d) === false;
    const op = ['!=', '>=', '<=', '=', '>', '<'].find((o) => this.eat(o));
    if (!op) throw invalid('expected a comparison operator');
    const value = this.value();
    return (d) => compare(select(d), op, value);
  }

  private selector(): (doc: JsonValue) => JsonValue | undefined {
    this.ws();
    if (this.s[this.i] !== '$') throw invalid('expected a $ selector');
    this.i++;
    const path: Array<string | number> = [];
    for (;;) {
      if (this.s[this.i] === '.') {
        const m = /^[A-Za-z0-9_\-@$*]+/.exec(this.s.slice(this.i + 1));
        if (!m) throw invalid('bad selector');
        path.push(m[0]);
        this.i += 1 + m[0].length;
      } else if (this.s[this.i] === '[') {
        const m = /^\[(\d+)\]/.exec(this.s.slice(this.i));
        if (!m) throw invalid('bad selector index');
        path.push(Number(m[1]));
        this.i += m[0].length;
      } else break;
    }
    return (doc) => {
      let cur: JsonValue | undefined = doc;
      for (const k of path) {
        if (typeof k === 'number') cur = Array.isArray(cur) ? cur[k] : undefined;
        else
          cur =
            cur !== null && typeof cur === 'object' && !Array.isArray(cur) && Object.hasOwn(cur, k)
              ? cur[k]
              : undefined;
        if (cur === undefined) return undefined;
      }
      return cur;
    };
  }

  private value(): string | number {
    this.ws();
    if (this.s[this.i] === '"') {
      const end = this.s.indexOf('"', this.i + 1);
      if (end < 0) throw invalid('unterminated string');
      const v = this.s.slice(this.i + 1, end);
      this.i = end + 1;
      return v;
    }
    const m = /^[^\s)}&|]+/.exec(this.s.slice(this.i));
    if (!m) throw invalid('expected a value');
    this.i += m[0].length;
    const n = Number(m[0]);
    return Number.isFinite(n) ? n : m[0];
  }
}

function compare(actual: JsonValue | undefined, op: string, expected: string | number): boolean {
  if (actual === undefined || actual === null || typeof actual === 'object') return false;
  if (typeof expected === 'number') {
    const a = Number(actual);
    if (Number.isNaN(a)) return false;
    switch (op) {
      case '=':
        return a === expected;
      case '!=':
        return a !== expected;
      case '>':
        return a > expected;
      case '<':
        return a < expected;
      case '>=':
        return a >= expected;
      case '<=':
        return a <= expected;
    }
    return false;
  }
  if (op !== '=' && op !== '!=') return false;
  const equal = wildcardMatch(expected, String(actual));
  return op === '=' ? equal : !equal;
}

function compileJson(pattern: string): Matcher {
  const node = new JsonPatternParser(pattern).parse();
  return (message) => {
    let doc: JsonValue;
    try {
      doc = JSON.parse(message) as JsonValue;
    } catch {
      return false;
    }
    return node(doc);
  };
}

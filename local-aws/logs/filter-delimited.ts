// Space-delimited filter patterns (docs/local-aws/protocols.md#filter-patterns), such as
// `[ip, user, ..., status = 4*, bytes > 1000]`: the message is split into fields at whitespace, a
// "quoted" or [bracketed] run being one field; each pattern field names one message field, `...`
// stands for any number of them, and a field may carry conditions (= != with * wildcards, < <= > >=
// on numbers) joined by && and ||. Without `...` the number of fields must be the same.
import { AwsError } from '../core/errors.ts';

type Matcher = (message: string) => boolean;
type Condition = (value: string) => boolean;
type Field = { kind: 'any' } | { kind: 'ellipsis' } | { kind: 'test'; test: Condition };

function invalid(detail: string): AwsError {
  return new AwsError('InvalidParameterException', `Invalid filter pattern: ${detail}`, 400);
}

/** The message's fields: whitespace-separated, with "…" and […] runs kept whole (without their delimiters). */
export function messageFields(message: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < message.length) {
    if (/\s/.test(message[i]!)) {
      i++;
      continue;
    }
    const close = message[i] === '"' ? '"' : message[i] === '[' ? ']' : undefined;
    const end = close ? message.indexOf(close, i + 1) : -1;
    if (close && end > 0) {
      out.push(message.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < message.length && !/\s/.test(message[j]!)) j++;
    out.push(message.slice(i, j));
    i = j;
  }
  return out;
}

/** Splits at `sep` outside double quotes. */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (!quoted && text.startsWith(sep, i)) {
      parts.push(text.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  if (quoted) throw invalid('unterminated quoted value');
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 's');
}

function comparison(text: string, name: string): Condition {
  const m = /^([A-Za-z_][\w-]*)\s*(!=|>=|<=|=|>|<)\s*(.+)$/s.exec(text);
  if (!m) throw invalid(`bad condition "${text}"`);
  if (m[1] !== name) throw invalid(`a condition of field ${name} names ${m[1]}`);
  const op = m[2]!;
  let raw = m[3]!.trim();
  const quoted = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"');
  if (quoted) raw = raw.slice(1, -1);
  const n = Number(raw);
  if (op === '=' || op === '!=') {
    const numeric = !quoted && raw !== '' && Number.isFinite(n);
    const re = wildcard(raw);
    const equal = (v: string) => (numeric && Number.isFinite(Number(v)) && v !== '' ? Number(v) === n : re.test(v));
    return op === '=' ? equal : (v) => !equal(v);
  }
  if (quoted || raw === '' || !Number.isFinite(n)) throw invalid(`${op} needs a number, got ${m[3]}`);
  return (v) => {
    const x = Number(v);
    if (v === '' || !Number.isFinite(x)) return false;
    return op === '>' ? x > n : op === '<' ? x < n : op === '>=' ? x >= n : x <= n;
  };
}

function field(spec: string): Field {
  if (spec === '...') return { kind: 'ellipsis' };
  const name = /^[A-Za-z_][\w-]*/.exec(spec)?.[0];
  if (!name) throw invalid(`bad field "${spec}"`);
  if (spec === name) return { kind: 'any' };
  const anyOf = splitOutsideQuotes(spec, '||').map((alt) =>
    splitOutsideQuotes(alt, '&&').map((c) => comparison(c, name)),
  );
  return { kind: 'test', test: (v) => anyOf.some((all) => all.every((c) => c(v))) };
}

/** Does fields[fi..] match values[vi..]? `failed` remembers dead ends, so several `...` stay polynomial. */
function matchFrom(fields: Field[], values: string[], fi: number, vi: number, failed: Set<number>): boolean {
  if (fi === fields.length) return vi === values.length;
  const key = fi * (values.length + 1) + vi;
  if (failed.has(key)) return false;
  const f = fields[fi]!;
  let ok = false;
  if (f.kind === 'ellipsis') {
    for (let k = vi; k <= values.length && !ok; k++) ok = matchFrom(fields, values, fi + 1, k, failed);
  } else if (vi < values.length && (f.kind === 'any' || f.test(values[vi]!))) {
    ok = matchFrom(fields, values, fi + 1, vi + 1, failed);
  }
  if (!ok) failed.add(key);
  return ok;
}

export function compileDelimited(pattern: string): Matcher {
  if (!pattern.endsWith(']')) throw invalid('expected ] at the end of a space-delimited pattern');
  const inner = pattern.slice(1, -1).trim();
  const fields = inner === '' ? [] : splitOutsideQuotes(inner, ',').map(field);
  if (fields.length > 100) throw invalid('too many fields');
  return (message) => matchFrom(fields, messageFields(message), 0, 0, new Set());
}

// Conditional requests (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since and their
// x-amz-copy-source-* forms) and byte ranges, as S3 evaluates them.
import { AwsError } from '../core/errors.ts';
import type { AwsRequest } from '../core/request.ts';
import type { ObjectMeta } from './object-file.ts';

function etagListMatches(list: string, etag: string): boolean {
  return list.split(',').some((item) => {
    const t = item
      .trim()
      .replace(/^W\//, '')
      .replace(/^"(.*)"$/, '$1');
    return t === '*' || t === etag;
  });
}

function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

export function preconditionFailed(condition: string): AwsError {
  return new AwsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, {
    Condition: condition,
  });
}

/**
 * 'ok', 'not-modified' (304) or throws PreconditionFailed (412). A passing If-Match overrides
 * If-Unmodified-Since, and a failing If-None-Match overrides If-Modified-Since, as on S3.
 */
export function evaluateConditions(req: AwsRequest, meta: ObjectMeta, prefix = ''): 'ok' | 'not-modified' {
  const h = (name: string) => req.headers[prefix + name];
  // HTTP dates have whole seconds.
  const modified = Math.floor(meta.lastModified / 1000) * 1000;
  const ifMatch = h('if-match');
  if (ifMatch !== undefined) {
    if (!etagListMatches(ifMatch, meta.etag))
      throw preconditionFailed(prefix ? 'x-amz-copy-source-If-Match' : 'If-Match');
  } else {
    const since = parseHttpDate(h('if-unmodified-since'));
    if (since !== undefined && modified > since)
      throw preconditionFailed(prefix ? 'x-amz-copy-source-If-Unmodified-Since' : 'If-Unmodified-Since');
  }
  const ifNoneMatch = h('if-none-match');
  let notModified: boolean;
  if (ifNoneMatch !== undefined) notModified = etagListMatches(ifNoneMatch, meta.etag);
  else {
    const since = parseHttpDate(h('if-modified-since'));
    notModified = since !== undefined && modified <= since;
  }
  if (!notModified) return 'ok';
  // A copy cannot answer 304: its failed conditions are all 412.
  if (prefix)
    throw preconditionFailed(
      ifNoneMatch !== undefined ? 'x-amz-copy-source-If-None-Match' : 'x-amz-copy-source-If-Modified-Since',
    );
  return 'not-modified';
}

export interface ByteRange {
  start: number;
  /** inclusive */
  end: number;
}

/**
 * The `Range` header against an object of `size` bytes: a range, undefined when the header is absent
 * or not one S3 honours (it then serves the whole object), or InvalidRange (416).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  const unsatisfiable = () =>
    new AwsError(
      'InvalidRange',
      'The requested range is not satisfiable',
      416,
      { RangeRequested: header, ActualObjectSize: size },
      {
        'content-range': `bytes */${size}`,
      },
    );
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) throw unsatisfiable();
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const last = m[2] === '' ? Infinity : Number(m[2]);
  if (last < start) return undefined; // syntactically invalid: ignored
  if (start >= size) throw unsatisfiable();
  return { start, end: Math.min(last, size - 1) };
}

// SigV4 as the SDK and botocore compute it (see smithy signature-v4 and botocore/auth.py).
// Pure functions: canonicalisation, signing key, signatures. Policy (which error) lives in authenticate.ts.
import { createHash, createHmac } from 'node:crypto';

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const ALGORITHM = 'AWS4-HMAC-SHA256';

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Decode a percent-encoded component leniently: a stray `%` stays as it is instead of throwing. */
export function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}

/** Raw `a=b&c` query string -> sorted canonical form, leaving out X-Amz-Signature. */
export function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return '';
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    // The wire form may use `+` for space (form encoding); SigV4 signs `%20`.
    const name = uriEncode(safeDecode(rawName.replace(/\+/g, ' ')));
    if (name === 'X-Amz-Signature') continue;
    pairs.push([name, uriEncode(safeDecode(rawValue.replace(/\+/g, ' ')))]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

/** S3 signs the path as sent; every other service normalises it and encodes it a second time. */
export function canonicalUri(rawPath: string, service: string): string {
  if (service === 's3') return rawPath || '/';
  const segments: string[] = [];
  for (const seg of rawPath.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  let normalized = '/' + segments.join('/');
  if (rawPath.length > 1 && rawPath.endsWith('/') && segments.length > 0) normalized += '/';
  return uriEncode(normalized).replace(/%2F/g, '/');
}

export function canonicalHeaders(headers: Record<string, string>, signedHeaders: string[]): string {
  return signedHeaders.map((name) => `${name}:${(headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
}

export interface CanonicalInput {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: Record<string, string>;
  signedHeaders: string[];
  payloadHash: string;
  service: string;
}

export function canonicalRequest(input: CanonicalInput): string {
  return [
    input.method,
    canonicalUri(input.rawPath, input.service),
    canonicalQuery(input.rawQuery),
    canonicalHeaders(input.headers, input.signedHeaders),
    input.signedHeaders.join(';'),
    input.payloadHash,
  ].join('\n');
}

export function credentialScope(date: string, region: string, service: string): string {
  return `${date}/${region}/${service}/aws4_request`;
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}

/** Derived keys change once a day per region and service: cached (the SDKs cache them too). */
const keyCache = new Map<string, Buffer>();
const KEY_CACHE_MAX = 256;

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const id = `${date}\n${region}\n${service}\n${secret}`;
  const cached = keyCache.get(id);
  if (cached) return cached;
  const kDate = hmac('AWS4' + secret, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  const key = hmac(kService, 'aws4_request');
  if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value!);
  keyCache.set(id, key);
  return key;
}

export function signature(key: Buffer, toSign: string): string {
  return createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
}

/** String to sign of one aws-chunked chunk (STREAMING-AWS4-HMAC-SHA256-PAYLOAD). */
export function chunkStringToSign(amzDate: string, scope: string, previous: string, chunk: Buffer): string {
  return ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, previous, EMPTY_SHA256, sha256Hex(chunk)].join('\n');
}

export function trailerStringToSign(amzDate: string, scope: string, previous: string, trailer: string): string {
  return ['AWS4-HMAC-SHA256-TRAILER', amzDate, scope, previous, sha256Hex(trailer)].join('\n');
}

/** `20240101T120000Z` -> Date, or undefined when malformed. */
export function parseAmzDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (m) return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  const d = new Date(value); // an RFC 7231 `Date` header
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function toAmzDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * Signs a request with an Authorization header. Used by tests that must send hand-made requests
 * (broken bodies, odd headers) that the SDK would refuse to build.
 */
export function signHeaders(opts: {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Buffer | string;
  region: string;
  service: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  date?: Date;
  payloadHash?: string;
}): Record<string, string> {
  const amzDate = toAmzDate(opts.date ?? new Date());
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers)) headers[k.toLowerCase()] = v;
  headers['host'] = opts.url.host;
  headers['x-amz-date'] = amzDate;
  const payloadHash = opts.payloadHash ?? sha256Hex(opts.body);
  if (opts.service === 's3') headers['x-amz-content-sha256'] = payloadHash;
  if (opts.sessionToken) headers['x-amz-security-token'] = opts.sessionToken;
  const signedHeaders = Object.keys(headers).sort();
  const scope = credentialScope(amzDate.slice(0, 8), opts.region, opts.service);
  const canonical = canonicalRequest({
    method: opts.method,
    rawPath: opts.url.pathname,
    rawQuery: opts.url.search.replace(/^\?/, ''),
    headers,
    signedHeaders,
    payloadHash,
    service: opts.service,
  });
  const sig = signature(
    signingKey(opts.secretAccessKey, amzDate.slice(0, 8), opts.region, opts.service),
    stringToSign(amzDate, scope, canonical),
  );
  headers['authorization'] =
    `${ALGORITHM} Credential=${opts.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${sig}`;
  return headers;
}

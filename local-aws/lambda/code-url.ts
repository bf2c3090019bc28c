// GetFunction's `Code.Location`: on AWS a presigned S3 URL valid for 10 minutes. Locally a URL on this
// endpoint, signed (HMAC with the endpoint's secret) and expiring the same way, that serves the zip.
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import type { LocalAwsConfig } from '../config.ts';
import { endpointUrl } from '../config.ts';
import type { AwsResponse } from '../core/request.ts';

export const CODE_PATH_PREFIX = '/_localaws/lambda/code/';
const VALID_SECONDS = 600;

function signature(config: LocalAwsConfig, hex: string, expires: number): string {
  return createHmac('sha256', `local-aws-lambda-code:${config.secretAccessKey}`)
    .update(`${hex}\n${expires}`)
    .digest('hex');
}

export function codeUrl(config: LocalAwsConfig, hex: string, now = Date.now()): string {
  const expires = Math.floor(now / 1000) + VALID_SECONDS;
  return (
    `${endpointUrl(config)}${CODE_PATH_PREFIX}${hex}.zip` +
    `?Expires=${expires}&Signature=${signature(config, hex, expires)}`
  );
}

function denied(message: string): AwsResponse {
  return { status: 403, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: message + '\n' };
}

/** Serves a zip for a URL made by codeUrl; `zipFile` maps a hex digest to the stored zip. */
export function serveCode(
  config: LocalAwsConfig,
  rawPath: string,
  rawQuery: string,
  zipFile: (hex: string) => string,
): AwsResponse {
  const m = /^([0-9a-f]{64})\.zip$/.exec(rawPath.slice(CODE_PATH_PREFIX.length));
  if (!m) return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Not found\n' };
  const hex = m[1]!;
  const q = new URLSearchParams(rawQuery);
  const expires = Number(q.get('Expires'));
  const given = Buffer.from(q.get('Signature') ?? '', 'utf8');
  const wanted = Buffer.from(signature(config, hex, expires), 'utf8');
  if (!Number.isInteger(expires) || given.length !== wanted.length || !timingSafeEqual(given, wanted))
    return denied('Invalid signature');
  if (Date.now() / 1000 > expires) return denied('Request has expired');
  let body: Buffer;
  try {
    body = fs.readFileSync(zipFile(hex));
  } catch {
    return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Not found\n' };
  }
  return { status: 200, headers: { 'content-type': 'application/zip' }, body };
}

// JSON protocols: JSON 1.1 (CloudWatch Logs, operation in X-Amz-Target) and REST-JSON (Lambda).
import { AwsError } from '../core/errors.ts';
import type { AwsRequest, AwsResponse } from '../core/request.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Parses a JSON request body; `{}` for an empty body. Broken JSON -> SerializationException. */
export function parseJsonBody(req: Pick<AwsRequest, 'body'>, code = 'SerializationException'): JsonObject {
  if (req.body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body.toString('utf8'));
  } catch (e) {
    throw new AwsError(code, `Could not parse request body into json: ${(e as Error).message}`, 400);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new AwsError(code, 'The request body must be a JSON object.', 400);
  return parsed as JsonObject;
}

/** JSON 1.1: `X-Amz-Target: Logs_20140328.CreateLogGroup` -> `CreateLogGroup`. */
export function jsonTarget(req: Pick<AwsRequest, 'headers'>, prefix: string): string {
  const target = req.headers['x-amz-target'] ?? '';
  if (!target.startsWith(prefix + '.'))
    throw new AwsError('UnknownOperationException', `Missing or unknown X-Amz-Target header "${target}".`, 400);
  return target.slice(prefix.length + 1);
}

export function json11Response(value: Json | undefined): AwsResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: value === undefined ? '{}' : JSON.stringify(value),
  };
}

export function renderJson11Error(err: AwsError): AwsResponse {
  return {
    status: err.status,
    headers: { 'content-type': 'application/x-amz-json-1.1', ...err.headers },
    body: JSON.stringify({ __type: err.code, message: err.message, ...err.fields }),
  };
}

export function restJsonResponse(status: number, value?: Json, headers: Record<string, string> = {}): AwsResponse {
  if (value === undefined) return { status, headers };
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

export function renderRestJsonError(err: AwsError): AwsResponse {
  return {
    status: err.status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': err.code, ...err.headers },
    // Shapes differ on `message` vs `Message`: send both (docs/local-aws/protocols.md#lambda-errors).
    body: JSON.stringify({
      Type: err.isServerFault ? 'Service' : 'User',
      message: err.message,
      Message: err.message,
      ...err.fields,
    }),
  };
}

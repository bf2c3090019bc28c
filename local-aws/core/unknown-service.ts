// Requests for a service this endpoint does not serve (DynamoDB, SQS, ...). The caller's client only
// understands its own protocol's error envelope, so the error is rendered in that one: otherwise a
// JSON client reports a deserialization error instead of the message.
import { AwsError } from './errors.ts';
import type { AwsResponse, ServiceName } from './request.ts';
import { renderQueryError } from '../protocols/query.ts';
import { renderS3Error } from '../protocols/rest-xml.ts';

export const UNKNOWN_SERVICE = 'UnknownService';
export const SERVED_SERVICES = ['s3', 'iam', 'sts', 'logs', 'lambda', 'sns'] as const satisfies readonly ServiceName[];

export function isServed(service: string): service is ServiceName {
  return (SERVED_SERVICES as readonly string[]).includes(service);
}

/** `what` names the service: its signing name, or the X-Amz-Target of an unsigned request. */
export function unknownServiceError(what: string): AwsError {
  const list = SERVED_SERVICES.slice(0, -1).join(', ') + ' and ' + SERVED_SERVICES.at(-1);
  return new AwsError(
    UNKNOWN_SERVICE,
    `The local AWS endpoint does not serve the service ${what} (it serves ${list}).`,
    400,
  );
}

/** An X-Amz-Target no served service uses (Logs is the only JSON-RPC one), for unsigned requests. */
export function foreignTarget(headers: Record<string, string>): string | undefined {
  const target = headers['x-amz-target'];
  return target && !target.startsWith('Logs_') ? target : undefined;
}

type Envelope = 'json' | 'rest-json' | 'query' | 'rest-xml';

/** Signing names of the REST-XML services besides S3; any other REST service speaks REST-JSON. */
const REST_XML = /^(s3|s3-object-lambda|s3-outposts|route53|route53domains-xml|cloudfront)$/;

function envelopeOf(headers: Record<string, string>, rawQuery: string, signingName: string | undefined): Envelope {
  const type = headers['content-type'] ?? '';
  if (headers['x-amz-target'] || /json/i.test(type)) return 'json';
  if (type.includes('x-www-form-urlencoded') || new URLSearchParams(rawQuery).has('Action')) return 'query';
  if (signingName !== undefined && !REST_XML.test(signingName)) return 'rest-json';
  return 'rest-xml';
}

/** Renders `err` (from unknownServiceError) in the envelope of the protocol the request was made in. */
export function renderUnknownService(
  err: AwsError,
  req: { method: string; rawQuery: string; headers: Record<string, string> },
  signingName: string | undefined,
  requestId: string,
): AwsResponse {
  switch (envelopeOf(req.headers, req.rawQuery, signingName)) {
    case 'json': {
      // JSON 1.0 and 1.1 clients read `__type`, REST-JSON ones the header; answer in the request's type.
      const type =
        /^application\/x-amz-json-1\.[01]/.exec(req.headers['content-type'] ?? '')?.[0] ?? 'application/x-amz-json-1.1';
      return {
        status: err.status,
        headers: { 'content-type': type, 'x-amzn-errortype': err.code },
        body: JSON.stringify({ __type: err.code, message: err.message }),
      };
    }
    case 'rest-json':
      return {
        status: err.status,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': err.code },
        body: JSON.stringify({ message: err.message, Message: err.message }),
      };
    case 'query':
      // Query clients match on <Code> and ignore the namespace.
      return renderQueryError(err, requestId, 'https://local-aws/doc/unknown-service/');
    case 'rest-xml':
      return renderS3Error(err, requestId, req.method);
  }
}

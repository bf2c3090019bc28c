// S3's REST-XML protocol: error envelope and response helpers.
import type { AwsError } from '../core/errors.ts';
import type { AwsResponse } from '../core/request.ts';
import { toXml, type XmlNode } from './xml.ts';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export function xmlResponse(
  root: string,
  value: XmlNode | string,
  status = 200,
  headers: Record<string, string> = {},
): AwsResponse {
  return {
    status,
    headers: { 'content-type': 'application/xml', ...headers },
    body: toXml(root, value, S3_XMLNS),
  };
}

export function renderS3Error(err: AwsError, requestId: string, method: string): AwsResponse {
  const headers = { ...err.headers };
  // HEAD responses carry no body: clients see only the status.
  if (method === 'HEAD') return { status: err.status, headers };
  const fields: XmlNode = {};
  for (const [k, v] of Object.entries(err.fields)) fields[k] = String(v);
  const body = toXml('Error', {
    Code: err.code,
    Message: err.message,
    ...fields,
    RequestId: requestId,
    HostId: hostId(requestId),
  });
  return { status: err.status, headers: { 'content-type': 'application/xml', ...headers }, body };
}

export function hostId(requestId: string): string {
  return Buffer.from(`local-aws/${requestId}`).toString('base64');
}

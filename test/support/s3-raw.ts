// Hand-made, correctly signed S3 requests for tests: the path goes out exactly as given (no URL
// normalisation of `..` or `%2e`), any Host header (virtual-hosted style), any body or header.
import * as http from 'node:http';
import {
  canonicalRequest,
  credentialScope,
  sha256Hex,
  signature,
  signingKey,
  stringToSign,
  toAmzDate,
  ALGORITHM,
} from '../../local-aws/core/sigv4.ts';
import { ROOT, type Credentials } from './local-aws.ts';

export interface RawRequest {
  method: string;
  /** Raw path, percent-encoding and all, e.g. `/bucket/a%20b`. */
  path: string;
  /** Raw query without `?`. */
  query?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Host header to send (default: the server's host:port). */
  host?: string;
  region?: string;
  credentials?: Credentials;
  /** Value of x-amz-content-sha256 (default: the body's hash). */
  payloadHash?: string;
  /** Leave the request unsigned. */
  unsigned?: boolean;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export async function s3Raw(serverUrl: string, r: RawRequest): Promise<RawResponse> {
  const url = new URL(serverUrl);
  const body = r.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = v;
  headers['host'] = r.host ?? url.host;
  if (!r.unsigned) {
    const creds = r.credentials ?? ROOT;
    const region = r.region ?? 'us-east-1';
    const amzDate = toAmzDate(new Date());
    headers['x-amz-date'] = amzDate;
    headers['x-amz-content-sha256'] = r.payloadHash ?? sha256Hex(body);
    if (creds.sessionToken) headers['x-amz-security-token'] = creds.sessionToken;
    const signedHeaders = Object.keys(headers).sort();
    const scope = credentialScope(amzDate.slice(0, 8), region, 's3');
    const canonical = canonicalRequest({
      method: r.method,
      rawPath: r.path,
      rawQuery: r.query ?? '',
      headers,
      signedHeaders,
      payloadHash: headers['x-amz-content-sha256']!,
      service: 's3',
    });
    const sig = signature(
      signingKey(creds.secretAccessKey, amzDate.slice(0, 8), region, 's3'),
      stringToSign(amzDate, scope, canonical),
    );
    headers['authorization'] =
      `${ALGORITHM} Credential=${creds.accessKeyId}/${scope}, ` +
      `SignedHeaders=${signedHeaders.join(';')}, Signature=${sig}`;
  }
  if (!('content-length' in headers) && !('transfer-encoding' in headers))
    headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: r.method,
        path: r.path + (r.query ? `?${r.query}` : ''),
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const all = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: all, text: all.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The `<Code>` of an S3 XML error body. */
export function errorCode(res: RawResponse): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(res.text)?.[1];
}

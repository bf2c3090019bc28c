// Who is calling, and is the request really theirs? SigV4 (Authorization header or presigned query),
// clock window, session tokens, payload hash and aws-chunked bodies. Errors use each service's codes.
import { timingSafeEqual } from 'node:crypto';
import { AwsError, notImplemented } from './errors.ts';
import type { Caller, ServiceName } from './request.ts';
import {
  ALGORITHM,
  canonicalRequest,
  credentialScope,
  parseAmzDate,
  sha256Hex,
  signature,
  signingKey,
  stringToSign,
} from './sigv4.ts';
import { decodeAwsChunked } from './aws-chunked.ts';
import { isServed, unknownServiceError } from './unknown-service.ts';

export interface CredentialRecord {
  secretAccessKey: string;
  /** Present for STS-issued credentials: the request must carry the same token. */
  sessionToken?: string;
  expiration?: Date;
  caller: Caller;
}

export type CredentialLookup = (accessKeyId: string) => CredentialRecord | undefined;

export const MAX_SKEW_MS = 15 * 60 * 1000;

/** What the Authorization header or the presigned query says, before any check. */
export interface AuthClaim {
  presigned: boolean;
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  expiresSeconds?: number;
  securityToken?: string;
}

export interface IncomingParts {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: Record<string, string>;
}

type Failure = 'missing' | 'malformed' | 'signature' | 'unknownKey' | 'skew' | 'expiredToken' | 'badToken';

const OTHER_SIGNATURE_MESSAGE =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** The error AWS gives for an authentication failure, which differs per service and protocol. */
export function authError(
  service: string,
  failure: Failure,
  detail = '',
  fields: Record<string, string> = {},
): AwsError {
  const s3 = service === 's3';
  const queryProtocol = service === 'iam' || service === 'sts' || service === 'sns';
  const jsonStatus = service === 'logs' ? 400 : 403; // Logs' model gives its errors no status: 400.
  switch (failure) {
    case 'missing':
      if (s3) return new AwsError('AccessDenied', 'Access Denied', 403);
      if (queryProtocol)
        return new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
      return new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', jsonStatus);
    case 'malformed':
      if (s3)
        return new AwsError('AuthorizationHeaderMalformed', `The authorization header is malformed; ${detail}`, 400);
      return new AwsError('IncompleteSignature', detail, 400);
    case 'signature':
      if (s3)
        return new AwsError(
          'SignatureDoesNotMatch',
          'The request signature we calculated does not match the signature you provided. ' +
            'Check your key and signing method.',
          403,
          fields,
        );
      if (queryProtocol) return new AwsError('SignatureDoesNotMatch', OTHER_SIGNATURE_MESSAGE, 403);
      return new AwsError('InvalidSignatureException', OTHER_SIGNATURE_MESSAGE, jsonStatus);
    case 'unknownKey':
      if (s3)
        return new AwsError(
          'InvalidAccessKeyId',
          'The AWS Access Key Id you provided does not exist in our records.',
          403,
          fields,
        );
      if (queryProtocol)
        return new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
      return new AwsError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
        jsonStatus,
      );
    case 'skew':
      if (s3)
        return new AwsError(
          'RequestTimeTooSkewed',
          'The difference between the request time and the current time is too large.',
          403,
          fields,
        );
      if (queryProtocol) return new AwsError('SignatureDoesNotMatch', detail, 403);
      return new AwsError('InvalidSignatureException', detail, jsonStatus);
    case 'expiredToken':
      if (s3) return new AwsError('ExpiredToken', 'The provided token has expired.', 400, fields);
      if (queryProtocol)
        return new AwsError('ExpiredToken', 'The security token included in the request is expired', 403);
      return new AwsError('ExpiredTokenException', 'The security token included in the request is expired', jsonStatus);
    case 'badToken':
      if (s3) return new AwsError('InvalidToken', 'The provided token is malformed or otherwise invalid.', 400);
      if (queryProtocol)
        return new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
      return new AwsError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
        jsonStatus,
      );
  }
}

/** Which service an unsigned (or unparseable) request was meant for, so its error has the right shape. */
export function guessService(parts: IncomingParts, body?: Buffer): ServiceName {
  if ((parts.headers['x-amz-target'] ?? '').startsWith('Logs_')) return 'logs';
  if (/^\/20\d\d-\d\d-\d\d\/(functions|tags|account-settings)/.test(parts.rawPath)) return 'lambda';
  const form = (parts.headers['content-type'] ?? '').includes('x-www-form-urlencoded');
  const params = new URLSearchParams(form && body ? body.toString('utf8') : parts.rawQuery);
  if (params.has('Action')) {
    const version = params.get('Version');
    if (version === '2011-06-15') return 'sts';
    if (version === '2010-03-31') return 'sns';
    return 'iam';
  }
  return 's3';
}

/** Reads the claim without checking it; undefined when the request carries no SigV4 at all. */
export function readClaim(parts: IncomingParts): AuthClaim | undefined {
  const auth = parts.headers['authorization'];
  const query = new URLSearchParams(parts.rawQuery);
  if (auth) {
    const service = /Credential=[^/]*\/[^/]*\/[^/]*\/([^/,\s]*)/.exec(auth)?.[1] ?? guessService(parts);
    // S3's legacy Signature Version 2 is a feature this endpoint leaves out: said so by name.
    if (service === 's3' && /^AWS [^:\s]+:/.test(auth))
      throw notImplemented('s3', 'Signature Version 2 (Authorization: AWS <key>:<signature>)');
    if (!auth.startsWith(ALGORITHM + ' '))
      throw authError(service, 'malformed', `only ${ALGORITHM} (SigV4) is supported`);
    const fields = new Map<string, string>();
    for (const piece of auth.slice(ALGORITHM.length + 1).split(',')) {
      const eq = piece.indexOf('=');
      if (eq > 0) fields.set(piece.slice(0, eq).trim(), piece.slice(eq + 1).trim());
    }
    const credential = fields.get('Credential');
    const signed = fields.get('SignedHeaders');
    const sig = fields.get('Signature');
    if (!credential || !signed || !sig)
      throw authError(
        service,
        'malformed',
        "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.",
      );
    const scope = credential.split('/');
    if (scope.length !== 5 || scope[4] !== 'aws4_request')
      throw authError(
        service,
        'malformed',
        'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
      );
    const amzDate = parts.headers['x-amz-date'] ?? parts.headers['date'] ?? '';
    return {
      presigned: false,
      accessKeyId: scope[0]!,
      date: scope[1]!,
      region: scope[2]!,
      service: scope[3]!,
      signedHeaders: signed.split(';'),
      signature: sig,
      amzDate,
      securityToken: parts.headers['x-amz-security-token'],
    };
  }
  if (query.has('X-Amz-Signature') || query.has('X-Amz-Credential') || query.has('X-Amz-Algorithm')) {
    const required = [
      'X-Amz-Algorithm',
      'X-Amz-Credential',
      'X-Amz-Signature',
      'X-Amz-Date',
      'X-Amz-SignedHeaders',
      'X-Amz-Expires',
    ];
    const missingQueryParams = () =>
      new AwsError(
        'AuthorizationQueryParametersError',
        'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, ' +
          'X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
        400,
      );
    if (required.some((p) => !query.get(p))) throw missingQueryParams();
    const scope = query.get('X-Amz-Credential')!.split('/');
    if (scope.length !== 5 || scope[4] !== 'aws4_request')
      throw new AwsError(
        'AuthorizationQueryParametersError',
        'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; ' +
          'expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
        400,
      );
    const expires = Number(query.get('X-Amz-Expires'));
    if (!Number.isInteger(expires) || expires < 0) throw missingQueryParams();
    if (expires > 604800)
      throw new AwsError(
        'AuthorizationQueryParametersError',
        'X-Amz-Expires must be less than a week (in seconds) that is 604800',
        400,
      );
    return {
      presigned: true,
      accessKeyId: scope[0]!,
      date: scope[1]!,
      region: scope[2]!,
      service: scope[3]!,
      signedHeaders: query.get('X-Amz-SignedHeaders')!.split(';'),
      signature: query.get('X-Amz-Signature')!,
      amzDate: query.get('X-Amz-Date')!,
      expiresSeconds: expires,
      securityToken: query.get('X-Amz-Security-Token') ?? undefined,
    };
  }
  return undefined;
}

export interface Verified {
  service: ServiceName;
  region: string;
  caller: Caller;
  /** The body with aws-chunked framing removed. */
  body: Buffer;
  /** Request headers plus trailer headers; `content-encoding` without `aws-chunked`. */
  headers: Record<string, string>;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function verifyRequest(
  parts: IncomingParts,
  claim: AuthClaim,
  rawBody: Buffer,
  lookup: CredentialLookup,
  now = new Date(),
): Verified {
  const service = claim.service;
  if (!isServed(service)) throw unknownServiceError(`"${service}"`);
  const s3 = service === 's3';
  const record = lookup(claim.accessKeyId);
  if (!record) throw authError(service, 'unknownKey', '', { AWSAccessKeyId: claim.accessKeyId });
  if (record.sessionToken !== undefined) {
    if (!claim.securityToken) throw authError(service, 'unknownKey', '', { AWSAccessKeyId: claim.accessKeyId });
    if (!safeEqual(claim.securityToken, record.sessionToken)) throw authError(service, 'badToken');
    if (record.expiration && record.expiration.getTime() <= now.getTime())
      throw authError(service, 'expiredToken', '', { 'Token-0': claim.securityToken });
  }

  const requestTime = parseAmzDate(claim.amzDate);
  if (!requestTime) throw authError(service, 'malformed', 'the request carries no valid X-Amz-Date or Date header.');
  if (claim.presigned) {
    const expiresAt = requestTime.getTime() + (claim.expiresSeconds ?? 0) * 1000;
    if (expiresAt < now.getTime())
      throw new AwsError('AccessDenied', 'Request has expired', 403, {
        'X-Amz-Expires': String(claim.expiresSeconds),
        Expires: new Date(expiresAt).toISOString(),
        ServerTime: now.toISOString(),
      });
  } else if (Math.abs(requestTime.getTime() - now.getTime()) > MAX_SKEW_MS) {
    const stamp = (d: Date) =>
      d
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '');
    const detail =
      requestTime < now
        ? `Signature expired: ${stamp(requestTime)} is now earlier than ` +
          `${stamp(new Date(now.getTime() - MAX_SKEW_MS))} (${stamp(now)} - 15 min.)`
        : `Signature not yet current: ${stamp(requestTime)} is still later than ` +
          `${stamp(new Date(now.getTime() + MAX_SKEW_MS))} (${stamp(now)} + 15 min.)`;
    throw authError(service, 'skew', detail, {
      RequestTime: claim.amzDate,
      ServerTime: now.toISOString(),
      MaxAllowedSkewMilliseconds: '900000',
    });
  }

  if (claim.presigned && s3) {
    const signed = new Set(claim.signedHeaders);
    const unsigned = Object.keys(parts.headers).filter((h) => h.startsWith('x-amz-') && !signed.has(h));
    if (unsigned.length > 0)
      throw new AwsError('AccessDenied', 'There were headers present in the request which were not signed', 403, {
        HeadersNotSigned: unsigned.join(', '),
      });
  }

  // The payload hash that went into the signature.
  let payloadHash: string;
  const declared = parts.headers['x-amz-content-sha256'];
  if (claim.presigned) payloadHash = declared ?? 'UNSIGNED-PAYLOAD';
  else if (declared) payloadHash = declared;
  else if (s3)
    throw new AwsError('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256', 400);
  else payloadHash = sha256Hex(rawBody);

  const canonical = canonicalRequest({
    method: parts.method,
    rawPath: parts.rawPath,
    rawQuery: parts.rawQuery,
    headers: parts.headers,
    signedHeaders: claim.signedHeaders,
    payloadHash,
    service,
  });
  const scope = credentialScope(claim.date, claim.region, service);
  const toSign = stringToSign(claim.amzDate, scope, canonical);
  const key = signingKey(record.secretAccessKey, claim.date, claim.region, service);
  if (!safeEqual(signature(key, toSign), claim.signature.toLowerCase())) {
    throw authError(service, 'signature', '', {
      AWSAccessKeyId: claim.accessKeyId,
      StringToSign: toSign,
      SignatureProvided: claim.signature,
      CanonicalRequest: canonical,
    });
  }

  let body = rawBody;
  const headers = { ...parts.headers };
  const encodings = (headers['content-encoding'] ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const chunked = payloadHash.startsWith('STREAMING-') || encodings.includes('aws-chunked');
  if (chunked) {
    const signedChunks = payloadHash.startsWith('STREAMING-AWS4-HMAC-SHA256-PAYLOAD');
    const decoded = decodeAwsChunked(
      rawBody,
      signedChunks
        ? {
            key,
            amzDate: claim.amzDate,
            scope,
            seedSignature: claim.signature.toLowerCase(),
            signedTrailer: payloadHash.endsWith('-TRAILER'),
          }
        : undefined,
    );
    body = decoded.body;
    Object.assign(headers, decoded.trailers);
    const rest = encodings.filter((e) => e !== 'aws-chunked');
    if (rest.length > 0) headers['content-encoding'] = rest.join(',');
    else delete headers['content-encoding'];
    const decodedLength = headers['x-amz-decoded-content-length'];
    if (decodedLength === undefined)
      throw new AwsError(
        'MissingContentLength',
        'You must provide the Content-Length HTTP header (x-amz-decoded-content-length is missing).',
        411,
      );
    if (Number(decodedLength) !== body.length)
      throw new AwsError(
        'IncompleteBody',
        'You did not provide the number of bytes specified by the x-amz-decoded-content-length HTTP header.',
        400,
      );
  } else if (s3 && /^[0-9a-fA-F]{64}$/.test(payloadHash)) {
    const computed = sha256Hex(rawBody);
    if (computed !== payloadHash.toLowerCase())
      throw new AwsError(
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        400,
        { ClientComputedContentSHA256: payloadHash, S3ComputedContentSHA256: computed },
      );
  } else if (s3 && payloadHash !== 'UNSIGNED-PAYLOAD') {
    throw new AwsError(
      'InvalidArgument',
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, ' +
        'STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.',
      400,
      { ArgumentName: 'x-amz-content-sha256', ArgumentValue: payloadHash },
    );
  }

  return { service: service as ServiceName, region: claim.region, caller: record.caller, body, headers };
}

// The local AWS endpoint: one HTTP server on loopback. It authenticates every request with SigV4,
// tells the services apart by the credential scope, and renders errors in each protocol's envelope.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { Backend } from './backend.ts';
import { endpointUrl, HEALTH_PATH, SERVER_NAME, type LocalAwsConfig } from './config.ts';
import {
  authError,
  guessService,
  readClaim,
  verifyRequest,
  type AuthClaim,
  type IncomingParts,
} from './core/authenticate.ts';
import { AwsError, internalError } from './core/errors.ts';
import {
  foreignTarget,
  isServed,
  renderUnknownService,
  UNKNOWN_SERVICE,
  unknownServiceError,
} from './core/unknown-service.ts';
import type { AwsRequest, AwsResponse, ServiceName } from './core/request.ts';
import { safeDecode } from './core/sigv4.ts';
import { renderJson11Error, renderRestJsonError } from './protocols/json.ts';
import { renderQueryError } from './protocols/query.ts';
import { hostId, renderS3Error } from './protocols/rest-xml.ts';
import { handleIam } from './iam/service.ts';
import { CODE_PATH_PREFIX } from './lambda/code-url.ts';
import { describeCpuEnforcement } from './lambda/runtime/cpu.ts';
import { describeMemoryEnforcement } from './lambda/runtime/memory.ts';
import { lambdaRequestLimit, requestTooLargeMessage } from './lambda/request-limits.ts';
import { handleLambda } from './lambda/service.ts';
import { handleLogs } from './logs/service.ts';
import { anonymousError } from './s3/anonymous.ts';
import { handleS3 } from './s3/service.ts';
import { handleSns } from './sns/service.ts';
import { SIGNING_CERT_PATH } from './sns/signing.ts';
import { handleSts } from './sts/service.ts';

type Handler = (req: AwsRequest, backend: Backend) => Promise<AwsResponse>;

const HANDLERS: Record<ServiceName, Handler> = {
  s3: handleS3,
  iam: handleIam,
  sts: handleSts,
  logs: handleLogs,
  lambda: handleLambda,
  sns: handleSns,
};

const XMLNS: Record<string, string> = {
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  sns: 'http://sns.amazonaws.com/doc/2010-03-31/',
};

/** Largest body read per service; beyond it the request is refused before it is read. */
const MAX_BODY: Record<ServiceName, number> = {
  s3: 1024 * 1024 * 1024,
  lambda: 80 * 1024 * 1024,
  iam: 10 * 1024 * 1024,
  sts: 10 * 1024 * 1024,
  sns: 10 * 1024 * 1024,
  logs: 10 * 1024 * 1024,
};

/** A random 4-byte prefix per process, then a counter: unique, and no random bytes per request. */
const S3_ID_PREFIX = randomBytes(4).readUInt32BE(0);
let s3IdCounter = 0;
function s3RequestId(): string {
  s3IdCounter = (s3IdCounter + 1) >>> 0;
  return (S3_ID_PREFIX.toString(16).padStart(8, '0') + s3IdCounter.toString(16).padStart(8, '0')).toUpperCase();
}

function newRequestId(service: ServiceName): string {
  // S3 request ids are 16 upper-case hex characters; the others are UUIDs.
  if (service === 's3') return s3RequestId();
  return crypto.randomUUID();
}

export function renderError(service: ServiceName, err: AwsError, requestId: string, method: string): AwsResponse {
  switch (service) {
    case 's3':
      return renderS3Error(err, requestId, method);
    case 'logs':
      return renderJson11Error(err);
    case 'lambda':
      return renderRestJsonError(err);
    default:
      return renderQueryError(err, requestId, XMLNS[service]!);
  }
}

function flatHeaders(req: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return reject(new BodyTooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.destroy();
        reject(new BodyTooLarge());
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, response: AwsResponse, method: string): void {
  const headers: Record<string, string> = { server: SERVER_NAME, ...response.headers };
  const body = response.body;
  if (body instanceof Readable) {
    res.writeHead(response.status, headers);
    if (method === 'HEAD') {
      body.destroy();
      res.end();
      return;
    }
    body.on('error', () => res.destroy());
    // A client that goes away mid-download must not leave the source (an open file) behind.
    res.on('close', () => body.destroy());
    body.pipe(res);
    return;
  }
  const bytes = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  if (!('content-length' in headers)) headers['content-length'] = String(bytes?.length ?? 0);
  res.writeHead(response.status, headers);
  res.end(method === 'HEAD' ? undefined : bytes);
}

export interface LocalAwsServer {
  server: http.Server;
  backend: Backend;
  config: LocalAwsConfig;
  url: string;
  close(): Promise<void>;
}

export function createRequestListener(backend: Backend) {
  const config = backend.config;
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const started = performance.now();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const parts: IncomingParts = {
      method: req.method ?? 'GET',
      rawPath: q < 0 ? rawUrl : rawUrl.slice(0, q),
      rawQuery: q < 0 ? '' : rawUrl.slice(q + 1),
      headers: flatHeaders(req),
    };
    if (parts.rawPath === HEALTH_PATH && parts.method === 'GET') {
      send(
        res,
        {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            server: SERVER_NAME,
            status: 'running',
            pid: process.pid,
            dataDir: config.dataDir,
            // Whether durations depend on memory here (tools such as `npm run tune` say so).
            lambda: { cpu: describeCpuEnforcement(config.lambdaCpuLimits), memory: describeMemoryEnforcement() },
          }),
        },
        'GET',
      );
      return;
    }

    // SNS's SigningCertUrl: the key that signs notifications, public like AWS's certificate.
    if (parts.rawPath === SIGNING_CERT_PATH && parts.method === 'GET') {
      send(
        res,
        { status: 200, headers: { 'content-type': 'application/x-pem-file' }, body: backend.sns.signer.publicKeyPem() },
        'GET',
      );
      return;
    }

    // GetFunction's Code.Location: a signed, expiring download URL (no SigV4, like a presigned URL).
    if (parts.rawPath.startsWith(CODE_PATH_PREFIX) && parts.method === 'GET') {
      send(res, backend.lambda.serveCode(parts.rawPath, parts.rawQuery), 'GET');
      return;
    }

    /** `Host: <bucket>.<hostname>` (virtual-hosted-style S3). */
    const hostBucketOf = (host: string | undefined): string | undefined => {
      const hostName = (host ?? '').replace(/:\d+$/, '');
      const suffix = '.' + config.hostname;
      return hostName.endsWith(suffix) && hostName.length > suffix.length
        ? hostName.slice(0, -suffix.length).replace(/\.s3$/, '')
        : undefined;
    };
    let service: ServiceName = guessService(parts);
    let requestId = newRequestId(service);
    let response: AwsResponse;
    let claim: AuthClaim | undefined;
    try {
      claim = readClaim(parts);
      if (claim && isServed(claim.service)) {
        service = claim.service;
        requestId = newRequestId(service);
      }
      // Lambda's limits depend on the operation (CreateFunction 70167211 bytes, Invoke 6 MB, ...).
      const lambdaLimit =
        service === 'lambda'
          ? lambdaRequestLimit(parts.method, parts.rawPath, parts.headers['x-amz-invocation-type'])
          : undefined;
      let rawBody: Buffer;
      try {
        rawBody = await readBody(req, lambdaLimit?.bytes ?? MAX_BODY[service]);
      } catch (e) {
        if (e instanceof BodyTooLarge)
          throw service === 's3'
            ? new AwsError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400, {
                MaxSizeAllowed: String(MAX_BODY.s3),
              })
            : new AwsError(
                'RequestEntityTooLargeException',
                lambdaLimit
                  ? requestTooLargeMessage(lambdaLimit)
                  : `Request must be smaller than ${MAX_BODY[service]} bytes.`,
                413,
              );
        // The client hung up before sending its whole body: nobody is left to answer.
        if (req.destroyed) return;
        throw e;
      }
      if (!claim) {
        const target = foreignTarget(parts.headers);
        if (target) throw unknownServiceError(`of X-Amz-Target "${target}"`);
        service = guessService(parts, rawBody);
        requestId = newRequestId(service);
        if (service === 's3')
          throw anonymousError(backend.s3, parts.rawPath, hostBucketOf(parts.headers['host']), parts.rawQuery);
        throw authError(service, 'missing');
      }
      const verified = verifyRequest(parts, claim, rawBody, backend.lookupCredential);
      const hostBucket = verified.service === 's3' ? hostBucketOf(parts.headers['host']) : undefined;
      const awsRequest: AwsRequest = {
        requestId,
        service: verified.service,
        region: verified.region,
        method: parts.method,
        rawPath: parts.rawPath,
        path: safeDecode(parts.rawPath),
        query: new URLSearchParams(parts.rawQuery),
        headers: verified.headers,
        body: verified.body,
        caller: verified.caller,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        hostBucket,
      };
      response = await HANDLERS[verified.service](awsRequest, backend);
    } catch (e) {
      const err = e instanceof AwsError ? e : internalError(e);
      if (!(e instanceof AwsError)) console.error(`[local-aws] internal error on ${parts.method} ${rawUrl}:`, e);
      response =
        err.code === UNKNOWN_SERVICE
          ? renderUnknownService(err, parts, claim?.service, requestId)
          : renderError(service, err, requestId, parts.method);
    }
    const idHeaders: Record<string, string> =
      service === 's3'
        ? { 'x-amz-request-id': requestId, 'x-amz-id-2': hostId(requestId) }
        : { 'x-amzn-requestid': requestId };
    response = { ...response, headers: { ...idHeaders, ...response.headers } };
    if (config.logRequests) {
      const ms = (performance.now() - started).toFixed(1);
      console.error(`[local-aws] ${service} ${parts.method} ${rawUrl.slice(0, 120)} -> ${response.status} (${ms} ms)`);
    }
    if (!res.headersSent) send(res, response, parts.method);
  };
}

/** Starts the endpoint and resolves once it listens. Port 0 picks a free port (tests). */
export async function startLocalAws(config: LocalAwsConfig): Promise<LocalAwsServer> {
  const server = http.createServer({ keepAliveTimeout: 65_000 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // With port 0 the real port is known only now; the stores are built with it (Lambda needs it).
  const actual = { ...config, port: (server.address() as AddressInfo).port };
  let backend: Backend;
  try {
    backend = new Backend(actual);
  } catch (e) {
    server.close();
    throw e;
  }
  try {
    backend.start();
  } catch (e) {
    server.close();
    await backend.close();
    throw e;
  }
  server.on('request', createRequestListener(backend));
  return {
    server,
    backend,
    config: actual,
    url: endpointUrl(actual),
    async close() {
      // Running asynchronous Lambda invocations finish first, while their calls can still reach us.
      await backend.lambda.drain();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await backend.close();
    },
  };
}

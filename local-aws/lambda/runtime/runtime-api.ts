// The Lambda Runtime API (docs/local-aws/protocols.md#runtime-api-endpoints) for ONE execution
// environment: a small HTTP server on 127.0.0.1 (ephemeral port) that the environment's runtime client
// long-polls for events and posts results to. What to do with them is the environment's business
// (RuntimeApiHandler).
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

const PREFIX = '/2018-06-01/runtime/';
/** Larger responses fail the invocation: Function.ResponseSizeTooLarge (docs/local-aws/protocols.md#lambda-limits). */
export const MAX_RESPONSE_BYTES = 6_291_556;

export interface Delivery {
  requestId: string;
  payload: Buffer;
  deadlineMs: number;
  invokedFunctionArn: string;
  traceId: string;
  clientContext?: string;
}

export type PostResult = 'accepted' | 'unknown-id' | 'already-reported';

export interface RuntimeApiHandler {
  /** The runtime waits for an event. */
  onNext(): void;
  /** A result for an invocation; `tooLarge` when the body exceeded MAX_RESPONSE_BYTES. */
  onResult(
    kind: 'response' | 'error',
    requestId: string,
    body: Buffer,
    errorTypeHeader: string | undefined,
    tooLarge: boolean,
  ): PostResult;
  onInitError(body: Buffer, errorTypeHeader: string | undefined): void;
}

export class RuntimeApi {
  private readonly server: http.Server;
  private pendingNext: http.ServerResponse | undefined;
  port = 0;

  constructor(private readonly handler: RuntimeApiHandler) {
    this.server = http.createServer((req, res) => this.route(req, res));
    // The runtime's one connection idles for as long as the environment lives.
    this.server.keepAliveTimeout = 0;
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 0;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Is the runtime waiting in `next`? */
  get waiting(): boolean {
    return this.pendingNext !== undefined && !this.pendingNext.destroyed;
  }

  /** Answers the waiting `next` with an event. The caller checks `waiting` first. */
  deliver(d: Delivery): boolean {
    const res = this.pendingNext;
    this.pendingNext = undefined;
    if (!res || res.destroyed) return false;
    // Header values must be plain text; whatever an invoker sent is cleaned before it reaches one.
    const clean = (v: string) => v.replace(/[^\t\x20-\x7e]/g, '');
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': d.payload.length,
      'lambda-runtime-aws-request-id': d.requestId,
      'lambda-runtime-deadline-ms': String(d.deadlineMs),
      'lambda-runtime-invoked-function-arn': clean(d.invokedFunctionArn),
      'lambda-runtime-trace-id': clean(d.traceId),
    };
    // Empty headers are left out rather than sent empty.
    if (d.clientContext) headers['lambda-runtime-client-context'] = clean(d.clientContext);
    res.writeHead(200, headers);
    res.end(d.payload);
    return true;
  }

  async close(): Promise<void> {
    this.pendingNext = undefined;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '/';
    if (!url.startsWith(PREFIX)) return reply(res, 404, { errorMessage: 'Not found', errorType: 'InvalidRequest' });
    const route = url.slice(PREFIX.length).split('?')[0]!;
    if (req.method === 'GET' && route === 'invocation/next') {
      if (this.waiting) this.pendingNext!.destroy();
      this.pendingNext = res;
      req.resume();
      this.handler.onNext();
      return;
    }
    if (req.method !== 'POST')
      return reply(res, 405, { errorMessage: 'Method not allowed', errorType: 'InvalidRequest' });
    const errorType = header(req, 'lambda-runtime-function-error-type');
    if (route === 'init/error') {
      void readBody(req, MAX_RESPONSE_BYTES).then(({ body }) => {
        reply(res, 202, { status: 'OK' });
        this.handler.onInitError(body, errorType);
      });
      return;
    }
    const m = /^invocation\/([^/]+)\/(response|error)$/.exec(route);
    if (!m) return reply(res, 404, { errorMessage: 'Not found', errorType: 'InvalidRequest' });
    const requestId = decodeURIComponent(m[1]!);
    const kind = m[2] as 'response' | 'error';
    void readBody(req, MAX_RESPONSE_BYTES).then(({ body, tooLarge }) => {
      const outcome = this.handler.onResult(kind, requestId, body, errorType, tooLarge);
      if (outcome === 'unknown-id')
        reply(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
      else if (outcome === 'already-reported')
        reply(res, 403, { errorMessage: 'Invalid state transition', errorType: 'InvalidStateTransition' });
      else if (tooLarge)
        reply(res, 413, {
          errorMessage: `Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
          errorType: 'RequestEntityTooLarge',
        });
      else reply(res, 202, { status: 'OK' });
    });
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function reply(res: http.ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Reads a body, keeping at most `limit` bytes (the rest is drained so the connection stays usable). */
function readBody(req: http.IncomingMessage, limit: number): Promise<{ body: Buffer; tooLarge: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve({ body: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks), tooLarge }));
    req.on('error', () => resolve({ body: Buffer.alloc(0), tooLarge }));
  });
}

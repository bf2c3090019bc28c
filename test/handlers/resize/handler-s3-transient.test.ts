// S3 throttling (503 SlowDown) and server errors (500 InternalError) from GetObject or PutObject are
// transient: the handler fails the invocation so Lambda retries it. The errors come over the wire, as
// S3 sends them, from a small proxy in front of the local S3 (everything else is passed through).
import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { RetryableInvocationError } from '../../../handlers/resize/errors.ts';
import { makeS3PutEvent } from '../../../handlers/resize/event.ts';
import { createHandler } from '../../../handlers/resize/handler.ts';
import { startTestServer, type TestServer } from '../../support/local-aws.ts';
import { startProxy, type Interception, type ProxiedRequest, type Proxy } from '../../support/proxy.ts';
import { fixture } from '../../support/image-fixtures.ts';

const SRC = 'transient-src';
const DEST = 'transient-dest';
const KEY = 'Happy Face (1) +été.jpg';

interface Fault {
  method: 'GET' | 'PUT';
  bucket: string;
  status: number;
  code: string;
  message: string;
}

let server: TestServer;
let proxy: Proxy;
let fault: Fault | undefined;
let faultsSent = 0;
let size = 0;

/** Answers the faulty operation with S3's error document; every other request passes through unchanged. */
function faultFor(req: ProxiedRequest): Interception {
  const f = fault;
  if (!f || req.method !== f.method || !req.url.startsWith(`/${f.bucket}/`)) return undefined;
  faultsSent++;
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${f.code}</Code><Message>${f.message}</Message>` +
    `<RequestId>FAULT${faultsSent}</RequestId><HostId>proxy</HostId></Error>`;
  return {
    answer: {
      status: f.status,
      headers: {
        'content-type': 'application/xml',
        'x-amz-request-id': `FAULT${faultsSent}`,
        'content-length': Buffer.byteLength(xml),
      },
      body: xml,
    },
  };
}

before(async () => {
  server = await startTestServer();
  const admin = new S3Client(server.clientConfig());
  await admin.send(new CreateBucketCommand({ Bucket: SRC }));
  await admin.send(new CreateBucketCommand({ Bucket: DEST }));
  const body = fixture('Happy Face (1) +été.jpg');
  size = body.length;
  await admin.send(new PutObjectCommand({ Bucket: SRC, Key: KEY, Body: body }));
  admin.destroy();
  proxy = await startProxy(new URL(server.url), faultFor);
});
after(async () => {
  await proxy.close();
  await server.stopAndRemove();
});

async function invokeThroughProxy(): Promise<{ error: unknown; lines: Array<Record<string, unknown>> }> {
  const s3 = new S3Client({ ...server.clientConfig(), endpoint: proxy.url, maxAttempts: 2 });
  const h = createHandler({ s3, env: { DEST_BUCKET: DEST, THUMBNAIL_WIDTH: '100' } });
  const lines: Array<Record<string, unknown>> = [];
  const take = (line: unknown) => {
    if (typeof line === 'string' && line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
  };
  const log = mock.method(console, 'log', take);
  const err = mock.method(console, 'error', take);
  try {
    await h(makeS3PutEvent([{ bucket: SRC, key: KEY, size }]));
    return { error: undefined, lines };
  } catch (e) {
    return { error: e, lines };
  } finally {
    log.mock.restore();
    err.mock.restore();
    s3.destroy();
  }
}

describe('transient S3 failures fail the invocation, so Lambda retries it', () => {
  const cases: Array<[string, Fault, string]> = [
    [
      'GetObject: 503 SlowDown',
      { method: 'GET', bucket: SRC, status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
      'throttled',
    ],
    [
      'GetObject: 500 InternalError',
      {
        method: 'GET',
        bucket: SRC,
        status: 500,
        code: 'InternalError',
        message: 'We encountered an internal error. Please try again.',
      },
      's3_server_error',
    ],
    [
      'PutObject: 503 SlowDown',
      { method: 'PUT', bucket: DEST, status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
      'throttled',
    ],
    [
      'PutObject: 500 InternalError',
      {
        method: 'PUT',
        bucket: DEST,
        status: 500,
        code: 'InternalError',
        message: 'We encountered an internal error. Please try again.',
      },
      's3_server_error',
    ],
  ];
  for (const [name, f, reason] of cases) {
    it(name, async () => {
      fault = f;
      faultsSent = 0;
      const { error, lines } = await invokeThroughProxy();
      fault = undefined;
      assert.ok(faultsSent >= 1, 'the fault was served');
      assert.ok(error instanceof RetryableInvocationError, String(error));
      assert.deepEqual(error.failed, [{ key: KEY, reason }]);
      const line = lines.find((l) => l.event === 'thumbnail_failed');
      assert.equal(line?.level, 'ERROR', JSON.stringify(lines));
      assert.equal(line?.reason, reason);
      assert.equal(line?.retryable, true);
      assert.equal(line?.key, KEY);
    });
  }

  it('passes when S3 answers normally through the same proxy (the faults above were the cause)', async () => {
    const { error } = await invokeThroughProxy();
    assert.equal(error, undefined, String(error));
    const admin = new S3Client(server.clientConfig());
    const keys = ((await admin.send(new ListObjectsV2Command({ Bucket: DEST }))).Contents ?? []).map((o) => o.Key);
    assert.deepEqual(keys, [`resized-${KEY}`]);
    admin.destroy();
  });
});

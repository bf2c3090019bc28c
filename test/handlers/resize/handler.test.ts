// The handler's decisions that come before or instead of any S3 call (test events, loop guards,
// size limits, configuration), and a transient network failure. Its S3 client points at a closed
// port: any request would fail with ECONNREFUSED, so a record that must not reach S3 proves it.
import { S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, it, mock } from 'node:test';
import { ConfigError } from '../../../handlers/resize/config.ts';
import { RetryableInvocationError } from '../../../handlers/resize/errors.ts';
import { makeS3PutEvent, makeS3Record, wrapInSns } from '../../../handlers/resize/event.ts';
import { createHandler, type ResizeHandler } from '../../../handlers/resize/handler.ts';

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  assert.ok(addr && typeof addr === 'object');
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return addr.port;
}

interface Captured {
  out: Array<Record<string, unknown>>;
  err: Array<Record<string, unknown>>;
}

/** Runs fn with console.log/error captured; every line of ours must be one JSON object. */
async function captureLogs<T>(fn: () => Promise<T>): Promise<{ result?: T; error?: unknown; logs: Captured }> {
  const logs: Captured = { out: [], err: [] };
  const add = (to: Array<Record<string, unknown>>) => (line: unknown) => {
    // Node prints process warnings (e.g. the SDK's Node-version notice) through console.error too.
    if (typeof line === 'string' && line.startsWith('(node:')) return;
    assert.equal(typeof line, 'string');
    to.push(JSON.parse(String(line)) as Record<string, unknown>);
  };
  const log = mock.method(console, 'log', add(logs.out));
  const error = mock.method(console, 'error', add(logs.err));
  try {
    return { result: await fn(), logs };
  } catch (e) {
    return { error: e, logs };
  } finally {
    log.mock.restore();
    error.mock.restore();
  }
}

let s3: S3Client;
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ DEST_BUCKET: 'thumbs', ...extra });
const handlerWith = (extra: NodeJS.ProcessEnv = {}): ResizeHandler => createHandler({ s3, env: env(extra) });

describe('resize handler without S3', () => {
  before(async () => {
    const port = await closedPort();
    s3 = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 2,
    });
  });
  after(() => s3.destroy());

  it('skips s3:TestEvent with a log line', async () => {
    const { result, logs } = await captureLogs(() =>
      handlerWith()({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'src' }),
    );
    assert.deepEqual(result, { processed: 0, written: [], failed: [], skipped: [{ key: '', reason: 'test_event' }] });
    assert.deepEqual(logs.err, []);
    assert.equal(logs.out.length, 1);
    assert.equal(logs.out[0]?.event, 'event_skipped');
    assert.equal(logs.out[0]?.reason, 'test_event');
  });

  it('refuses to write into the source bucket: one ERROR line, no S3 call, no throw', async () => {
    const event = makeS3PutEvent([{ bucket: 'thumbs', key: 'Happy Face (1) +été.jpg', size: 100 }]);
    const { result, logs } = await captureLogs(() => handlerWith()(event));
    assert.deepEqual(result, {
      processed: 1,
      written: [],
      failed: [{ key: 'Happy Face (1) +été.jpg', reason: 'source_is_destination' }],
      skipped: [],
    });
    assert.equal(logs.err.length, 1);
    assert.deepEqual(
      { ...logs.err[0], message: undefined },
      {
        level: 'ERROR',
        event: 'thumbnail_failed',
        reason: 'source_is_destination',
        retryable: false,
        bucket: 'thumbs',
        key: 'Happy Face (1) +été.jpg',
        message: undefined,
      },
    );
  });

  it('skips keys that are already thumbnails, removal events and folder markers', async () => {
    const event = {
      Records: [
        makeS3Record({ bucket: 'src', key: 'resized-cat.jpg', size: 100 }),
        makeS3Record({ bucket: 'src', key: 'dog.jpg', size: 100, eventName: 'ObjectRemoved:Delete' }),
        makeS3Record({ bucket: 'src', key: 'new folder/', size: 0 }),
      ],
    };
    const { result, logs } = await captureLogs(() => handlerWith()(event));
    assert.deepEqual(result, {
      processed: 3,
      written: [],
      failed: [],
      skipped: [
        { key: 'resized-cat.jpg', reason: 'already_resized' },
        { key: 'dog.jpg', reason: 'not_object_created' },
        { key: 'new folder/', reason: 'folder_marker' },
      ],
    });
    assert.deepEqual(logs.err, []);
    assert.deepEqual(
      logs.out.map((l) => [l.level, l.event, l.reason]),
      [
        ['WARN', 'record_skipped', 'already_resized'],
        ['INFO', 'record_skipped', 'not_object_created'],
        ['INFO', 'record_skipped', 'folder_marker'],
      ],
    );
  });

  it('refuses an object bigger than MAX_INPUT_BYTES from the event, before downloading it', async () => {
    const event = wrapInSns(makeS3PutEvent([{ bucket: 'src', key: 'huge.jpg', size: 1001 }]));
    const { result, logs } = await captureLogs(() => handlerWith({ MAX_INPUT_BYTES: '1000' })(event));
    assert.deepEqual(result?.failed, [{ key: 'huge.jpg', reason: 'too_large' }]);
    assert.equal(logs.err[0]?.size, 1001);
    assert.equal(logs.err[0]?.maxInputBytes, 1000);
  });

  it('reports a key that is not valid URL encoding', async () => {
    const rec = makeS3Record({ bucket: 'src', key: 'x', size: 1 });
    Object.assign((rec.s3 as { object: object }).object, { key: '100%.jpg' });
    const { result, logs } = await captureLogs(() => handlerWith()({ Records: [rec] }));
    assert.deepEqual(result?.failed, [{ key: '100%.jpg', reason: 'invalid_key_encoding' }]);
    assert.equal(logs.err.length, 1);
  });

  it('a network failure fails the invocation, after every record was handled', async () => {
    const event = makeS3PutEvent([
      { bucket: 'src', key: 'a.jpg', size: 10 },
      { bucket: 'thumbs', key: 'b.jpg', size: 10 }, // permanent: source is destination
      { bucket: 'src', key: 'c.jpg', size: 10 },
    ]);
    const { error, logs } = await captureLogs(() => handlerWith()(event));
    assert.ok(error instanceof RetryableInvocationError, String(error));
    assert.deepEqual(error.failed, [
      { key: 'a.jpg', reason: 'network' },
      { key: 'c.jpg', reason: 'network' },
    ]);
    assert.match(error.message, /2 of 3 record\(s\) failed with a transient error \(network\)/);
    assert.deepEqual(
      logs.err.map((l) => [l.key, l.reason, l.retryable, l.operation, l.code]),
      [
        ['a.jpg', 'network', true, 'GetObject', 'ECONNREFUSED'],
        ['b.jpg', 'source_is_destination', false, undefined, undefined],
        ['c.jpg', 'network', true, 'GetObject', 'ECONNREFUSED'],
      ],
    );
  });

  it('a broken configuration fails the whole invocation', async () => {
    const event = makeS3PutEvent([{ bucket: 'src', key: 'a.jpg', size: 10 }]);
    await assert.rejects(
      createHandler({ s3, env: {} })(event),
      (e: unknown) => e instanceof ConfigError && /DEST_BUCKET/.test(e.message),
    );
    for (const bad of ['0', 'abc', '12.5', '-3', '99999']) {
      await assert.rejects(
        handlerWith({ THUMBNAIL_WIDTH: bad })(event),
        (e: unknown) => e instanceof ConfigError && /THUMBNAIL_WIDTH/.test(e.message),
      );
    }
    await assert.rejects(handlerWith({ MAX_INPUT_PIXELS: 'lots' })(event), ConfigError);
  });
});

// The real thing: the Lambda module (index.ts, its module-scope S3 client configured only by the
// environment) against the local S3, with events shaped and key-encoded the way S3 sends them.
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import sharp from 'sharp';
import { RetryableInvocationError } from '../../../handlers/resize/errors.ts';
import { makeS3PutEvent, wrapInSns, type PutEventInput } from '../../../handlers/resize/event.ts';
import { createHandler, type ResizeHandler, type Summary } from '../../../handlers/resize/handler.ts';
import { ACCOUNT, startTestServer } from '../../support/local-aws.ts';
import { MIME_OF_DECODED, fixture } from '../../support/image-fixtures.ts';

const SRC = 'photos';
const DEST = 'photos-resized';
const WIDTH = 120;

/** Uploaded objects: key -> fixture, and what the thumbnail must be (width x height at 120). */
const GOOD = [
  { key: 'Happy Face (1) +été.jpg', file: 'Happy Face (1) +été.jpg', type: 'image/jpeg', size: [120, 80] },
  {
    key: 'albums/2024/100% juice + café 日本 🍊.jpg',
    file: '100% juice + café 日本 🍊.jpg',
    type: 'image/jpeg',
    size: [120, 80],
  },
  { key: 'exif-rotated-6.jpg', file: 'exif-rotated-6.jpg', type: 'image/jpeg', size: [120, 180] },
  { key: 'alpha.png', file: 'alpha.png', type: 'image/png', size: [120, 90] },
  { key: 'really a png.jpg', file: 'png-named.jpg', type: 'image/png', size: [120, 90] },
  { key: 'animated.gif', file: 'animated.gif', type: 'image/gif', size: [120, 90] },
  { key: 'tiny-150px.jpg', file: 'tiny-150px.jpg', type: 'image/jpeg', size: [120, 80] },
] as const;
const BAD = [
  { key: 'notes/not an image.jpg', file: 'not-an-image.jpg', reason: 'not_an_image' },
  { key: 'bomb.png', file: 'bomb.png', reason: 'too_many_pixels' },
  { key: 'truncated.jpg', file: 'truncated.jpg', reason: 'corrupt' },
  { key: 'drawing.svg', file: 'vector.svg', reason: 'unsupported_type' },
] as const;

const server = await startTestServer();
const admin = new S3Client(server.clientConfig());
after(async () => {
  admin.destroy();
  await server.stopAndRemove();
});

const uploaded = new Map<string, PutEventInput>();
let handler: ResizeHandler;

async function listKeys(bucket: string): Promise<string[]> {
  const out = await admin.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (out.Contents ?? []).map((o) => o.Key ?? '').sort();
}

function eventFor(keys: string[]): ReturnType<typeof makeS3PutEvent> {
  return makeS3PutEvent(
    keys.map((k) => {
      const e = uploaded.get(k);
      return e ?? { bucket: SRC, key: k, size: 1000 }; // an object that is not there
    }),
  );
}

interface Logged {
  [field: string]: unknown;
}

async function invoke(
  h: ResizeHandler,
  event: unknown,
): Promise<{ summary?: Summary; error?: unknown; lines: Logged[] }> {
  const lines: Logged[] = [];
  const take = (line: unknown) => {
    if (typeof line === 'string' && line.startsWith('{')) lines.push(JSON.parse(line) as Logged);
  };
  const log = mock.method(console, 'log', take);
  const err = mock.method(console, 'error', take);
  try {
    return { summary: await h(event), lines };
  } catch (e) {
    return { error: e, lines };
  } finally {
    log.mock.restore();
    err.mock.restore();
  }
}

describe('resize handler against the local S3', () => {
  before(async () => {
    await admin.send(new CreateBucketCommand({ Bucket: SRC }));
    await admin.send(new CreateBucketCommand({ Bucket: DEST }));
    for (const o of [...GOOD, ...BAD]) {
      const body = fixture(o.file);
      const put = await admin.send(new PutObjectCommand({ Bucket: SRC, Key: o.key, Body: body }));
      uploaded.set(o.key, { bucket: SRC, key: o.key, size: body.length, eTag: (put.ETag ?? '').replace(/"/g, '') });
    }
    // The Lambda environment, set before the module (and its S3 client) is loaded.
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: server.url,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      DEST_BUCKET: DEST,
      THUMBNAIL_WIDTH: String(WIDTH),
    });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    const mod = await import('../../../handlers/resize/index.ts');
    handler = mod.handler;
  });

  it('writes a thumbnail for every good record; bad records fail alone, without a throw', async () => {
    const keys = [...GOOD.map((g) => g.key), ...BAD.map((b) => b.key)];
    const { summary, error, lines } = await invoke(handler, eventFor(keys));
    assert.equal(error, undefined);
    assert.ok(summary);
    assert.equal(summary.processed, keys.length);
    assert.deepEqual([...summary.written].sort(), GOOD.map((g) => `resized-${g.key}`).sort());
    assert.deepEqual(
      summary.failed,
      BAD.map((b) => ({ key: b.key, reason: b.reason })),
    );
    for (const g of GOOD) {
      const out = await admin.send(new GetObjectCommand({ Bucket: DEST, Key: `resized-${g.key}` }));
      const body = Buffer.from(await out.Body!.transformToByteArray());
      const m = await sharp(body, { animated: true }).metadata();
      assert.equal(out.ContentType, g.type, g.key);
      assert.equal(MIME_OF_DECODED[m.format], g.type, `${g.key} decodes as ${m.format}`);
      const frames = m.pages ?? 1;
      assert.deepEqual([m.width, frames > 1 ? m.pageHeight : m.height], [...g.size], g.key);
      if (g.key === 'animated.gif') assert.equal(frames, 4);
      if (g.key === 'alpha.png') assert.equal(m.hasAlpha, true);
    }
    // Nothing written into the source bucket; nothing else in the destination.
    assert.deepEqual(await listKeys(SRC), [...uploaded.keys()].sort());
    assert.deepEqual(await listKeys(DEST), GOOD.map((g) => `resized-${g.key}`).sort());
    // One structured line per record, errors naming bucket and key.
    const errors = lines.filter((l) => l.level === 'ERROR');
    assert.deepEqual(
      errors.map((l) => [l.event, l.reason, l.bucket, l.key, l.retryable]),
      BAD.map((b) => ['thumbnail_failed', b.reason, SRC, b.key, false]),
    );
    const written = lines.filter((l) => l.event === 'thumbnail_written');
    assert.equal(written.length, GOOD.length);
    const happy = written.find((l) => l.key === 'Happy Face (1) +été.jpg');
    assert.equal(happy?.sourceBytes, fixture('Happy Face (1) +été.jpg').length);
    assert.equal(happy?.width, 120);
    assert.equal(typeof happy?.outputBytes, 'number');
    assert.equal(typeof happy?.ms, 'number');
  });

  it('handles the same event wrapped in SNS', async () => {
    const { summary } = await invoke(handler, wrapInSns(eventFor(['alpha.png'])));
    assert.deepEqual(summary, { processed: 1, written: ['resized-alpha.png'], failed: [], skipped: [] });
  });

  it('an object deleted before the event is handled is a permanent failure', async () => {
    const { summary, error } = await invoke(handler, eventFor(['gone.jpg', 'tiny-150px.jpg']));
    assert.equal(error, undefined);
    assert.deepEqual(summary?.failed, [{ key: 'gone.jpg', reason: 'object_not_found' }]);
    assert.deepEqual(summary?.written, ['resized-tiny-150px.jpg']);
  });

  it('refuses DEST_BUCKET = source bucket, and reports a missing destination bucket', async () => {
    const before = await listKeys(SRC);
    try {
      process.env.DEST_BUCKET = SRC;
      const loop = await invoke(handler, eventFor(['alpha.png']));
      assert.deepEqual(loop.summary?.failed, [{ key: 'alpha.png', reason: 'source_is_destination' }]);
      process.env.DEST_BUCKET = 'no-such-bucket';
      const missing = await invoke(handler, eventFor(['alpha.png']));
      assert.equal(missing.error, undefined);
      assert.deepEqual(missing.summary?.failed, [{ key: 'alpha.png', reason: 'destination_bucket_missing' }]);
    } finally {
      process.env.DEST_BUCKET = DEST;
    }
    assert.deepEqual(await listKeys(SRC), before);
  });

  it('wrong credentials fail the invocation (retried), after every record', async () => {
    const s3 = new S3Client({
      ...server.clientConfig({ credentials: { accessKeyId: 'test', secretAccessKey: 'wrong' } }),
    });
    const h = createHandler({ s3, env: { DEST_BUCKET: DEST } });
    const { error, lines } = await invoke(h, eventFor(['alpha.png', 'exif-rotated-6.jpg']));
    assert.ok(error instanceof RetryableInvocationError, String(error));
    assert.deepEqual(error.failed, [
      { key: 'alpha.png', reason: 'credentials' },
      { key: 'exif-rotated-6.jpg', reason: 'credentials' },
    ]);
    assert.deepEqual(
      lines.map((l) => [l.key, l.error, l.retryable]),
      [
        ['alpha.png', 'SignatureDoesNotMatch', true],
        ['exif-rotated-6.jpg', 'SignatureDoesNotMatch', true],
      ],
    );
    s3.destroy();
  });

  it(
    'AccessDenied on PutObject (role without s3:PutObject) ' + 'fails the invocation; bad images still fail alone',
    async () => {
      const iam = new IAMClient(server.clientConfig());
      const trust = {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }],
      };
      await iam.send(
        new CreateRoleCommand({ RoleName: 'resize-readonly', AssumeRolePolicyDocument: JSON.stringify(trust) }),
      );
      const policy = {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${SRC}/*` }],
      };
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: 'resize-readonly',
          PolicyName: 'read-source',
          PolicyDocument: JSON.stringify(policy),
        }),
      );
      const sts = new STSClient(server.clientConfig());
      const c = (
        await sts.send(
          new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/resize-readonly`, RoleSessionName: 'resize' }),
        )
      ).Credentials;
      assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
      const s3 = new S3Client(
        server.clientConfig({
          credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
        }),
      );
      const h = createHandler({ s3, env: { DEST_BUCKET: DEST } });
      const { error } = await invoke(h, eventFor(['tiny-150px.jpg', 'notes/not an image.jpg']));
      assert.ok(error instanceof RetryableInvocationError, String(error));
      assert.deepEqual(error.failed, [{ key: 'tiny-150px.jpg', reason: 'access_denied' }]);
      assert.match(error.message, /1 of 2 record/);
      iam.destroy();
      sts.destroy();
      s3.destroy();
    },
  );
});

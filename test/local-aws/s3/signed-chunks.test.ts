// aws-chunked bodies with per-chunk signatures (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]), as
// other SDKs and older clients send them: every chunk's signature chains from the request's, and a
// signed trailer may carry the checksum. Hand-made, since the JS SDK sends unsigned chunks.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  chunkStringToSign,
  credentialScope,
  signature,
  signHeaders,
  signingKey,
  trailerStringToSign,
} from '../../../local-aws/core/sigv4.ts';
import { ROOT, type TestServer } from '../../support/local-aws.ts';
import { startS3WithBucket } from '../../support/s3.ts';
import { errorCode, s3Raw, type RawResponse } from '../../support/s3-raw.ts';

let server: TestServer;
let s3: S3Client;
const B = 'signed-chunks';

before(async () => ({ server, s3 } = await startS3WithBucket(B)));
after(() => server.stopAndRemove());

interface ChunkedPut {
  key: string;
  chunks: Buffer[];
  /** A trailing `x-amz-checksum-sha1` (its value as sent), signed: …-PAYLOAD-TRAILER. */
  sha1Trailer?: string;
  /** Index of the chunk whose signature is sent wrong (the last, empty chunk is chunks.length). */
  badChunk?: number;
  badTrailerSignature?: boolean;
}

/** Sends a PUT whose body is framed and signed chunk by chunk the way S3 documents it. */
async function putSignedChunks(p: ChunkedPut): Promise<RawResponse> {
  const decoded = Buffer.concat(p.chunks);
  const all = [...p.chunks, Buffer.alloc(0)];
  // Every chunk header has the same length whatever its signature, so the framed length is known first.
  const sigExt = ';chunk-signature=' + '0'.repeat(64);
  let length = all.reduce((n, c) => n + c.length.toString(16).length + sigExt.length + 2 + c.length + 2, 0);
  const trailerLines = p.sha1Trailer === undefined ? '' : `x-amz-checksum-sha1:${p.sha1Trailer}\n`;
  // With a trailer, it replaces the empty line after the final chunk.
  if (p.sha1Trailer !== undefined)
    length += `x-amz-checksum-sha1:${p.sha1Trailer}\r\nx-amz-trailer-signature:${'0'.repeat(64)}\r\n\r\n`.length - 2;

  const url = new URL(`${server.url}/${B}/${p.key}`);
  const date = new Date();
  const payload =
    p.sha1Trailer === undefined ? 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' : 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
  const extra: Record<string, string> = {
    'content-encoding': 'aws-chunked',
    'content-length': String(length),
    'x-amz-decoded-content-length': String(decoded.length),
  };
  if (p.sha1Trailer !== undefined) extra['x-amz-trailer'] = 'x-amz-checksum-sha1';
  const headers = signHeaders({
    method: 'PUT',
    url,
    headers: extra,
    body: '',
    region: 'us-east-1',
    service: 's3',
    ...ROOT,
    date,
    payloadHash: payload,
  });
  const amzDate = headers['x-amz-date']!;
  const scope = credentialScope(amzDate.slice(0, 8), 'us-east-1', 's3');
  const key = signingKey(ROOT.secretAccessKey, amzDate.slice(0, 8), 'us-east-1', 's3');
  let previous = /Signature=([0-9a-f]{64})/.exec(headers['authorization']!)![1]!;
  const pieces: Buffer[] = [];
  all.forEach((chunk, i) => {
    const sig = signature(key, chunkStringToSign(amzDate, scope, previous, chunk));
    previous = sig;
    const sent = i === p.badChunk ? sig.replace(/^./, (c) => (c === '0' ? '1' : '0')) : sig;
    pieces.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${sent}\r\n`), chunk, Buffer.from('\r\n'));
  });
  if (p.sha1Trailer !== undefined) {
    pieces.pop(); // the trailer follows the final chunk header directly
    const trailerSig = signature(key, trailerStringToSign(amzDate, scope, previous, trailerLines));
    const sent = p.badTrailerSignature ? trailerSig.replace(/^./, (c) => (c === '0' ? '1' : '0')) : trailerSig;
    pieces.push(Buffer.from(`x-amz-checksum-sha1:${p.sha1Trailer}\r\nx-amz-trailer-signature:${sent}\r\n\r\n`));
  }
  const body = Buffer.concat(pieces);
  assert.equal(body.length, length, 'framed length');
  return s3Raw(server.url, { method: 'PUT', path: url.pathname, headers, body, unsigned: true });
}

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('base64');
const chunks = [Buffer.alloc(65536, 'a'), Buffer.from('the last, short chunk')];

async function stored(key: string): Promise<Buffer> {
  const r = await s3.send(new GetObjectCommand({ Bucket: B, Key: key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

describe('S3 aws-chunked with chunk signatures', () => {
  it('stores a correctly signed body, de-framed', async () => {
    const res = await putSignedChunks({ key: 'good', chunks });
    assert.equal(res.status, 200, res.text);
    assert.ok((await stored('good')).equals(Buffer.concat(chunks)));
  });

  it('refuses a wrong signature on a data chunk or on the final chunk with 403 SignatureDoesNotMatch', async () => {
    for (const badChunk of [1, chunks.length]) {
      const res = await putSignedChunks({ key: `bad-${badChunk}`, chunks, badChunk });
      assert.equal(res.status, 403, res.text);
      assert.equal(errorCode(res), 'SignatureDoesNotMatch');
      await assert.rejects(s3.send(new GetObjectCommand({ Bucket: B, Key: `bad-${badChunk}` })), { name: 'NoSuchKey' });
    }
  });

  it(
    'checks a signed trailer: right sha1 -> 200, wrong ' + 'sha1 -> BadDigest, wrong trailer signature -> 403',
    async () => {
      const body = Buffer.concat(chunks);
      const ok = await putSignedChunks({ key: 'trailer', chunks, sha1Trailer: sha1(body) });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.headers['x-amz-checksum-sha1'], sha1(body));
      assert.ok((await stored('trailer')).equals(body));

      const wrong = await putSignedChunks({
        key: 'wrong-sha1',
        chunks,
        sha1Trailer: sha1(Buffer.from('something else')),
      });
      assert.equal(wrong.status, 400, wrong.text);
      assert.equal(errorCode(wrong), 'BadDigest');
      assert.match(wrong.text, /<Message>The SHA1 you specified did not match the calculated checksum\.<\/Message>/);

      const forged = await putSignedChunks({
        key: 'forged-trailer',
        chunks,
        sha1Trailer: sha1(body),
        badTrailerSignature: true,
      });
      assert.equal(forged.status, 403, forged.text);
      assert.equal(errorCode(forged), 'SignatureDoesNotMatch');
    },
  );
});

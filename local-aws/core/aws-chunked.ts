// De-framing of `Content-Encoding: aws-chunked` bodies (S3 streaming uploads), with optional
// per-chunk signature checks and the trailing checksum header(s).
import { AwsError } from './errors.ts';
import { chunkStringToSign, signature, trailerStringToSign } from './sigv4.ts';

export interface ChunkSigning {
  key: Buffer;
  amzDate: string;
  scope: string;
  seedSignature: string;
  /** The trailer carries its own signature (…-PAYLOAD-TRAILER with signed chunks). */
  signedTrailer: boolean;
}

export interface DecodedChunks {
  body: Buffer;
  /** Trailer headers, lower-case names, e.g. `x-amz-checksum-crc32`. */
  trailers: Record<string, string>;
}

const CRLF = Buffer.from('\r\n');

function incomplete(detail: string): AwsError {
  return new AwsError('IncompleteBody', `The request body is not valid aws-chunked encoding: ${detail}.`, 400);
}

function signatureMismatch(): AwsError {
  return new AwsError(
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    403,
  );
}

export function decodeAwsChunked(raw: Buffer, signing?: ChunkSigning): DecodedChunks {
  const parts: Buffer[] = [];
  let pos = 0;
  let previous = signing?.seedSignature ?? '';
  for (;;) {
    const lineEnd = raw.indexOf(CRLF, pos);
    if (lineEnd < 0) throw incomplete('missing chunk header');
    const headerLine = raw.subarray(pos, lineEnd).toString('latin1');
    const [sizeText, ...extensions] = headerLine.split(';');
    if (!sizeText || !/^[0-9a-fA-F]+$/.test(sizeText.trim()))
      throw incomplete(`bad chunk size "${headerLine.slice(0, 40)}"`);
    const size = parseInt(sizeText.trim(), 16);
    const dataStart = lineEnd + 2;
    if (dataStart + size > raw.length) throw incomplete('chunk longer than the body');
    const chunk = raw.subarray(dataStart, dataStart + size);
    if (signing) {
      const sigExt = extensions.find((e) => e.trim().startsWith('chunk-signature='));
      if (!sigExt) throw signatureMismatch();
      const expected = signature(signing.key, chunkStringToSign(signing.amzDate, signing.scope, previous, chunk));
      if (sigExt.trim().slice('chunk-signature='.length) !== expected) throw signatureMismatch();
      previous = expected;
    }
    if (size === 0) {
      pos = dataStart;
      break;
    }
    parts.push(chunk);
    pos = dataStart + size;
    if (!raw.subarray(pos, pos + 2).equals(CRLF)) throw incomplete('chunk not followed by CRLF');
    pos += 2;
  }
  // Trailer: `name:value\r\n` lines, then an empty line (some clients omit the final CRLF).
  const trailers: Record<string, string> = {};
  const trailerLines: string[] = [];
  let trailerSignature: string | undefined;
  const rest = raw.subarray(pos).toString('latin1');
  for (const line of rest.split('\r\n')) {
    if (!line) continue;
    const colon = line.indexOf(':');
    if (colon < 0) throw incomplete('malformed trailer');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') trailerSignature = value;
    else {
      trailers[name] = value;
      trailerLines.push(`${name}:${value}\n`);
    }
  }
  if (signing?.signedTrailer && trailerLines.length > 0) {
    const expected = signature(
      signing.key,
      trailerStringToSign(signing.amzDate, signing.scope, previous, trailerLines.join('')),
    );
    if (trailerSignature !== expected) throw signatureMismatch();
  }
  return { body: Buffer.concat(parts), trailers };
}

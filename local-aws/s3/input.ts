// Request inputs S3 checks before it stores anything: keys, Content-MD5 and x-amz-checksum-*
// digests, the stored HTTP headers and user metadata, tags.
import { AwsError } from '../core/errors.ts';
import { createDigest, DIGEST_LENGTH, isChecksumAlgorithm, type ChecksumAlgorithm } from '../core/checksums.ts';
import type { AwsRequest } from '../core/request.ts';
import { invalidArgument } from './context.ts';
import type { ObjectHeaders } from './object-file.ts';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Keys are any UTF-8 up to 1024 bytes; this endpoint also refuses NUL (a key is never a path anyway). */
export function checkKey(key: string): void {
  if (LONE_SURROGATE.test(key)) throw new AwsError('InvalidURI', "Couldn't parse the specified URI.", 400);
  const size = Buffer.byteLength(key, 'utf8');
  if (size > 1024)
    throw new AwsError('KeyTooLongError', 'Your key is too long', 400, { MaxSizeAllowed: 1024, Size: size });
  if (key.includes('\0'))
    throw invalidArgument('Object key is not valid: it contains a NUL character.', 'key', key.replace(/\0/g, '\\0'));
}

export const ALGORITHM_NAMES: Record<ChecksumAlgorithm, string> = {
  crc32: 'CRC32',
  crc32c: 'CRC32C',
  crc64nvme: 'CRC64NVME',
  sha1: 'SHA1',
  sha256: 'SHA256',
};

function strictBase64(value: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return undefined;
  const raw = Buffer.from(value, 'base64');
  return raw.toString('base64') === value ? raw : undefined;
}

export interface BodyDigests {
  /** Hex MD5 of the body (the ETag of a single PUT). */
  md5: string;
  /** The x-amz-checksum-* value the client sent, verified. */
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

/** The checksum header a request carries (at most one), validated for shape but not yet compared. */
export function checksumHeader(req: AwsRequest): { algorithm: ChecksumAlgorithm; value: string } | undefined {
  const found = Object.keys(req.headers).filter(
    (h) => h.startsWith('x-amz-checksum-') && isChecksumAlgorithm(h.slice(15)),
  );
  if (found.length > 1)
    throw new AwsError(
      'InvalidRequest',
      'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.',
      400,
    );
  if (found.length === 0) return undefined;
  const algorithm = found[0]!.slice(15) as ChecksumAlgorithm;
  const value = req.headers[found[0]!]!.trim();
  const raw = strictBase64(value);
  if (!raw || raw.length !== DIGEST_LENGTH[algorithm])
    throw new AwsError('InvalidRequest', `Value for x-amz-checksum-${algorithm} header is invalid.`, 400);
  return { algorithm, value };
}

export function digestBase64(algorithm: ChecksumAlgorithm, body: Buffer): string {
  const d = createDigest(algorithm);
  d.update(body);
  return d.digest().toString('base64');
}

/** Verifies Content-MD5 and x-amz-checksum-* against the body (BadDigest, InvalidDigest, InvalidRequest). */
export function verifyBody(req: AwsRequest): BodyDigests {
  const md5 = createDigest('md5');
  md5.update(req.body);
  const md5Raw = md5.digest();
  const declared = req.headers['content-md5'];
  if (declared !== undefined) {
    const raw = strictBase64(declared.trim());
    if (!raw || raw.length !== 16)
      throw new AwsError('InvalidDigest', 'The Content-MD5 you specified was invalid.', 400, {
        'Content-MD5': declared,
      });
    if (!raw.equals(md5Raw))
      throw new AwsError('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400, {
        ExpectedDigest: raw.toString('hex'),
        CalculatedDigest: md5Raw.toString('base64'),
      });
  }
  const checksum = checksumHeader(req);
  if (checksum && digestBase64(checksum.algorithm, req.body) !== checksum.value)
    throw new AwsError(
      'BadDigest',
      `The ${ALGORITHM_NAMES[checksum.algorithm]} you specified did not match the calculated checksum.`,
      400,
    );
  return { md5: md5Raw.toString('hex'), checksum };
}

/** Checksum algorithm named by `x-amz-checksum-algorithm` (CreateMultipartUpload, CopyObject). */
export function requestedAlgorithm(req: AwsRequest): ChecksumAlgorithm | undefined {
  const value = req.headers['x-amz-checksum-algorithm'] ?? req.headers['x-amz-sdk-checksum-algorithm'];
  if (value === undefined || value === '') return undefined;
  const lower = value.trim().toLowerCase();
  if (!isChecksumAlgorithm(lower))
    throw new AwsError(
      'InvalidRequest',
      'Checksum algorithm provided is unsupported. ' +
        'Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]',
      400,
    );
  return lower;
}

const STORAGE_CLASSES = new Set([
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'DEEP_ARCHIVE',
  'OUTPOSTS',
  'GLACIER_IR',
  'SNOW',
  'EXPRESS_ONEZONE',
]);

const MAX_METADATA = 2048;

/** The headers S3 keeps with an object (PutObject, CreateMultipartUpload, CopyObject REPLACE). */
export function objectHeaders(req: AwsRequest): ObjectHeaders {
  const h = req.headers;
  const metadata: Record<string, string> = {};
  let size = 0;
  for (const [name, value] of Object.entries(h)) {
    if (!name.startsWith('x-amz-meta-')) continue;
    const short = name.slice('x-amz-meta-'.length);
    metadata[short] = value;
    size += Buffer.byteLength(short, 'latin1') + Buffer.byteLength(value, 'latin1');
  }
  if (size > MAX_METADATA)
    throw new AwsError('MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size', 400, {
      MaxSizeAllowed: MAX_METADATA,
      Size: size,
    });
  const storageClass = h['x-amz-storage-class'];
  if (storageClass !== undefined && !STORAGE_CLASSES.has(storageClass))
    throw new AwsError('InvalidStorageClass', 'The storage class you specified is not valid', 400, {
      StorageClassRequested: storageClass,
    });
  return {
    contentType: h['content-type'],
    cacheControl: h['cache-control'],
    contentDisposition: h['content-disposition'],
    contentEncoding: h['content-encoding'],
    contentLanguage: h['content-language'],
    expires: h['expires'],
    storageClass: storageClass === 'STANDARD' ? undefined : storageClass,
    websiteRedirectLocation: h['x-amz-website-redirect-location'],
    metadata,
  };
}

export function pickHeaders(from: ObjectHeaders): ObjectHeaders {
  const {
    contentType,
    cacheControl,
    contentDisposition,
    contentEncoding,
    contentLanguage,
    expires,
    storageClass,
    websiteRedirectLocation,
    metadata,
  } = from;
  return {
    contentType,
    cacheControl,
    contentDisposition,
    contentEncoding,
    contentLanguage,
    expires,
    storageClass,
    websiteRedirectLocation,
    metadata,
  };
}

export function invalidTag(message: string): AwsError {
  return new AwsError('InvalidTag', message, 400);
}

/** Checks a tag set (object: at most 10, bucket: at most 50). */
export function checkTags(tags: Array<[string, string]>, kind: 'object' | 'bucket'): Array<[string, string]> {
  const max = kind === 'object' ? 10 : 50;
  if (tags.length > max)
    throw new AwsError(
      'BadRequest',
      kind === 'object' ? 'Object tags cannot be greater than 10' : 'Bucket tag count cannot be greater than 50',
      400,
    );
  const seen = new Set<string>();
  for (const [k, v] of tags) {
    if (seen.has(k)) throw invalidTag('Cannot provide multiple Tags with the same key');
    seen.add(k);
    if (k.length === 0 || k.length > 128) throw invalidTag('The TagKey you have provided is invalid');
    if (v.length > 256) throw invalidTag('The TagValue you have provided is invalid');
    if (k.toLowerCase().startsWith('aws:')) throw invalidTag('System tags cannot be added/updated by requester');
  }
  return tags;
}

/** `x-amz-tagging: k1=v1&k2=v2` (a URL query string). */
export function taggingHeader(req: AwsRequest): Array<[string, string]> | undefined {
  const value = req.headers['x-amz-tagging'];
  if (value === undefined || value === '') return undefined;
  const pairs: Array<[string, string]> = [];
  for (const part of value.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        throw invalidTag('The header x-amz-tagging is not a valid URL-encoded query string');
      }
    };
    pairs.push([decode(eq < 0 ? part : part.slice(0, eq)), decode(eq < 0 ? '' : part.slice(eq + 1))]);
  }
  // S3 keeps header tags sorted by key (GetObjectTagging answers them in that order).
  return checkTags(pairs, 'object').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * A header value that came from a URL (response-* overrides): UTF-8 bytes as a latin1 string, no control
 * characters.
 */
export function headerValue(name: string, value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\0-\x08\x0a-\x1f\x7f]/.test(value))
    throw invalidArgument(`Header value for ${name} contains invalid characters`, name, value);
  return Buffer.from(value, 'utf8').toString('latin1');
}

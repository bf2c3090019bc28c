// Failure classes of the resize handler. A PERMANENT failure is a property of one object (or of a
// configuration a retry cannot fix): it is logged and reported, and the other records go on. A
// TRANSIENT failure is a property of the environment (throttling, 5xx, network, credentials/IAM not
// yet consistent): the invocation fails after all records so Lambda retries it (and, after the
// retries, hands the event to a DLQ / on-failure destination instead of dropping it).

/** Problems with the image bytes themselves. */
export type ImageReason =
  | 'empty' // zero bytes
  | 'too_large' // more bytes than MAX_INPUT_BYTES
  | 'too_many_pixels' // declared dimensions over MAX_INPUT_PIXELS (decompression bomb): never decoded
  | 'unsupported_type' // recognised, but not a raster type we resize (SVG, PDF, HEIC, BMP, ...)
  | 'not_an_image' // no known image signature
  | 'corrupt'; // signature ok, but the decoder refused it (truncated, bad data, bad header)

/** Problems with one record or its object that a retry cannot fix. */
export type RecordReason =
  | 'source_is_destination' // DEST_BUCKET equals the record's bucket: writing would loop
  | 'invalid_key_encoding' // the event's key is not valid %-encoding
  | 'malformed_record' // an S3 record without bucket name or key, or an SNS message that is not JSON
  | 'object_not_found' // NoSuchKey / NoSuchBucket on GetObject: deleted after the event
  | 'object_unavailable' // InvalidObjectState: archived (Glacier) object
  | 'destination_bucket_missing'; // NoSuchBucket on PutObject

export type PermanentReason = ImageReason | RecordReason;

export type TransientReason =
  | 'throttled' // SlowDown, 503, 429, ...
  | 's3_server_error' // other 5xx
  | 'network' // no HTTP answer: refused, reset, timeout, DNS
  | 'access_denied' // AccessDenied: IAM may still be propagating after a deploy
  | 'credentials' // InvalidAccessKeyId, SignatureDoesNotMatch, ExpiredToken, ...
  | 'unexpected'; // anything unclassified: fail loudly rather than drop the object

export type Reason = PermanentReason | TransientReason;

export type Details = Record<string, string | number | boolean>;

export abstract class ThumbnailError extends Error {
  abstract readonly permanent: boolean;
  constructor(
    readonly reason: Reason,
    message: string,
    readonly details: Details = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class PermanentError extends ThumbnailError {
  override readonly name: string = 'PermanentError';
  readonly permanent = true;
  declare readonly reason: PermanentReason;
  constructor(reason: PermanentReason, message: string, details?: Details, options?: { cause?: unknown }) {
    super(reason, message, details, options);
  }
}

/** A permanent failure caused by the image bytes (thrown by image.ts). */
export class ImageError extends PermanentError {
  override readonly name = 'ImageError';
  declare readonly reason: ImageReason;
  constructor(reason: ImageReason, message: string, details?: Details, options?: { cause?: unknown }) {
    super(reason, message, details, options);
  }
}

export class TransientError extends ThumbnailError {
  override readonly name = 'TransientError';
  readonly permanent = false;
  declare readonly reason: TransientReason;
  constructor(reason: TransientReason, message: string, details?: Details, options?: { cause?: unknown }) {
    super(reason, message, details, options);
  }
}

/** Thrown by the handler after all records when at least one failed transiently, so Lambda retries. */
export class RetryableInvocationError extends Error {
  override readonly name = 'RetryableInvocationError';
  constructor(
    message: string,
    readonly failed: ReadonlyArray<{ key: string; reason: Reason }>,
  ) {
    super(message);
  }
}

export function isThumbnailError(err: unknown): err is ThumbnailError {
  return err instanceof ThumbnailError;
}

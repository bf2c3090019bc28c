// One error type for every service. Each protocol codec renders it in its own envelope
// (S3 XML, query XML, rest-json, JSON 1.1), so services only say what went wrong.
export class AwsError extends Error {
  constructor(
    /** The wire code clients turn into an exception name, e.g. `NoSuchBucket`. */
    readonly code: string,
    message: string,
    readonly status = 400,
    /** Extra child elements (S3 XML) or body keys (JSON) AWS sends with this code. */
    readonly fields: Record<string, string | number> = {},
    /** Extra response headers, e.g. `Retry-After`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = code;
  }

  get isServerFault(): boolean {
    return this.status >= 500;
  }
}

/** An operation the local endpoint does not implement: a clear 501-style error, never a silent 200. */
export function notImplemented(service: string, operation: string): AwsError {
  return new AwsError(
    'NotImplemented',
    `The local AWS endpoint does not support ${service} operation ${operation}. ` +
      'See docs/local-endpoint.md ("What it supports") for the supported operations.',
    501,
  );
}

/** Wraps anything thrown by a handler that is not an AwsError: a genuine server fault. */
export function internalError(err: unknown): AwsError {
  const detail = err instanceof Error ? err.message : String(err);
  return new AwsError('InternalError', `We encountered an internal error. Please try again. (${detail})`, 500);
}

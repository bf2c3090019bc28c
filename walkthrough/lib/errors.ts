// Errors a user can act on. Entry points print `message` (and `hint`) without a stack trace.
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** The error's AWS code (`err.name` for SDK v3 errors), or undefined. */
export function awsCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'name' in err && typeof err.name === 'string') return err.name;
  return undefined;
}

export function httpStatus(err: unknown): number | undefined {
  const meta = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  return meta?.httpStatusCode;
}

export function isNotFound(err: unknown): boolean {
  const code = awsCode(err);
  return (
    code === 'NoSuchEntity' ||
    code === 'NoSuchEntityException' ||
    code === 'NoSuchBucket' ||
    code === 'NotFound' ||
    code === 'ResourceNotFoundException' ||
    code === 'NoSuchKey' ||
    code === 'NoSuchUpload' ||
    httpStatus(err) === 404
  );
}

/** Where the current command talks to, for messages about an endpoint that does not answer (set by connect). */
export const errorContext: { target?: 'local' | 'aws' | 'endpoint'; endpoint?: string; region?: string } = {};

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** Node's network error code (ECONNREFUSED, ENOTFOUND, ...), when that is what this is. */
export function networkCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  // The SDK's request timeout (no answer within the socket or connection timeout).
  if (awsCode(err) === 'TimeoutError' && !(err instanceof Error && err.message.startsWith('{'))) return 'timeout';
  return undefined;
}

function unreachable(code: string, message: string): { message: string; hint: string } {
  const { target, endpoint, region } = errorContext;
  const what =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? 'its host name does not resolve'
      : code === 'ECONNREFUSED'
        ? 'nothing is listening there'
        : code === 'timeout'
          ? 'it did not answer in time'
          : 'the connection failed';
  if (target === 'local')
    return {
      message: `The local AWS endpoint at ${endpoint} does not answer (${code}: ${what}).`,
      hint:
        'Start it with `npm run local:start` (`npm run local:status` shows whether it runs), ' +
        'then re-run this step: it resumes.',
    };
  if (target === 'endpoint')
    return {
      message: `The endpoint ${endpoint} (AWS_ENDPOINT_URL) does not answer (${code}: ${what}).`,
      hint:
        'Start that service, or fix AWS_ENDPOINT_URL (or --endpoint-url); ' +
        "unset it to use the project's local endpoint (TARGET=local) or real AWS (TARGET=aws).",
    };
  return {
    message: `AWS does not answer${region ? ` in region ${region}` : ''} (${code}: ${message}).`,
    hint:
      'Check your network connection (and proxy), and that the region is right (AWS_REGION or --region); ' +
      'then re-run this step: it resumes.',
  };
}

/** Turns AWS and credential errors into messages that say what to do. */
export function explain(err: unknown): { message: string; hint?: string } {
  if (err instanceof UserError) return { message: err.message, hint: err.hint };
  const code = awsCode(err);
  const message = err instanceof Error ? err.message : String(err);
  const network = networkCode(err);
  if (network) return unreachable(network, message);
  switch (code) {
    case 'ResourceConflictException':
      return {
        message:
          'Lambda refused the change: another change to the function is still in progress, ' +
          `even after retrying (ResourceConflictException: ${message}).`,
        hint:
          'Wait for it to finish (`aws lambda wait function-updated-v2 --function-name <name>`), ' +
          'then re-run this step: it resumes.',
      };
    case 'BucketNotEmpty':
      return {
        message:
          `A bucket could not be deleted: it is not empty (BucketNotEmpty: ${message}). ` +
          'Something wrote to it while teardown was emptying it.',
        hint:
          'Re-run teardown: it empties the bucket again (every version, delete marker and unfinished upload) ' +
          'and resumes.',
      };
    case 'DeleteConflict':
      return {
        message: `IAM refused to delete the role: it still has policies (DeleteConflict: ${message}).`,
        hint: 'Re-run teardown: it deletes the inline policies and detaches the managed ones first, then the role.',
      };
    case 'TooManyRequestsException':
    case 'Throttling':
    case 'ThrottlingException':
    case 'SlowDown':
      return {
        message: `AWS is throttling the requests, even after retrying (${code}: ${message}).`,
        hint: 'Wait a minute, then re-run this step: it resumes.',
      };
    case 'CredentialsProviderError':
      return {
        message: `No AWS credentials found: ${message}`,
        hint:
          'Set AWS_PROFILE (and run `aws sso login --profile <name>` for SSO), ' +
          'or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.',
      };
    case 'ExpiredToken':
    case 'ExpiredTokenException':
    case 'TokenRefreshRequired':
      return {
        message: `Your AWS session has expired (${code}).`,
        hint:
          'Log in again, e.g. `aws sso login --profile <name>`, ' +
          'then re-run this step: it resumes where it stopped.',
      };
    case 'InvalidClientTokenId':
    case 'UnrecognizedClientException':
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
      return {
        message: `AWS refused the credentials (${code}): ${message}`,
        hint: 'Check AWS_PROFILE / AWS_ACCESS_KEY_ID and the secret key.',
      };
    case 'AccessDenied':
    case 'AccessDeniedException':
      return {
        message: `Access denied (${code}): ${message}`,
        hint:
          'The credentials in use lack a permission this step needs; use an identity allowed to manage ' +
          'IAM roles, S3 buckets, Lambda functions and CloudWatch Logs.',
      };
    default:
      return { message: code && !message.startsWith(code) ? `${code}: ${message}` : message };
  }
}

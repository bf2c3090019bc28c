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

/** Turns AWS and credential errors into messages that say what to do. */
export function explain(err: unknown): { message: string; hint?: string } {
  if (err instanceof UserError) return { message: err.message, hint: err.hint };
  const code = awsCode(err);
  const message = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'CredentialsProviderError':
      return {
        message: `No AWS credentials found: ${message}`,
        hint: 'Set AWS_PROFILE (and run `aws sso login --profile <name>` for SSO), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.',
      };
    case 'ExpiredToken':
    case 'ExpiredTokenException':
    case 'TokenRefreshRequired':
      return {
        message: `Your AWS session has expired (${code}).`,
        hint: 'Log in again, e.g. `aws sso login --profile <name>`, then re-run this step: it resumes where it stopped.',
      };
    case 'InvalidClientTokenId':
    case 'UnrecognizedClientException':
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
      return { message: `AWS refused the credentials (${code}): ${message}`, hint: 'Check AWS_PROFILE / AWS_ACCESS_KEY_ID and the secret key.' };
    case 'AccessDenied':
    case 'AccessDeniedException':
      return {
        message: `Access denied (${code}): ${message}`,
        hint: 'The credentials in use lack a permission this step needs; use an identity allowed to manage IAM roles, S3 buckets, Lambda functions and CloudWatch Logs.',
      };
    default:
      return { message: code && !message.startsWith(code) ? `${code}: ${message}` : message };
  }
}

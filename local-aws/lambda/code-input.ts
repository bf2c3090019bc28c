// A request's `Code`: uploaded in the request, or read from the local S3 with the caller's rights.
import { AwsError } from '../core/errors.ts';
import type { AwsRequest } from '../core/request.ts';
import type { CodeInput } from './code.ts';
import type { LambdaBackend } from './context.ts';
import { invalidParameter, type LambdaInput } from './input.ts';

/** `Code.ZipFile` (base64 in the JSON) or `S3Bucket`/`S3Key` in the local S3, read with the caller's rights. */
export async function readCodeInput(
  code: LambdaInput,
  req: AwsRequest,
  backend: Pick<LambdaBackend, 'decide' | 's3'>,
): Promise<CodeInput> {
  if (code.has('ImageUri'))
    throw invalidParameter('Container images (ImageUri) are not supported by the local AWS endpoint.');
  const zipFile = code.str('ZipFile');
  const bucket = code.str('S3Bucket', { min: 3, max: 63 });
  const key = code.str('S3Key', { min: 1, max: 1024 });
  if (zipFile !== undefined) {
    if (bucket !== undefined || key !== undefined)
      throw invalidParameter('Please do not provide other FunctionCode parameters when providing a ZipFile.');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(zipFile))
      throw invalidParameter('Could not unzip uploaded file. Please check your file, then try to upload again.');
    return { zip: Buffer.from(zipFile, 'base64'), source: 'ZipFile' };
  }
  if (bucket === undefined || key === undefined) throw invalidParameter('Please provide a source for function code.');
  if (code.has('S3ObjectVersion'))
    throw invalidParameter('S3ObjectVersion is not supported by the local AWS endpoint.');
  const s3Error = (c: string, m: string) =>
    invalidParameter(`Error occurred while GetObject. S3 Error Code: ${c}. S3 Error Message: ${m}`);
  if (backend.decide(req.caller, 's3:GetObject', `arn:aws:s3:::${bucket}/${key}`) !== 'allow')
    throw s3Error('AccessDenied', 'Access Denied');
  try {
    return { zip: await backend.s3.getObjectBytes(bucket, key), source: 'S3' };
  } catch (e) {
    if (e instanceof AwsError && e.status < 500) throw s3Error(e.code, e.message);
    throw e;
  }
}

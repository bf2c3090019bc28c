// The set-up most S3 test files share: a fresh endpoint, an SDK S3 client for it, one bucket.
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { LocalAwsConfig } from '../../local-aws/config.ts';
import { startTestServer, type TestServer } from './local-aws.ts';

export async function startS3WithBucket(
  bucket: string,
  overrides: Partial<LocalAwsConfig> = {},
): Promise<{ server: TestServer; s3: S3Client }> {
  const server = await startTestServer(overrides);
  const s3 = new S3Client(server.clientConfig());
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return { server, s3 };
}

// Pieces of the Lambda benchmark: the handlers it deploys, zips, roles, SDK clients, REPORT lines.
import { AttachRolePolicyCommand, CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { zipSync } from 'fflate';
import { parseReport } from '../../walkthrough/lib/report-line.ts';
import { lambdaTrustPolicy } from '../../walkthrough/lib/policies.ts';

/** The empty handler both sides run (ours from a zip, lambda-local from the same file on disk). */
export const EMPTY_HANDLER = 'export const handler = async () => {};\n';

/** Writes `done/<key>` to the bucket in DEST: the side effect the upload benchmark waits for. */
export const S3_DONE_HANDLER = `import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
const s3 = new S3Client({});
export const handler = async (event) => {
  for (const record of event.Records) {
    const key = decodeURIComponent(record.s3.object.key.replace(/\\+/g, ' '));
    await s3.send(new PutObjectCommand({ Bucket: process.env.DEST, Key: 'done/' + key, Body: String(Date.now()) }));
  }
};
`;

export function zipOf(files: Record<string, string>): Buffer {
  const entries: Record<string, Uint8Array> = {};
  for (const [name, text] of Object.entries(files)) entries[name] = Buffer.from(text);
  return Buffer.from(zipSync(entries, { mtime: new Date('2024-01-01T00:00:00Z') }));
}

export interface Clients {
  lambda: LambdaClient;
  iam: IAMClient;
  s3: S3Client;
}

export function clients(endpoint: string): Clients {
  const config = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  };
  return {
    lambda: new LambdaClient(config),
    iam: new IAMClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
  };
}

export const LAMBDA_TRUST = JSON.stringify(lambdaTrustPolicy());

/** A role trusted by Lambda (or `trust`), with the basic execution policy and optional extra statements. */
export async function createRole(
  iam: IAMClient,
  name: string,
  statements: Array<{ Effect: string; Action: string | string[]; Resource: string | string[] }> = [],
  trust = LAMBDA_TRUST,
): Promise<string> {
  const role = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
  await iam.send(
    new AttachRolePolicyCommand({
      RoleName: name,
      PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
    }),
  );
  if (statements.length > 0)
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: name,
        PolicyName: 'extra',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
      }),
    );
  return role.Role!.Arn!;
}

/** `Init Duration` of the REPORT line in an Invoke's LogResult (base64 log tail), if any. */
export function initDurationOf(logResult: string | undefined): number | undefined {
  return logResult ? parseReport(Buffer.from(logResult, 'base64').toString('utf8'))?.initDurationMs : undefined;
}

import type { Readable } from 'node:stream';

export type ServiceName = 's3' | 'iam' | 'sts' | 'logs' | 'lambda' | 'sns';

/** Who signed the request: the local root credentials, or a session issued by the local STS. */
export type Caller = RootCaller | SessionCaller;

export interface RootCaller {
  kind: 'root';
  accountId: string;
  accessKeyId: string;
  arn: string;
  userId: string;
}

export interface SessionCaller {
  kind: 'session';
  accountId: string;
  accessKeyId: string;
  /** `arn:aws:sts::<acct>:assumed-role/<role>/<session>` */
  arn: string;
  /** `<RoleId>:<session>` */
  userId: string;
  roleName: string;
  roleArn: string;
  sessionName: string;
  expiration: Date;
  /** Session policies passed to AssumeRole (JSON texts): they can only narrow the role's permissions. */
  sessionPolicies?: string[];
}

/** A request that passed SigV4: body fully read and de-chunked, caller known. */
export interface AwsRequest {
  requestId: string;
  service: ServiceName;
  region: string;
  method: string;
  /** Path exactly as sent (still percent-encoded). */
  rawPath: string;
  /** Path percent-decoded. */
  path: string;
  query: URLSearchParams;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  caller: Caller;
  sourceIp: string;
  /** Virtual-hosted-style bucket taken from the Host header, if any. */
  hostBucket?: string;
}

export interface AwsResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer | Readable;
}

export function header(req: Pick<AwsRequest, 'headers'>, name: string): string | undefined {
  return req.headers[name.toLowerCase()];
}

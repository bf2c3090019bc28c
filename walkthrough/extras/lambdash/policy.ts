// The role's documents: Lambda may assume it; it may write its own logs and put objects into its
// output bucket. Nothing else: it cannot read that bucket (the client reads with your credentials),
// nor touch any other bucket or service.
import { lambdaTrustPolicy, type PolicyDocument } from '../../lib/policies.ts';
import type { LambdashNames } from './context.ts';

export { lambdaTrustPolicy };

export function lambdashPolicy(n: LambdashNames, partition: string, region: string, accountId: string): PolicyDocument {
  const logGroupArn = `arn:${partition}:logs:${region}:${accountId}:log-group:${n.logGroup}`;
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'PutOutput', Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:${partition}:s3:::${n.bucket}/*` },
      // lambdash creates the log group itself (with a retention), so the role need not.
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `${logGroupArn}:*`,
      },
    ],
  };
}

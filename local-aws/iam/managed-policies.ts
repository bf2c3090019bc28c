// AWS managed policies the local IAM knows (ARN `arn:aws:iam::aws:policy/…`). Their texts and ids are
// AWS's own (docs/local-aws/protocols.md#managed-policies); they cannot be changed or deleted, only attached.

export interface AwsManagedPolicy {
  policyName: string;
  policyId: string;
  arn: string;
  path: string;
  description: string;
  defaultVersionId: string;
  /** ISO 8601 */
  createDate: string;
  updateDate: string;
  /** JSON text of the default version. */
  document: string;
}

export const AWS_MANAGED_POLICIES: readonly AwsManagedPolicy[] = [
  {
    policyName: 'AWSLambdaBasicExecutionRole',
    policyId: 'ANPAJNCQGXC42545SKXIK',
    arn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
    path: '/service-role/',
    description: 'Provides write permissions to CloudWatch Logs.',
    defaultVersionId: 'v1',
    createDate: '2015-04-09T15:03:43Z',
    updateDate: '2015-04-09T15:03:43Z',
    document: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: '*',
        },
      ],
    }),
  },
  {
    policyName: 'AWSLambdaExecute',
    policyId: 'ANPAJE5FX7FQZSU5XAKGO',
    arn: 'arn:aws:iam::aws:policy/AWSLambdaExecute',
    path: '/',
    description: 'Provides Put, Get access to S3 and full access to CloudWatch Logs.',
    defaultVersionId: 'v1',
    createDate: '2015-02-06T18:40:46Z',
    updateDate: '2015-02-06T18:40:46Z',
    document: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['logs:*'], Resource: 'arn:aws:logs:*:*:*' },
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::*' },
      ],
    }),
  },
];

const BY_ARN = new Map(AWS_MANAGED_POLICIES.map((p) => [p.arn, p]));

export function awsManagedPolicy(arn: string): AwsManagedPolicy | undefined {
  return BY_ARN.get(arn);
}

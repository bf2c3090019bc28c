// IAM enforcement end to end: a role's session credentials (from AssumeRole through the SDK) may do
// exactly what the role's inline and managed policies allow, on Logs and on IAM itself.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListRolesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { startTestServer, type Credentials, type TestServer } from '../../support/local-aws.ts';

const ACCOUNT = '000000000000';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/app`;
const SESSION_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/app/worker`;
const group = (name: string) => `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${name}`;

let server: TestServer;
let iam: IAMClient;
let session: Credentials;
let logs: CloudWatchLogsClient;
let policyArn = '';

before(async () => {
  server = await startTestServer();
  iam = new IAMClient(server.clientConfig());
  const trust = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }],
  };
  await iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'app',
      PolicyName: 'app-logs',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogGroup', 'logs:DeleteLogGroup'],
            Resource: 'arn:aws:logs:*:*:log-group:/app/*',
          },
          {
            Effect: 'Allow',
            Action: ['logs:createlogstream', 'logs:PutLogEvents'],
            Resource: 'arn:aws:logs:*:*:log-group:/app/*:log-stream:*',
          },
          { Effect: 'Allow', Action: 'logs:Describe*', Resource: '*' },
          { Effect: 'Allow', Action: 'iam:GetRole', Resource: ROLE_ARN },
          { Effect: 'Deny', Action: 'logs:DeleteLogGroup', Resource: 'arn:aws:logs:*:*:log-group:/app/keep*' },
        ],
      }),
    }),
  );
  const managed = await iam.send(
    new CreatePolicyCommand({
      PolicyName: 'read-logs',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'logs:Get?ogEvents', Resource: '*' }],
      }),
    }),
  );
  policyArn = managed.Policy!.Arn!;
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'app', PolicyArn: policyArn }));

  const out = await new STSClient(server.clientConfig()).send(
    new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'worker' }),
  );
  const c = out.Credentials!;
  session = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken };
  logs = new CloudWatchLogsClient(server.clientConfig({ credentials: session }));
});
after(async () => {
  await server.stopAndRemove();
});

function deniedMessage(action: string, resource: string, explicit = false): string {
  const why = explicit
    ? 'with an explicit deny in an identity-based policy'
    : `because no identity-based policy allows the ${action} action`;
  return `User: ${SESSION_ARN} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
}

describe('role session permissions', () => {
  it('allows what the inline policy allows (case-insensitive actions, wildcard resources)', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/app/one' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/app/one', logStreamName: 's' }));
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: '/app/one',
        logStreamName: 's',
        logEvents: [{ timestamp: Date.now(), message: 'hi' }],
      }),
    );
    const groups = await logs.send(new DescribeLogGroupsCommand({}));
    assert.deepEqual(
      groups.logGroups!.map((g) => g.logGroupName),
      ['/app/one'],
    );
  });

  it('refuses anything else with AccessDeniedException and AWS wording', async () => {
    await assert.rejects(logs.send(new CreateLogGroupCommand({ logGroupName: '/other/x' })), {
      name: 'AccessDeniedException',
      message: deniedMessage('logs:CreateLogGroup', group('/other/x')),
    });
    await assert.rejects(logs.send(new CreateLogStreamCommand({ logGroupName: '/other/x', logStreamName: 's' })), {
      name: 'AccessDeniedException',
      message: deniedMessage('logs:CreateLogStream', `${group('/other/x')}:log-stream:s`),
    });
    // the refusal comes before any existence check: no information about other groups leaks
    const root = new CloudWatchLogsClient(server.clientConfig());
    await root.send(new CreateLogGroupCommand({ logGroupName: '/secret' }));
    await assert.rejects(logs.send(new DeleteLogGroupCommand({ logGroupName: '/secret' })), {
      name: 'AccessDeniedException',
    });
    await assert.rejects(logs.send(new DeleteLogGroupCommand({ logGroupName: '/secret-missing' })), {
      name: 'AccessDeniedException',
    });
  });

  it('lets an explicit Deny win over an Allow', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/app/keep-me' }));
    await assert.rejects(logs.send(new DeleteLogGroupCommand({ logGroupName: '/app/keep-me' })), {
      name: 'AccessDeniedException',
      message: deniedMessage('logs:DeleteLogGroup', group('/app/keep-me'), true),
    });
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/app/temp' }));
    await logs.send(new DeleteLogGroupCommand({ logGroupName: '/app/temp' }));
  });

  it('applies attached managed policies, and policy changes at once', async () => {
    const got = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/app/one', logStreamName: 's', startFromHead: true }),
    );
    assert.deepEqual(
      got.events!.map((e) => e.message),
      ['hi'],
    );
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'app', PolicyArn: policyArn }));
    await assert.rejects(logs.send(new GetLogEventsCommand({ logGroupName: '/app/one', logStreamName: 's' })), {
      name: 'AccessDeniedException',
      message: deniedMessage('logs:GetLogEvents', `${group('/app/one')}:log-stream:s`),
    });
    await iam.send(
      new AttachRolePolicyCommand({ RoleName: 'app', PolicyArn: 'arn:aws:iam::aws:policy/AWSLambdaExecute' }),
    );
    const again = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/app/one', logStreamName: 's', startFromHead: true }),
    );
    assert.equal(again.events!.length, 1);
    await iam.send(
      new DetachRolePolicyCommand({ RoleName: 'app', PolicyArn: 'arn:aws:iam::aws:policy/AWSLambdaExecute' }),
    );
  });

  it('enforces IAM permissions on IAM calls', async () => {
    const asRole = new IAMClient(server.clientConfig({ credentials: session }));
    assert.equal((await asRole.send(new GetRoleCommand({ RoleName: 'app' }))).Role!.Arn, ROLE_ARN);
    await assert.rejects(asRole.send(new ListRolesCommand({})), {
      name: 'AccessDenied',
      message: deniedMessage('iam:ListRoles', '*'),
    });
    await assert.rejects(
      asRole.send(
        new PutRolePolicyCommand({
          RoleName: 'app',
          PolicyName: 'escalate',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
          }),
        }),
      ),
      { name: 'AccessDenied', message: deniedMessage('iam:PutRolePolicy', ROLE_ARN) },
    );
  });

  it('stops accepting the session credentials once the role is deleted', async () => {
    const sts = new STSClient(server.clientConfig({ credentials: session }));
    assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, SESSION_ARN);
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'app', PolicyName: 'app-logs' }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'app' }));
    await assert.rejects(sts.send(new GetCallerIdentityCommand({})), { name: 'InvalidClientTokenId' });
    await assert.rejects(logs.send(new DescribeLogGroupsCommand({})), { name: 'UnrecognizedClientException' });
    // a new role with the same name does not bring the old session back
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'sts:AssumeRole' }],
    };
    await iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await assert.rejects(logs.send(new DescribeLogGroupsCommand({})), { name: 'UnrecognizedClientException' });
  });
});

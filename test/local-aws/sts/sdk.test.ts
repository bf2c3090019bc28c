// STS through the real @aws-sdk/client-sts: GetCallerIdentity and AssumeRole (validation, trust policy
// checks, role chaining, session policies, expiry), and the service-side assumeRoleForService helper.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  STSClient,
  type Credentials as StsCredentials,
} from '@aws-sdk/client-sts';
import { CloudWatchLogsClient, CreateLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { AssumeRoleRefused, assumeRoleForService } from '../../../local-aws/sts/assume.ts';
import { startTestServer, type Credentials, type TestServer } from '../../support/local-aws.ts';

const ACCOUNT = '000000000000';
const ROOT_ARN = `arn:aws:iam::${ACCOUNT}:root`;
const trust = (principal: object, effect = 'Allow') =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: effect, Principal: principal, Action: 'sts:AssumeRole' }],
  });
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

let server: TestServer;
let iam: IAMClient;
let sts: STSClient;

function creds(c: StsCredentials | undefined): Credentials {
  return { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken };
}

before(async () => {
  server = await startTestServer();
  iam = new IAMClient(server.clientConfig());
  sts = new STSClient(server.clientConfig());
  await iam.send(new CreateRoleCommand({ RoleName: 'by-account', AssumeRolePolicyDocument: trust({ AWS: ACCOUNT }) }));
  await iam.send(
    new CreateRoleCommand({ RoleName: 'by-root-arn', AssumeRolePolicyDocument: trust({ AWS: ROOT_ARN }) }),
  );
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'lambda-only',
      AssumeRolePolicyDocument: trust({ Service: 'lambda.amazonaws.com' }),
    }),
  );
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'names-by-account',
      AssumeRolePolicyDocument: trust({ AWS: roleArn('by-account') }),
      MaxSessionDuration: 43200,
    }),
  );
  const denyRoot = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'sts:AssumeRole' },
      { Effect: 'Deny', Principal: { AWS: ROOT_ARN }, Action: 'sts:AssumeRole' },
    ],
  });
  await iam.send(new CreateRoleCommand({ RoleName: 'deny-root', AssumeRolePolicyDocument: denyRoot }));
});
after(async () => {
  await server.stopAndRemove();
});

describe('STS GetCallerIdentity and AssumeRole', () => {
  it('identifies the root caller', async () => {
    const id = await sts.send(new GetCallerIdentityCommand({}));
    assert.deepEqual([id.UserId, id.Account, id.Arn], [ACCOUNT, ACCOUNT, ROOT_ARN]);
  });

  it('issues session credentials that identify the assumed role', async () => {
    const started = Date.now();
    const out = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn('by-account'), RoleSessionName: 'first', DurationSeconds: 900 }),
    );
    const c = out.Credentials!;
    assert.match(c.AccessKeyId!, /^ASIA[A-Z2-7]{16}$/);
    assert.ok(c.SecretAccessKey!.length >= 30 && c.SessionToken!.length > 20);
    const ttl = c.Expiration!.getTime() - started;
    assert.ok(ttl > 890_000 && ttl <= 901_000, `expiration ${c.Expiration!.toISOString()}`);
    assert.equal(out.AssumedRoleUser!.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/by-account/first`);
    assert.match(out.AssumedRoleUser!.AssumedRoleId!, /^AROA[A-Z2-7]{17}:first$/);

    const asRole = new STSClient(server.clientConfig({ credentials: creds(c) }));
    const id = await asRole.send(new GetCallerIdentityCommand({}));
    assert.equal(id.Arn, out.AssumedRoleUser!.Arn);
    assert.equal(id.UserId, out.AssumedRoleUser!.AssumedRoleId);
    assert.equal(id.Account, ACCOUNT);
    // default duration is one hour
    const hour = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn('by-root-arn'), RoleSessionName: 'hour' }));
    assert.ok(Math.abs(hour.Credentials!.Expiration!.getTime() - Date.now() - 3600_000) < 10_000);
  });

  it('validates its inputs', async () => {
    await assert.rejects(
      sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:s3:::not-a-role-arn', RoleSessionName: 'ok' })),
      {
        name: 'ValidationError',
        message: 'arn:aws:s3:::not-a-role-arn is invalid',
      },
    );
    await assert.rejects(sts.send(new AssumeRoleCommand({ RoleArn: 'short', RoleSessionName: 'ok' })), {
      name: 'ValidationError',
    });
    await assert.rejects(sts.send(new AssumeRoleCommand({ RoleArn: roleArn('by-account'), RoleSessionName: 'a' })), {
      name: 'ValidationError',
      message: /roleSessionName.*greater than or equal to 2/,
    });
    await assert.rejects(
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn('by-account'), RoleSessionName: 'bad name' })),
      {
        name: 'ValidationError',
        message: /regular expression pattern/,
      },
    );
    await assert.rejects(
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn('by-account'), RoleSessionName: 'ok', DurationSeconds: 899 })),
      {
        name: 'ValidationError',
        message: /durationSeconds/,
      },
    );
    await assert.rejects(
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn('by-account'), RoleSessionName: 'ok', DurationSeconds: 7200 })),
      {
        name: 'ValidationError',
        message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      },
    );
  });

  it('refuses roles whose trust policy does not allow the caller, and missing roles', async () => {
    for (const name of ['lambda-only', 'names-by-account', 'deny-root', 'does-not-exist']) {
      await assert.rejects(sts.send(new AssumeRoleCommand({ RoleArn: roleArn(name), RoleSessionName: 's1' })), {
        name: 'AccessDenied',
        message: `User: ${ROOT_ARN} is not authorized to perform: sts:AssumeRole on resource: ${roleArn(name)}`,
      });
    }
  });

  it('lets a session assume a role that names it; an account-wide trust needs an identity Allow', async () => {
    const first = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn('by-account'), RoleSessionName: 'chain' }));
    const asRole = new STSClient(server.clientConfig({ credentials: creds(first.Credentials) }));
    const chained = await asRole.send(
      new AssumeRoleCommand({ RoleArn: roleArn('names-by-account'), RoleSessionName: 'hop' }),
    );
    assert.equal(chained.AssumedRoleUser!.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/names-by-account/hop`);
    await assert.rejects(
      asRole.send(
        new AssumeRoleCommand({ RoleArn: roleArn('names-by-account'), RoleSessionName: 'hop', DurationSeconds: 7200 }),
      ),
      { name: 'ValidationError', message: /role chaining/ },
    );

    const sessionArn = `arn:aws:sts::${ACCOUNT}:assumed-role/by-account/chain`;
    await assert.rejects(
      asRole.send(new AssumeRoleCommand({ RoleArn: roleArn('by-root-arn'), RoleSessionName: 'hop' })),
      {
        name: 'AccessDenied',
        message:
          `User: ${sessionArn} is not authorized to perform: ` +
          `sts:AssumeRole on resource: ${roleArn('by-root-arn')}`,
      },
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'by-account',
        PolicyName: 'may-assume',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn('by-*') }],
        }),
      }),
    );
    const ok = await asRole.send(new AssumeRoleCommand({ RoleArn: roleArn('by-root-arn'), RoleSessionName: 'hop' }));
    assert.equal(ok.AssumedRoleUser!.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/by-root-arn/hop`);
  });

  it('narrows a session with a session policy', async () => {
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'by-root-arn',
        PolicyName: 'logs',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'logs:*', Resource: '*' }],
        }),
      }),
    );
    const sessionPolicy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'logs:Describe*', Resource: '*' }],
    });
    const out = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn('by-root-arn'), RoleSessionName: 'narrow', Policy: sessionPolicy }),
    );
    assert.ok(out.PackedPolicySize! > 0);
    const logs = new CloudWatchLogsClient(server.clientConfig({ credentials: creds(out.Credentials) }));
    await logs.send(new DescribeLogGroupsCommand({}));
    await assert.rejects(logs.send(new CreateLogGroupCommand({ logGroupName: 'narrow' })), {
      name: 'AccessDeniedException',
    });
    await assert.rejects(
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn('by-root-arn'), RoleSessionName: 'narrow', Policy: '{bad' })),
      {
        name: 'MalformedPolicyDocumentException',
      },
    );
  });

  it('refuses expired sessions and wrong session tokens', async () => {
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn('by-account'), RoleSessionName: 'expiring' }));
    const c = creds(out.Credentials);
    await new STSClient(server.clientConfig({ credentials: c })).send(new GetCallerIdentityCommand({}));
    const wrongToken = new STSClient(server.clientConfig({ credentials: { ...c, sessionToken: 'forged' } }));
    await assert.rejects(wrongToken.send(new GetCallerIdentityCommand({})), { name: 'InvalidClientTokenId' });
    const noToken = new STSClient(server.clientConfig({ credentials: { ...c, sessionToken: undefined } }));
    await assert.rejects(noToken.send(new GetCallerIdentityCommand({})), { name: 'InvalidClientTokenId' });

    // DurationSeconds 900 cannot be waited for: move the stored session's expiry into the past.
    const session = server.backend.sts.find(c.accessKeyId)!;
    session.expiration = new Date(Date.now() - 1000).toISOString();
    // The query protocol's auth error code (403 ExpiredToken), not STS's modelled 400 ExpiredTokenException.
    await assert.rejects(
      new STSClient(server.clientConfig({ credentials: c })).send(new GetCallerIdentityCommand({})),
      {
        name: 'ExpiredToken',
        message: 'The security token included in the request is expired',
      },
    );
    await assert.rejects(
      new CloudWatchLogsClient(server.clientConfig({ credentials: c })).send(new DescribeLogGroupsCommand({})),
      {
        name: 'ExpiredTokenException',
      },
    );
  });
});

describe('assumeRoleForService (what Lambda uses)', () => {
  it('mints a session for a role that trusts the service', async () => {
    const session = await assumeRoleForService(
      server.backend,
      roleArn('lambda-only'),
      'lambda.amazonaws.com',
      'my-function',
      900,
    );
    assert.equal(session.roleArn, roleArn('lambda-only'));
    const credentials = {
      accessKeyId: session.accessKeyId,
      secretAccessKey: session.secretAccessKey,
      sessionToken: session.sessionToken,
    };
    const id = await new STSClient(server.clientConfig({ credentials })).send(new GetCallerIdentityCommand({}));
    assert.equal(id.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/lambda-only/my-function`);
  });

  it('throws AssumeRoleRefused when the trust policy refuses or the role is missing', async () => {
    await assert.rejects(
      assumeRoleForService(server.backend, roleArn('by-account'), 'lambda.amazonaws.com', 'f'),
      (e: unknown) => {
        return e instanceof AssumeRoleRefused && e.reason === 'not-trusted';
      },
    );
    await assert.rejects(
      assumeRoleForService(server.backend, roleArn('ghost'), 'lambda.amazonaws.com', 'f'),
      (e: unknown) => {
        return e instanceof AssumeRoleRefused && e.reason === 'no-such-role';
      },
    );
  });
});

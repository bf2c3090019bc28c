// Security and hostile input for IAM and STS: wrong secrets, unsigned requests, broken form bodies,
// unknown actions, absurd values. Each must be an AWS-style 4xx (never a 500), and the server keeps working.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, GetRoleCommand, IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { signHeaders } from '../../../local-aws/core/sigv4.ts';
import { ROOT, startTestServer, type Credentials, type TestServer } from '../../support/local-aws.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stopAndRemove();
});

const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };

/** POSTs a hand-made query-protocol body, signed for `service` (or not signed at all). */
async function post(
  service: 'iam' | 'sts',
  body: string | Buffer,
  opts: { creds?: Credentials; unsigned?: boolean } = {},
) {
  const url = new URL(server.url + '/');
  const headers = opts.unsigned
    ? FORM
    : signHeaders({ method: 'POST', url, headers: FORM, body, region: 'us-east-1', service, ...(opts.creds ?? ROOT) });
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  return { status: res.status, code, message, text };
}

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

describe('IAM and STS refuse bad credentials', () => {
  it('refuses a wrong secret, an unknown key and an unsigned request', async () => {
    const wrong = { accessKeyId: 'test', secretAccessKey: 'wrong' };
    await assert.rejects(new IAMClient(server.clientConfig({ credentials: wrong })).send(new ListRolesCommand({})), {
      name: 'SignatureDoesNotMatch',
    });
    await assert.rejects(
      new STSClient(server.clientConfig({ credentials: wrong })).send(new GetCallerIdentityCommand({})),
      { name: 'SignatureDoesNotMatch' },
    );
    const unknown = { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' };
    await assert.rejects(new IAMClient(server.clientConfig({ credentials: unknown })).send(new ListRolesCommand({})), {
      name: 'InvalidClientTokenId',
    });
    for (const service of ['iam', 'sts'] as const) {
      const r = await post(
        service,
        `Action=${service === 'iam' ? 'ListRoles&Version=2010-05-08' : 'GetCallerIdentity&Version=2011-06-15'}`,
        { unsigned: true },
      );
      assert.equal(r.status, 403);
      assert.equal(r.code, 'MissingAuthenticationToken');
    }
    // key ids are looked up safely, even ones that name JavaScript object internals
    for (const accessKeyId of ['__proto__', 'constructor', 'hasOwnProperty']) {
      const r = await post('sts', 'Action=GetCallerIdentity&Version=2011-06-15', {
        creds: { accessKeyId, secretAccessKey: 'x' },
      });
      assert.equal(r.status, 403, r.text);
      assert.equal(r.code, 'InvalidClientTokenId');
    }
  });
});

describe('IAM and STS refuse broken and absurd input with 4xx', () => {
  it('names an unknown or missing Action', async () => {
    const r = await post('iam', 'Action=Frobnicate&Version=2010-05-08');
    assert.equal(r.status, 400);
    assert.equal(r.code, 'InvalidAction');
    assert.match(r.message!, /Frobnicate/);
    for (const action of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const x = await post('iam', `Action=${action}&Version=2010-05-08`);
      assert.equal(x.status, 400, `${action}: ${x.text}`);
      assert.equal(x.code, 'InvalidAction');
    }
    const s = await post('sts', 'Action=GetFederationTokenX&Version=2011-06-15');
    assert.equal(s.status, 400);
    assert.match(s.message!, /GetFederationTokenX/);
    const none = await post('iam', 'Version=2010-05-08');
    assert.equal(none.status, 400);
    assert.equal(none.code, 'InvalidAction');
  });

  it('answers broken form bodies and absurd values with 400s', async () => {
    const cases: Array<[string | Buffer, string]> = [
      [Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x3d]), 'InvalidAction'],
      ['Action=CreateRole&RoleName=%ZZ%&AssumeRolePolicyDocument=%', 'ValidationError'],
      ['Action=CreateRole&Version=2010-05-08&RoleName=x', 'ValidationError'],
      [
        `Action=CreateRole&Version=2010-05-08&RoleName=${'r'.repeat(10000)}&AssumeRolePolicyDocument=x`,
        'ValidationError',
      ],
      [
        `Action=CreateRole&Version=2010-05-08&RoleName=big&AssumeRolePolicyDocument=${'x'.repeat(140000)}`,
        'ValidationError',
      ],
      [
        `Action=CreateRole&Version=2010-05-08&RoleName=deep` +
          `&AssumeRolePolicyDocument=` +
          encodeURIComponent(`{"Version":"2012-10-17","Statement":${'['.repeat(50000)}${']'.repeat(50000)}}`),
        'MalformedPolicyDocument',
      ],
      [
        `Action=CreateRole&Version=2010-05-08&RoleName=proto` +
          `&AssumeRolePolicyDocument=` +
          encodeURIComponent('{"__proto__":{"x":1},"Version":"2012-10-17","Statement":[]}'),
        'MalformedPolicyDocument',
      ],
      [
        `Action=CreateRole&Version=2010-05-08&RoleName=cond` +
          `&AssumeRolePolicyDocument=` +
          encodeURIComponent(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole",' +
              '"Condition":{"__proto__":{"a":"b"}}}]}',
          ),
        'MalformedPolicyDocument',
      ],
      [
        `Action=CreateRole&Version=2010-05-08&RoleName=t` +
          `&AssumeRolePolicyDocument=${encodeURIComponent(TRUST)}&Tags.member.1.Value=v`,
        'ValidationError',
      ],
      [
        `Action=CreateRole&Version=2010-05-08&RoleName=m&MaxSessionDuration=1e999` +
          `&AssumeRolePolicyDocument=${encodeURIComponent(TRUST)}`,
        'ValidationError',
      ],
      ['Action=ListRoles&Version=2010-05-08&MaxItems=-5', 'ValidationError'],
      ['Action=ListRoles&Version=2010-05-08&MaxItems=abc', 'ValidationError'],
      ['Action=ListRoles&Version=2010-05-08&MaxItems=99999999999999999999999', 'ValidationError'],
      ['Action=ListRoles&Version=2010-05-08&PathPrefix=nope', 'ValidationError'],
      ['Action=ListPolicies&Version=2010-05-08&Scope=Everything', 'ValidationError'],
      ['Action=GetPolicy&Version=2010-05-08&PolicyArn=arn:aws:iam::000000000000:user/x', 'InvalidInput'],
      [
        'Action=GetPolicyVersion&Version=2010-05-08' +
          '&PolicyArn=arn:aws:iam::aws:policy/AWSLambdaExecute&VersionId=../../etc',
        'ValidationError',
      ],
      ['Action=GetRolePolicy&Version=2010-05-08&RoleName=__proto__&PolicyName=constructor', 'NoSuchEntity'],
    ];
    for (const [body, code] of cases) {
      const r = await post('iam', body);
      assert.ok(
        r.status >= 400 && r.status < 500,
        `${String(body).slice(0, 80)} -> ${r.status} ${r.text.slice(0, 300)}`,
      );
      assert.equal(r.code, code, `${String(body).slice(0, 80)}: ${r.message}`);
    }
    const stsCases: Array<[string, string]> = [
      ['Action=AssumeRole&Version=2011-06-15', 'ValidationError'],
      [
        'Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::000000000000:role/x' +
          '&RoleSessionName=ok&DurationSeconds=99999999999999999999',
        'ValidationError',
      ],
      [
        'Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::000000000000:role/x' +
          '&RoleSessionName=ok&DurationSeconds=NaN',
        'ValidationError',
      ],
      [
        `Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::000000000000:role/x` +
          `&RoleSessionName=${'s'.repeat(5000)}`,
        'ValidationError',
      ],
      [
        'Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::000000000000:role/x' +
          '&RoleSessionName=ok&PolicyArns.member.1.arn=arn:aws:iam::aws:policy/none',
        'ValidationError',
      ],
      [
        'Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::000000000000:role/__proto__&RoleSessionName=ok',
        'AccessDenied',
      ],
    ];
    for (const [body, code] of stsCases) {
      const r = await post('sts', body);
      assert.ok(r.status >= 400 && r.status < 500, `${body.slice(0, 80)} -> ${r.status} ${r.text.slice(0, 300)}`);
      assert.equal(r.code, code, `${body.slice(0, 80)}: ${r.message}`);
    }
  });

  it('keeps working normally afterwards', async () => {
    const iam = new IAMClient(server.clientConfig());
    await iam.send(new CreateRoleCommand({ RoleName: 'after-abuse', AssumeRolePolicyDocument: TRUST }));
    assert.equal((await iam.send(new GetRoleCommand({ RoleName: 'after-abuse' }))).Role!.RoleName, 'after-abuse');
    const names = (await iam.send(new ListRolesCommand({}))).Roles!.map((r) => r.RoleName);
    assert.deepEqual(names, ['after-abuse']);
    assert.equal(
      (await new STSClient(server.clientConfig()).send(new GetCallerIdentityCommand({}))).Account,
      '000000000000',
    );
  });
});

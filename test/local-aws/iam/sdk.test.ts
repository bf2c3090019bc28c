// IAM through the real @aws-sdk/client-iam: roles, inline and managed policies, attachments, tags,
// errors by name and message, documents URL-encoded, state surviving a restart.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  DeletePolicyCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListPoliciesCommand,
  type ListPoliciesCommandInput,
  ListPolicyVersionsCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from '../../support/local-aws.ts';

const ACCOUNT = '000000000000';
const BASIC = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
const LAMBDA_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const LOGS_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: 'arn:aws:logs:*:*:*' },
  ],
});

let server: TestServer;
let iam: IAMClient;
before(async () => {
  server = await startTestServer();
  iam = new IAMClient(server.clientConfig());
});
after(async () => {
  await server.stopAndRemove();
});

describe('IAM roles', () => {
  it('creates, gets and lists a role; the trust policy comes back URL-encoded', async () => {
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: 'thumb-role',
        Path: '/service-role/',
        AssumeRolePolicyDocument: LAMBDA_TRUST,
        Description: 'thumbnails',
        MaxSessionDuration: 7200,
        Tags: [{ Key: 'app', Value: 'thumbs' }],
      }),
    );
    const role = created.Role!;
    assert.equal(role.Arn, `arn:aws:iam::${ACCOUNT}:role/service-role/thumb-role`);
    assert.match(role.RoleId!, /^AROA[A-Z2-7]{17}$/);
    assert.equal(role.Path, '/service-role/');
    assert.ok(role.CreateDate instanceof Date && Math.abs(role.CreateDate.getTime() - Date.now()) < 60_000);
    assert.equal(role.AssumeRolePolicyDocument, encodeURIComponent(LAMBDA_TRUST));
    assert.deepEqual(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!)), JSON.parse(LAMBDA_TRUST));
    assert.deepEqual(role.Tags, [{ Key: 'app', Value: 'thumbs' }]);

    const got = (await iam.send(new GetRoleCommand({ RoleName: 'thumb-role' }))).Role!;
    assert.equal(got.RoleId, role.RoleId);
    assert.equal(got.Description, 'thumbnails');
    assert.equal(got.MaxSessionDuration, 7200);
    // IAM names are unique without case
    assert.equal((await iam.send(new GetRoleCommand({ RoleName: 'THUMB-ROLE' }))).Role!.RoleId, role.RoleId);

    await assert.rejects(
      iam.send(new CreateRoleCommand({ RoleName: 'Thumb-Role', AssumeRolePolicyDocument: LAMBDA_TRUST })),
      {
        name: 'EntityAlreadyExistsException',
        message: 'Role with name Thumb-Role already exists.',
      },
    );
    await assert.rejects(iam.send(new GetRoleCommand({ RoleName: 'nope' })), {
      name: 'NoSuchEntityException',
      message: 'The role with name nope cannot be found.',
    });
  });

  it('validates names, paths, session durations and trust policies', async () => {
    await assert.rejects(
      iam.send(new CreateRoleCommand({ RoleName: 'bad name!', AssumeRolePolicyDocument: LAMBDA_TRUST })),
      {
        name: 'ValidationError',
        message: new RegExp(
          /Value 'bad name!' at 'roleName' failed to satisfy /.source +
            /constraint: Member must satisfy regular expression pattern/.source,
        ),
      },
    );
    await assert.rejects(
      iam.send(new CreateRoleCommand({ RoleName: 'x'.repeat(65), AssumeRolePolicyDocument: LAMBDA_TRUST })),
      {
        name: 'ValidationError',
        message: /Member must have length less than or equal to 64/,
      },
    );
    await assert.rejects(
      iam.send(new CreateRoleCommand({ RoleName: 'p', Path: 'no-slash', AssumeRolePolicyDocument: LAMBDA_TRUST })),
      {
        name: 'ValidationError',
        message: /It must begin and end with \//,
      },
    );
    await assert.rejects(
      iam.send(
        new CreateRoleCommand({ RoleName: 'd', MaxSessionDuration: 60, AssumeRolePolicyDocument: LAMBDA_TRUST }),
      ),
      {
        name: 'ValidationError',
        message: /maxSessionDuration/,
      },
    );
    await assert.rejects(iam.send(new CreateRoleCommand({ RoleName: 'j', AssumeRolePolicyDocument: '{"Version":' })), {
      name: 'MalformedPolicyDocumentException',
      message: 'This policy contains invalid Json',
    });
    const noPrincipal = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }],
    });
    await assert.rejects(iam.send(new CreateRoleCommand({ RoleName: 'j', AssumeRolePolicyDocument: noPrincipal })), {
      name: 'MalformedPolicyDocumentException',
      message: 'Missing required field Principal',
    });
    const badVersion = JSON.stringify({
      Version: '2011-01-01',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }],
    });
    await assert.rejects(iam.send(new CreateRoleCommand({ RoleName: 'j', AssumeRolePolicyDocument: badVersion })), {
      name: 'MalformedPolicyDocumentException',
    });
    await assert.rejects(iam.send(new GetRoleCommand({ RoleName: 'j' })), { name: 'NoSuchEntityException' });
  });

  it('lists roles by path prefix, page by page', async () => {
    for (const n of ['page-a', 'page-b', 'page-c']) {
      await iam.send(new CreateRoleCommand({ RoleName: n, Path: '/paging/', AssumeRolePolicyDocument: LAMBDA_TRUST }));
    }
    const first = await iam.send(new ListRolesCommand({ PathPrefix: '/paging/', MaxItems: 2 }));
    assert.deepEqual(
      first.Roles!.map((r) => r.RoleName),
      ['page-a', 'page-b'],
    );
    assert.equal(first.IsTruncated, true);
    assert.ok(first.Marker);
    const second = await iam.send(new ListRolesCommand({ PathPrefix: '/paging/', MaxItems: 2, Marker: first.Marker }));
    assert.deepEqual(
      second.Roles!.map((r) => r.RoleName),
      ['page-c'],
    );
    assert.equal(second.IsTruncated, false);
    assert.equal(second.Marker, undefined);
    const all = await iam.send(new ListRolesCommand({}));
    assert.ok(all.Roles!.some((r) => r.RoleName === 'thumb-role'));
    assert.equal(
      all.Roles!.find((r) => r.RoleName === 'page-a')!.AssumeRolePolicyDocument,
      encodeURIComponent(LAMBDA_TRUST),
    );
  });

  it('replaces the trust policy', async () => {
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'sts:AssumeRole' }],
    });
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'page-c', PolicyDocument: trust }));
    const got = await iam.send(new GetRoleCommand({ RoleName: 'page-c' }));
    assert.equal(decodeURIComponent(got.Role!.AssumeRolePolicyDocument!), trust);
    await assert.rejects(iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'page-c', PolicyDocument: 'nope' })), {
      name: 'MalformedPolicyDocumentException',
    });
  });

  it('tags and untags roles', async () => {
    await iam.send(
      new TagRoleCommand({
        RoleName: 'page-a',
        Tags: [
          { Key: 'k1', Value: 'v1' },
          { Key: 'k2', Value: 'v2' },
        ],
      }),
    );
    await iam.send(new TagRoleCommand({ RoleName: 'page-a', Tags: [{ Key: 'k1', Value: 'new' }] }));
    await iam.send(new UntagRoleCommand({ RoleName: 'page-a', TagKeys: ['k2'] }));
    const tags = await iam.send(new ListRoleTagsCommand({ RoleName: 'page-a' }));
    assert.deepEqual(tags.Tags, [{ Key: 'k1', Value: 'new' }]);
    assert.equal(tags.IsTruncated, false);
    await assert.rejects(iam.send(new ListRoleTagsCommand({ RoleName: 'ghost' })), { name: 'NoSuchEntityException' });
  });
});

describe('IAM inline policies', () => {
  it('puts, gets (URL-encoded), lists and deletes role policies', async () => {
    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'thumb-role', PolicyName: 'logs', PolicyDocument: LOGS_POLICY }),
    );
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'thumb-role', PolicyName: 'logs' }));
    assert.equal(got.RoleName, 'thumb-role');
    assert.equal(got.PolicyName, 'logs');
    assert.equal(got.PolicyDocument, encodeURIComponent(LOGS_POLICY));
    assert.deepEqual(JSON.parse(decodeURIComponent(got.PolicyDocument!)), JSON.parse(LOGS_POLICY));
    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: 'thumb-role' }))).PolicyNames, ['logs']);
    await assert.rejects(iam.send(new GetRolePolicyCommand({ RoleName: 'thumb-role', PolicyName: 'other' })), {
      name: 'NoSuchEntityException',
      message: 'The role policy with name other cannot be found.',
    });
  });

  it('refuses identity policies with a principal or without resources', async () => {
    const withPrincipal = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }],
    });
    await assert.rejects(
      iam.send(new PutRolePolicyCommand({ RoleName: 'thumb-role', PolicyName: 'p', PolicyDocument: withPrincipal })),
      {
        name: 'MalformedPolicyDocumentException',
        message: 'Policy document should not specify a principal.',
      },
    );
    const noResource = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*' }] });
    await assert.rejects(
      iam.send(new PutRolePolicyCommand({ RoleName: 'thumb-role', PolicyName: 'p', PolicyDocument: noResource })),
      {
        name: 'MalformedPolicyDocumentException',
        message: 'Policy statement must contain resources.',
      },
    );
    const noEffect = JSON.stringify({ Version: '2012-10-17', Statement: [{ Action: 's3:*', Resource: '*' }] });
    await assert.rejects(
      iam.send(new PutRolePolicyCommand({ RoleName: 'thumb-role', PolicyName: 'p', PolicyDocument: noEffect })),
      {
        name: 'MalformedPolicyDocumentException',
        message: 'Syntax errors in policy.',
      },
    );
  });
});

describe('IAM managed policies', () => {
  let policyArn = '';

  it('creates a policy and reads it and its version back', async () => {
    const created = (
      await iam.send(
        new CreatePolicyCommand({
          PolicyName: 'thumb-s3',
          Path: '/app/',
          PolicyDocument: LOGS_POLICY,
          Description: 'd',
        }),
      )
    ).Policy!;
    policyArn = created.Arn!;
    assert.equal(policyArn, `arn:aws:iam::${ACCOUNT}:policy/app/thumb-s3`);
    assert.match(created.PolicyId!, /^ANPA[A-Z2-7]{17}$/);
    assert.equal(created.DefaultVersionId, 'v1');
    assert.equal(created.AttachmentCount, 0);
    assert.equal(created.IsAttachable, true);
    const got = (await iam.send(new GetPolicyCommand({ PolicyArn: policyArn }))).Policy!;
    assert.equal(got.PolicyId, created.PolicyId);
    const v1 = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: 'v1' }))).PolicyVersion!;
    assert.equal(v1.Document, encodeURIComponent(LOGS_POLICY));
    assert.equal(v1.IsDefaultVersion, true);
    await assert.rejects(iam.send(new CreatePolicyCommand({ PolicyName: 'THUMB-S3', PolicyDocument: LOGS_POLICY })), {
      name: 'EntityAlreadyExistsException',
      message: 'A policy called THUMB-S3 already exists. Duplicate names are not allowed.',
    });
    await assert.rejects(iam.send(new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: 'v9' })), {
      name: 'NoSuchEntityException',
    });
    await assert.rejects(iam.send(new GetPolicyCommand({ PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/none` })), {
      name: 'NoSuchEntityException',
      message: `Policy arn:aws:iam::${ACCOUNT}:policy/none was not found.`,
    });
    await assert.rejects(iam.send(new GetPolicyCommand({ PolicyArn: 'not-an-arn-at-all-xxxx' })), {
      name: 'InvalidInputException',
    });
  });

  it('keeps versions, newest first', async () => {
    const doc2 = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'logs:*', Resource: '*' }],
    });
    const v2 = (
      await iam.send(new CreatePolicyVersionCommand({ PolicyArn: policyArn, PolicyDocument: doc2, SetAsDefault: true }))
    ).PolicyVersion!;
    assert.equal(v2.VersionId, 'v2');
    const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: policyArn }))).Versions!;
    assert.deepEqual(
      versions.map((v) => [v.VersionId, v.IsDefaultVersion]),
      [
        ['v2', true],
        ['v1', false],
      ],
    );
    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: policyArn }))).Policy!.DefaultVersionId, 'v2');
  });

  it('knows the AWS managed AWSLambdaBasicExecutionRole', async () => {
    const p = (await iam.send(new GetPolicyCommand({ PolicyArn: BASIC }))).Policy!;
    assert.equal(p.PolicyName, 'AWSLambdaBasicExecutionRole');
    assert.equal(p.PolicyId, 'ANPAJNCQGXC42545SKXIK');
    assert.equal(p.Path, '/service-role/');
    const v = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: BASIC, VersionId: p.DefaultVersionId })))
      .PolicyVersion!;
    assert.deepEqual(JSON.parse(decodeURIComponent(v.Document!)).Statement[0].Action, [
      'logs:CreateLogGroup',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
  });

  it('attaches, counts, lists, and refuses deletes while attached', async () => {
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'thumb-role', PolicyArn: BASIC }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'thumb-role', PolicyArn: policyArn }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'page-a', PolicyArn: policyArn }));
    const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'thumb-role' })))
      .AttachedPolicies!;
    assert.deepEqual(attached.map((a) => a.PolicyArn).sort(), [BASIC, policyArn].sort());
    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: policyArn }))).Policy!.AttachmentCount, 2);
    const onlyApp = (
      await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'thumb-role', PathPrefix: '/app/' }))
    ).AttachedPolicies!;
    assert.deepEqual(
      onlyApp.map((a) => a.PolicyName),
      ['thumb-s3'],
    );

    const entities = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: policyArn }));
    assert.deepEqual(
      entities.PolicyRoles!.map((r) => r.RoleName),
      ['page-a', 'thumb-role'],
    );

    await assert.rejects(iam.send(new DeletePolicyCommand({ PolicyArn: policyArn })), {
      name: 'DeleteConflictException',
    });
    await assert.rejects(
      iam.send(
        new AttachRolePolicyCommand({ RoleName: 'thumb-role', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/missing` }),
      ),
      {
        name: 'NoSuchEntityException',
        message: `Policy arn:aws:iam::${ACCOUNT}:policy/missing does not exist or is not attachable.`,
      },
    );
    await assert.rejects(iam.send(new DetachRolePolicyCommand({ RoleName: 'page-b', PolicyArn: policyArn })), {
      name: 'NoSuchEntityException',
      message: `Policy ${policyArn} was not found.`,
    });
  });

  it('lists policies by scope, attachment and path', async () => {
    const names = async (input: ListPoliciesCommandInput) =>
      (await iam.send(new ListPoliciesCommand(input))).Policies!.map((p) => p.PolicyName);
    assert.deepEqual(await names({ Scope: 'Local' }), ['thumb-s3']);
    assert.ok((await names({ Scope: 'AWS' })).includes('AWSLambdaBasicExecutionRole'));
    assert.ok(!(await names({ Scope: 'AWS' })).includes('thumb-s3'));
    assert.deepEqual(await names({ Scope: 'All', OnlyAttached: true }), ['AWSLambdaBasicExecutionRole', 'thumb-s3']);
    assert.deepEqual(await names({ PathPrefix: '/service-role/' }), ['AWSLambdaBasicExecutionRole']);
  });

  it('refuses to delete a role with attached or inline policies, then deletes it', async () => {
    await assert.rejects(iam.send(new DeleteRoleCommand({ RoleName: 'thumb-role' })), {
      name: 'DeleteConflictException',
      message: 'Cannot delete entity, must detach all policies first.',
    });
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'thumb-role', PolicyArn: BASIC }));
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'thumb-role', PolicyArn: policyArn }));
    await assert.rejects(iam.send(new DeleteRoleCommand({ RoleName: 'thumb-role' })), {
      name: 'DeleteConflictException',
      message: 'Cannot delete entity, must delete policies first.',
    });
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'thumb-role', PolicyName: 'logs' }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'thumb-role' }));
    await assert.rejects(iam.send(new GetRoleCommand({ RoleName: 'thumb-role' })), { name: 'NoSuchEntityException' });
    await assert.rejects(iam.send(new DeleteRoleCommand({ RoleName: 'thumb-role' })), {
      name: 'NoSuchEntityException',
    });
    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: policyArn }))).Policy!.AttachmentCount, 1);
  });

  it('keeps everything across a restart, then deletes the policy once detached', async () => {
    const dataDir = server.dataDir;
    await server.close();
    server = await startTestServer({ dataDir });
    iam = new IAMClient(server.clientConfig());
    assert.equal((await iam.send(new GetRoleCommand({ RoleName: 'page-a' }))).Role!.Tags![0]!.Value, 'new');
    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: policyArn }))).Policy!.AttachmentCount, 1);
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'page-a', PolicyArn: policyArn }));
    await iam.send(new DeletePolicyCommand({ PolicyArn: policyArn }));
    await assert.rejects(iam.send(new GetPolicyCommand({ PolicyArn: policyArn })), { name: 'NoSuchEntityException' });
  });
});

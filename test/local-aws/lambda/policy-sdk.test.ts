// Function policies (AddPermission / GetPolicy / RemovePermission) and asynchronous-invocation
// settings (Put/Get/Update/Delete/ListFunctionEventInvokeConfig) through the SDK, with AWS's errors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IAMClient } from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  DeleteFunctionEventInvokeConfigCommand,
  GetFunctionEventInvokeConfigCommand,
  GetPolicyCommand,
  LambdaClient,
  ListFunctionEventInvokeConfigsCommand,
  PutFunctionEventInvokeConfigCommand,
  RemovePermissionCommand,
  UpdateFunctionEventInvokeConfigCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { startTestServer, type TestServer } from '../../support/local-aws.ts';
import { createRole, handlerZip } from '../../support/lambda-kit.ts';

let server: TestServer;
let lambda: LambdaClient;
let arn: string;

before(async () => {
  server = await startTestServer();
  lambda = new LambdaClient(server.clientConfig());
  const role = await createRole(new IAMClient(server.clientConfig()), 'policy-role');
  for (const name of ['pol', 'eic', 'other']) {
    const c = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Role: role,
        Runtime: 'nodejs22.x',
        Handler: 'index.echo',
        Code: { ZipFile: handlerZip() },
      }),
    );
    if (name === 'pol') arn = c.FunctionArn!;
  }
  // Becoming Active changes the RevisionId: let it happen before revisions are compared.
  for (const name of ['pol', 'eic', 'other'])
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: name });
});
after(async () => {
  await server.stopAndRemove();
});

describe('function policy', () => {
  it('adds statements in AWS form, returns the policy as a string, removes them', async () => {
    await assert.rejects(lambda.send(new GetPolicyCommand({ FunctionName: 'pol' })), {
      name: 'ResourceNotFoundException',
      message: 'The resource you requested does not exist.',
    });
    const added = await lambda.send(
      new AddPermissionCommand({
        FunctionName: 'pol',
        StatementId: 's3invoke',
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceArn: 'arn:aws:s3:::src-bucket',
        SourceAccount: '000000000000',
      }),
    );
    assert.equal(added.$metadata.httpStatusCode, 201);
    assert.deepEqual(JSON.parse(added.Statement!), {
      Sid: 's3invoke',
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: arn,
      Condition: {
        StringEquals: { 'AWS:SourceAccount': '000000000000' },
        ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::src-bucket' },
      },
    });
    const account = await lambda.send(
      new AddPermissionCommand({
        FunctionName: 'pol',
        StatementId: 'acct',
        Action: 'lambda:GetFunction',
        Principal: '111111111111',
      }),
    );
    assert.deepEqual(JSON.parse(account.Statement!).Principal, { AWS: 'arn:aws:iam::111111111111:root' });
    const anyone = await lambda.send(
      new AddPermissionCommand({ FunctionName: 'pol', StatementId: 'any', Action: 'lambda:*', Principal: '*' }),
    );
    assert.equal(JSON.parse(anyone.Statement!).Principal, '*');

    const policy = await lambda.send(new GetPolicyCommand({ FunctionName: 'pol' }));
    const doc = JSON.parse(policy.Policy!) as { Version: string; Id: string; Statement: Array<{ Sid: string }> };
    assert.deepEqual([doc.Version, doc.Id], ['2012-10-17', 'default']);
    assert.deepEqual(
      doc.Statement.map((s) => s.Sid),
      ['s3invoke', 'acct', 'any'],
    );
    assert.match(policy.RevisionId!, /^[0-9a-f-]{36}$/);

    await assert.rejects(
      lambda.send(
        new AddPermissionCommand({
          FunctionName: 'pol',
          StatementId: 'acct',
          Action: 'lambda:InvokeFunction',
          Principal: '*',
        }),
      ),
      {
        name: 'ResourceConflictException',
        message:
          'The statement id (acct) provided already exists. Please ' +
          'provide a new statement id, or remove the existing statement.',
      },
    );
    await assert.rejects(
      lambda.send(
        new AddPermissionCommand({
          FunctionName: 'pol',
          StatementId: 'late',
          Action: 'lambda:InvokeFunction',
          Principal: '*',
          RevisionId: '00000000-0000-0000-0000-000000000000',
        }),
      ),
      (e: Error & { $metadata: { httpStatusCode?: number } }) => {
        assert.equal(e.name, 'PreconditionFailedException');
        assert.equal(e.$metadata.httpStatusCode, 412);
        return true;
      },
    );
    await assert.rejects(
      lambda.send(
        new AddPermissionCommand({
          FunctionName: 'pol',
          StatementId: 'bad',
          Action: 'lambda:InvokeFunction',
          Principal: 'not a principal',
        }),
      ),
      { name: 'ValidationException' },
    );
    await assert.rejects(
      lambda.send(
        new AddPermissionCommand({
          FunctionName: 'pol',
          StatementId: 'bad',
          Action: 'lambda:InvokeFunction',
          Principal: 'nobody',
        }),
      ),
      {
        name: 'InvalidParameterValueException',
        message: 'The provided principal was invalid. Please check the principal and try again.',
      },
    );

    const removed = await lambda.send(
      new RemovePermissionCommand({ FunctionName: 'pol', StatementId: 'acct', RevisionId: policy.RevisionId }),
    );
    assert.equal(removed.$metadata.httpStatusCode, 204);
    await assert.rejects(lambda.send(new RemovePermissionCommand({ FunctionName: 'pol', StatementId: 'acct' })), {
      name: 'ResourceNotFoundException',
      message: 'Statement acct is not found in resource policy.',
    });
    const after = JSON.parse((await lambda.send(new GetPolicyCommand({ FunctionName: 'pol' }))).Policy!) as {
      Statement: Array<{ Sid: string }>;
    };
    assert.deepEqual(
      after.Statement.map((s) => s.Sid),
      ['s3invoke', 'any'],
    );
  });
});

describe('event invoke config', () => {
  it('puts, merges, reads, lists and deletes the settings', async () => {
    await assert.rejects(lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'eic' })), {
      name: 'ResourceNotFoundException',
      message:
        "The function arn:aws:lambda:us-east-1:000000000000:function:eic:$LATEST doesn't have an EventInvokeConfig",
    });
    await assert.rejects(lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'eic' })), {
      name: 'InvalidParameterValueException',
      message: 'You must specify at least one of error handling or destination setting.',
    });
    await assert.rejects(
      lambda.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: 'eic',
          DestinationConfig: { OnFailure: { Destination: 'arn:aws:lambda:us-east-1:000000000000:function:eic' } },
        }),
      ),
      {
        name: 'InvalidParameterValueException',
        message: "You can't specify the function as a destination for itself.",
      },
    );
    await assert.rejects(
      lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'eic', MaximumRetryAttempts: 3 })),
      {
        name: 'ValidationException',
      },
    );
    await assert.rejects(
      lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'eic', MaximumEventAgeInSeconds: 59 })),
      {
        name: 'ValidationException',
      },
    );
    const put = await lambda.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: 'eic', MaximumRetryAttempts: 1 }),
    );
    assert.equal(put.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:eic:$LATEST');
    assert.equal(put.MaximumRetryAttempts, 1);
    assert.ok(put.LastModified instanceof Date);
    const sqs = 'arn:aws:sqs:us-east-1:000000000000:dlq';
    const updated = await lambda.send(
      new UpdateFunctionEventInvokeConfigCommand({
        FunctionName: 'eic',
        MaximumEventAgeInSeconds: 120,
        DestinationConfig: { OnFailure: { Destination: sqs } },
      }),
    );
    assert.deepEqual([updated.MaximumRetryAttempts, updated.MaximumEventAgeInSeconds], [1, 120]);
    assert.equal(updated.DestinationConfig!.OnFailure!.Destination, sqs);
    // Put replaces everything.
    const replaced = await lambda.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: 'eic', MaximumEventAgeInSeconds: 60 }),
    );
    assert.equal(replaced.MaximumRetryAttempts, undefined);
    assert.equal(replaced.DestinationConfig!.OnFailure!.Destination, undefined);
    const listed = await lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'eic' }));
    assert.equal(listed.FunctionEventInvokeConfigs!.length, 1);
    assert.equal(
      (await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'eic' }))).MaximumEventAgeInSeconds,
      60,
    );
    await lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'eic' }));
    await assert.rejects(lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'eic' })), {
      name: 'ResourceNotFoundException',
    });
    await assert.rejects(
      lambda.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'eic', MaximumRetryAttempts: 0 })),
      {
        name: 'ResourceNotFoundException',
      },
    );
  });
});

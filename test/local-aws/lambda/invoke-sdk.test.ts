// Invoke through the SDK: synchronous results and every way a function fails, payload limits, DryRun,
// asynchronous (Event) invocations with retries, destinations and drops, and who may invoke.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeAsyncCommand,
  InvokeCommand,
  LambdaClient,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  type CreateFunctionCommandInput,
  type InvokeCommandOutput,
} from '@aws-sdk/client-lambda';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startTestServer, type TestServer } from '../../support/local-aws.ts';
import { createRole, eventually, handlerZip } from '../../support/lambda-kit.ts';

let server: TestServer;
let lambda: LambdaClient;
let logs: CloudWatchLogsClient;
let iam: IAMClient;
let role: string;

before(async () => {
  server = await startTestServer({ lambdaRetryDelaysMs: [50, 100] });
  lambda = new LambdaClient(server.clientConfig());
  logs = new CloudWatchLogsClient(server.clientConfig());
  iam = new IAMClient(server.clientConfig());
  // The role may invoke other functions: destinations are invoked with the function's role.
  role = await createRole(iam, 'invoke-role', [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: '*' }]);
});
after(async () => {
  await server.stopAndRemove();
});

async function fn(name: string, handler: string, extra: Partial<CreateFunctionCommandInput> = {}): Promise<string> {
  const c = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Role: role,
      Runtime: 'nodejs22.x',
      Handler: handler,
      Code: { ZipFile: handlerZip() },
      ...extra,
    }),
  );
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: name });
  return c.FunctionArn!;
}

function payload<T>(r: InvokeCommandOutput): T {
  return JSON.parse(Buffer.from(r.Payload!).toString('utf8')) as T;
}

interface ErrorPayload {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

/** The function's log lines that mention `needle` (CloudWatch Logs, as the engine wrote them). */
async function logLines(functionName: string, needle: string): Promise<string[]> {
  const out = await logs.send(
    new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${functionName}`, filterPattern: `"${needle}"` }),
  );
  return (out.events ?? []).map((e) => e.message!);
}

/** Captures the endpoint's stderr lines (it runs in this process) while `fn` runs. */
async function captureStderr(run: (lines: string[]) => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  };
  try {
    await run(lines);
  } finally {
    console.error = original;
  }
  return lines;
}

describe('synchronous invocation', () => {
  before(async () => {
    await fn('echo', 'index.echo', { Environment: { Variables: { GREETING: 'hi' } } });
  });

  it('returns the result with the executed version and a 4 KB log tail', async () => {
    const clientContext = Buffer.from(JSON.stringify({ custom: { a: 1 } })).toString('base64');
    const r = await lambda.send(
      new InvokeCommand({
        FunctionName: 'echo',
        Payload: Buffer.from('{"x":[1,2]}'),
        LogType: 'Tail',
        ClientContext: clientContext,
      }),
    );
    assert.equal(r.StatusCode, 200);
    assert.equal(r.ExecutedVersion, '$LATEST');
    assert.equal(r.FunctionError, undefined);
    const body = payload<{ event: unknown; requestId: string; greeting: string; clientContext: { custom: unknown } }>(
      r,
    );
    assert.deepEqual(body.event, { x: [1, 2] });
    assert.equal(body.greeting, 'hi');
    assert.deepEqual(body.clientContext.custom, { a: 1 });
    const tail = Buffer.from(r.LogResult!, 'base64').toString('utf8');
    assert.match(tail, new RegExp(`START RequestId: ${body.requestId} Version: \\$LATEST`));
    assert.match(tail, /INFO\techo got \{"x":\[1,2\]\}/);
    assert.match(tail, new RegExp(`REPORT RequestId: ${body.requestId}\\tDuration: `));
    // The same lines are in CloudWatch Logs.
    await eventually('the REPORT line in the log group', async () =>
      (await logLines('echo', `REPORT RequestId: ${body.requestId}`)).length === 1 ? true : undefined,
    );
  });

  it('keeps only the last 4 KB of a long log', async () => {
    const big = { pad: 'y'.repeat(9000) };
    const r = await lambda.send(
      new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from(JSON.stringify(big)), LogType: 'Tail' }),
    );
    const tail = Buffer.from(r.LogResult!, 'base64');
    assert.equal(tail.length, 4096);
    assert.match(tail.toString(), /REPORT RequestId: /);
  });

  it('treats an empty body as {} and refuses a body that is not JSON', async () => {
    const r = await lambda.send(new InvokeCommand({ FunctionName: 'echo' }));
    assert.deepEqual(payload<{ event: unknown }>(r).event, {});
    await assert.rejects(
      lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('not json') })),
      (e: Error) => {
        assert.equal(e.name, 'InvalidRequestContentException');
        assert.match(e.message, /^Could not parse request body into json: /);
        return true;
      },
    );
  });

  it('refuses a 7 MB payload with 413', async () => {
    const p = Buffer.from(JSON.stringify({ pad: 'z'.repeat(7 * 1024 * 1024) }));
    await assert.rejects(
      lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: p })),
      (e: Error & { $metadata: { httpStatusCode?: number } }) => {
        assert.equal(e.name, 'RequestEntityTooLargeException');
        assert.equal(e.message, 'Request must be smaller than 6291456 bytes for the InvokeFunction operation');
        assert.equal(e.$metadata.httpStatusCode, 413);
        return true;
      },
    );
    const event = Buffer.from(JSON.stringify({ pad: 'z'.repeat(1024 * 1024) }));
    await assert.rejects(
      lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: event, InvocationType: 'Event' })),
      {
        name: 'RequestEntityTooLargeException',
        message: `${event.length} byte payload is too large for the Event invocation type (limit 1048576 bytes)`,
      },
    );
  });

  it('answers DryRun with 204 and does not run the function', async () => {
    const r = await lambda.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'DryRun' }));
    assert.equal(r.StatusCode, 204);
  });
});

describe('after a configuration update', () => {
  it('keeps the environment that served the first invocation once the update reports Successful', async () => {
    const pid = 'export const handler = async () => ({ pid: process.pid, v: process.env.ROUND ?? null });';
    await fn('pid', 'pid.handler', { Code: { ZipFile: handlerZip({ 'pid.mjs': pid }) } });
    // The first invocation races the update's completion: it must not land in an environment that
    // the update then retires (the CI once saw A, B, B where A, A, A was due).
    for (let round = 1; round <= 5; round++) {
      await lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: 'pid',
          Environment: { Variables: { ROUND: String(round) } },
        }),
      );
      // Polled without a pause (the race needs it), with a deadline.
      for (const deadline = Date.now() + 20_000; ;) {
        const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'pid' }));
        if (c.LastUpdateStatus === 'Successful') break;
        assert.equal(c.LastUpdateStatus, 'InProgress');
        if (Date.now() > deadline) assert.fail(`round ${round}: still InProgress after 20 s`);
      }
      const first = payload<{ pid: number; v: string }>(await lambda.send(new InvokeCommand({ FunctionName: 'pid' })));
      const second = payload<{ pid: number; v: string }>(await lambda.send(new InvokeCommand({ FunctionName: 'pid' })));
      assert.deepEqual([first.v, second.v], [String(round), String(round)], 'the new configuration runs');
      assert.equal(second.pid, first.pid, `round ${round}: the second invocation reuses the first one's environment`);
    }
  });
});

describe('function failures', () => {
  it('reports a thrown error as Unhandled with the runtime error JSON', async () => {
    await fn('boom', 'index.boom');
    const r = await lambda.send(new InvokeCommand({ FunctionName: 'boom', LogType: 'Tail' }));
    assert.equal(r.StatusCode, 200);
    assert.equal(r.FunctionError, 'Unhandled');
    const e = payload<ErrorPayload>(r);
    assert.deepEqual([e.errorType, e.errorMessage], ['Error', 'boom']);
    assert.ok(e.trace![0]!.startsWith('Error: boom'));
    assert.match(Buffer.from(r.LogResult!, 'base64').toString(), /ERROR\tInvoke Error \t/);
  });

  it('reports a handler that is not exported', async () => {
    await fn('nohandler', 'index.nope');
    const r = await lambda.send(new InvokeCommand({ FunctionName: 'nohandler' }));
    assert.equal(r.FunctionError, 'Unhandled');
    assert.deepEqual(payload<ErrorPayload>(r).errorType, 'Runtime.HandlerNotFound');
  });

  it('ends a handler that never returns at its timeout', async () => {
    await fn('hang', 'index.hang', { Timeout: 1 });
    const started = Date.now();
    const r = await lambda.send(new InvokeCommand({ FunctionName: 'hang' }));
    assert.ok(Date.now() - started >= 1000);
    assert.equal(r.FunctionError, 'Unhandled');
    const e = payload<ErrorPayload>(r);
    assert.equal(e.errorType, 'Sandbox.Timedout');
    assert.match(e.errorMessage, /^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/);
  });

  it('reports a handler that exits the process', async () => {
    await fn('exits', 'index.exit');
    const r = await lambda.send(new InvokeCommand({ FunctionName: 'exits' }));
    const e = payload<ErrorPayload>(r);
    assert.equal(e.errorType, 'Runtime.ExitError');
    assert.match(e.errorMessage, /Runtime exited with error: exit status 3$/);
  });

  it('ends a handler that allocates past its memory size', async () => {
    // A long timeout: at a 128 MB CPU share on a loaded machine the memory kill must still come first.
    await fn('hog', 'index.hog', { MemorySize: 128, Timeout: 60 });
    const r = await lambda.send(new InvokeCommand({ FunctionName: 'hog' }));
    assert.equal(r.FunctionError, 'Unhandled');
    assert.equal(payload<ErrorPayload>(r).errorType, 'Runtime.OutOfMemory');
  });

  it('turns a response over 6 MB into Function.ResponseSizeTooLarge', async () => {
    await fn('huge', 'index.huge', { MemorySize: 512 });
    const r = await lambda.send(new InvokeCommand({ FunctionName: 'huge' }));
    assert.equal(r.FunctionError, 'Unhandled');
    assert.equal(payload<ErrorPayload>(r).errorType, 'Function.ResponseSizeTooLarge');
  });
});

describe('asynchronous invocation', () => {
  it('queues an Event invocation (202) and runs it once', async () => {
    await fn('async-echo', 'index.echo');
    const r = await lambda.send(
      new InvokeCommand({ FunctionName: 'async-echo', InvocationType: 'Event', Payload: Buffer.from('{"n":1}') }),
    );
    assert.equal(r.StatusCode, 202);
    const id = r.$metadata.requestId!;
    const lines = await eventually('the async REPORT line', async () => {
      const found = await logLines('async-echo', `REPORT RequestId: ${id}`);
      return found.length > 0 ? found : undefined;
    });
    assert.equal(lines.length, 1);
    // The queue lets go of an event just after the function returned.
    await eventually('an empty queue', async () => (server.backend.lambda.queue.depth() === 0 ? true : undefined));
    // The deprecated InvokeAsync queues the same way.
    const old = await lambda.send(
      new InvokeAsyncCommand({ FunctionName: 'async-echo', InvokeArgs: Buffer.from('{"n":2}') }),
    );
    assert.equal(old.Status, 202);
    const oldId = old.$metadata.requestId!;
    await eventually('the InvokeAsync REPORT line', async () =>
      (await logLines('async-echo', `REPORT RequestId: ${oldId}`)).length === 1 ? true : undefined,
    );
  });

  it('retries a failing event, then sends the record to the on-failure destination', async () => {
    const sink = await fn('sink', 'index.echo');
    await fn('fails', 'index.boom');
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'fails',
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: sink } },
      }),
    );
    const r = await lambda.send(
      new InvokeCommand({ FunctionName: 'fails', InvocationType: 'Event', Payload: Buffer.from('{"try":"me"}') }),
    );
    const id = r.$metadata.requestId!;
    const record = await eventually('the failure record at the destination', async () => {
      const found = await logLines('sink', id);
      return found.find((l) => l.includes('echo got'));
    });
    const parsed = JSON.parse(record.slice(record.indexOf('echo got ') + 'echo got '.length)) as {
      requestContext: { requestId: string; condition: string; approximateInvokeCount: number; functionArn: string };
      requestPayload: unknown;
      responseContext: { functionError?: string; statusCode: number };
      responsePayload: ErrorPayload;
    };
    assert.equal(parsed.requestContext.requestId, id);
    assert.equal(parsed.requestContext.condition, 'RetriesExhausted');
    assert.equal(parsed.requestContext.approximateInvokeCount, 2);
    assert.equal(parsed.requestContext.functionArn, 'arn:aws:lambda:us-east-1:000000000000:function:fails:$LATEST');
    assert.deepEqual(parsed.requestPayload, { try: 'me' });
    assert.equal(parsed.responseContext.functionError, 'Unhandled');
    assert.equal(parsed.responsePayload.errorMessage, 'boom');
    // Both attempts ran (same request id), no more.
    assert.equal((await logLines('fails', `REPORT RequestId: ${id}`)).length, 2);
  });

  it('drops an event after its attempts with a line on stderr', async () => {
    await fn('drops', 'index.boom');
    await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'drops', MaximumRetryAttempts: 2 }));
    let id = '';
    const lines = await captureStderr(async (seen) => {
      const r = await lambda.send(new InvokeCommand({ FunctionName: 'drops', InvocationType: 'Event' }));
      id = r.$metadata.requestId!;
      await eventually('the drop line', async () => seen.find((l) => l.includes(id)));
    });
    assert.ok(
      lines.includes(`[local-aws] lambda: dropped event ${id} for drops after 3 attempts: Error`),
      lines.join('\n'),
    );
    assert.equal((await logLines('drops', `REPORT RequestId: ${id}`)).length, 3);
  });

  it('accepts other destination types and says on stderr that it does not deliver to them', async () => {
    await fn('to-sqs', 'index.boom');
    const queue = 'arn:aws:sqs:us-east-1:000000000000:failures';
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'to-sqs',
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: queue } },
      }),
    );
    let id = '';
    const lines = await captureStderr(async (seen) => {
      id = (await lambda.send(new InvokeCommand({ FunctionName: 'to-sqs', InvocationType: 'Event' }))).$metadata
        .requestId!;
      await eventually('the drop line', async () => seen.find((l) => l.includes(`dropped event ${id}`)));
    });
    assert.ok(
      lines.some((l) => l.includes(`RetriesExhausted record for event ${id} of to-sqs not sent`) && l.includes(queue)),
      lines.join('\n'),
    );
    assert.ok(
      lines.includes(`[local-aws] lambda: dropped event ${id} for to-sqs after 1 attempts: Error`),
      lines.join('\n'),
    );
  });

  it('retries until the function succeeds, then reports success to the on-success destination', async () => {
    const sink = await fn('ok-sink', 'index.echo');
    await fn('flaky', 'index.flaky');
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'flaky',
        DestinationConfig: { OnSuccess: { Destination: sink } },
      }),
    );
    const r = await lambda.send(
      new InvokeCommand({ FunctionName: 'flaky', InvocationType: 'Event', Payload: Buffer.from('{"v":7}') }),
    );
    const id = r.$metadata.requestId!;
    const record = await eventually('the success record', async () =>
      (await logLines('ok-sink', id)).find((l) => l.includes('echo got')),
    );
    const parsed = JSON.parse(record.slice(record.indexOf('echo got ') + 9)) as {
      requestContext: { condition: string; approximateInvokeCount: number };
      responseContext: { functionError?: string };
      responsePayload: { ok: boolean; event: unknown };
    };
    assert.equal(parsed.requestContext.condition, 'Success');
    assert.equal(parsed.requestContext.approximateInvokeCount, 2);
    assert.equal(parsed.responseContext.functionError, undefined);
    assert.deepEqual(parsed.responsePayload, { ok: true, event: { v: 7 } });
  });
});

describe('who may invoke', () => {
  it('lets a role session invoke through its identity policy or the function policy; a deny wins', async () => {
    const target = await fn('guarded', 'index.echo');
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }],
    });
    const caller = await iam.send(new CreateRoleCommand({ RoleName: 'caller', AssumeRolePolicyDocument: trust }));
    const sts = new STSClient(server.clientConfig());
    const creds = (await sts.send(new AssumeRoleCommand({ RoleArn: caller.Role!.Arn!, RoleSessionName: 's1' })))
      .Credentials!;
    const asCaller = new LambdaClient(
      server.clientConfig({
        credentials: {
          accessKeyId: creds.AccessKeyId!,
          secretAccessKey: creds.SecretAccessKey!,
          sessionToken: creds.SessionToken!,
        },
      }),
    );
    await assert.rejects(asCaller.send(new InvokeCommand({ FunctionName: 'guarded' })), {
      name: 'AccessDeniedException',
      message:
        `User: arn:aws:sts::000000000000:assumed-role/caller/s1 ` +
        `is not authorized to perform: lambda:InvokeFunction ` +
        `on resource: ${target} because no identity-based policy allows the lambda:InvokeFunction action`,
    });
    const { AddPermissionCommand } = await import('@aws-sdk/client-lambda');
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: 'guarded',
        StatementId: 'caller',
        Action: 'lambda:InvokeFunction',
        Principal: caller.Role!.Arn!,
      }),
    );
    assert.equal((await asCaller.send(new InvokeCommand({ FunctionName: 'guarded' }))).StatusCode, 200);
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'caller',
        PolicyName: 'deny',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 'lambda:*', Resource: '*' }],
        }),
      }),
    );
    await assert.rejects(asCaller.send(new InvokeCommand({ FunctionName: 'guarded' })), {
      name: 'AccessDeniedException',
    });
  });

  it('needs lambda:CreateFunction and iam:PassRole on the role to create a function', async () => {
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }],
    });
    await iam.send(new CreateRoleCommand({ RoleName: 'deployer', AssumeRolePolicyDocument: trust }));
    const allow = (actions: string[]) =>
      iam.send(
        new PutRolePolicyCommand({
          RoleName: 'deployer',
          PolicyName: 'deploy',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
          }),
        }),
      );
    await allow(['lambda:CreateFunction']);
    const sts = new STSClient(server.clientConfig());
    const creds = (
      await sts.send(
        new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/deployer', RoleSessionName: 'ci' }),
      )
    ).Credentials!;
    const asDeployer = new LambdaClient(
      server.clientConfig({
        credentials: {
          accessKeyId: creds.AccessKeyId!,
          secretAccessKey: creds.SecretAccessKey!,
          sessionToken: creds.SessionToken!,
        },
      }),
    );
    const create = () =>
      asDeployer.send(
        new CreateFunctionCommand({
          FunctionName: 'deployed',
          Role: role,
          Runtime: 'nodejs22.x',
          Handler: 'index.echo',
          Code: { ZipFile: handlerZip() },
        }),
      );
    await assert.rejects(create(), {
      name: 'AccessDeniedException',
      message:
        `User: arn:aws:sts::000000000000:assumed-role/deployer/ci is not authorized to perform: ` +
        `iam:PassRole on resource: ${role} because no identity-based policy allows the iam:PassRole action`,
    });
    await allow(['lambda:CreateFunction', 'iam:PassRole']);
    assert.equal((await create()).State, 'Pending');
    await assert.rejects(asDeployer.send(new InvokeCommand({ FunctionName: 'deployed', InvocationType: 'DryRun' })), {
      name: 'AccessDeniedException',
    });
  });
});

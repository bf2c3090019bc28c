// Invoke through the SDK where the local endpoint's limits and settings show: the concurrency limit
// (429 for synchronous calls, waiting for queued ones), DryRun that runs nothing, and LoggingConfig's
// ApplicationLogLevel / SystemLogLevel reaching the runtime.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IAMClient } from '@aws-sdk/client-iam';
import {
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  type CreateFunctionCommandInput,
  type TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { startTestServer, tempDir, type TestServer } from '../../support/local-aws.ts';
import { createRole, eventually, zipWithEntries } from '../../support/lambda-kit.ts';

/** Writes `event.marker` (if any) when it starts, logs at two levels, then waits `event.ms`. */
const HANDLER = `
import * as fs from 'node:fs';
export const handler = async (event) => {
  if (event.marker) fs.writeFileSync(event.marker, 'ran');
  console.debug('debug-line');
  console.info('info-line');
  if (event.ms) await new Promise((r) => setTimeout(r, event.ms));
  return { ok: true };
};
`;

let server: TestServer;
let lambda: LambdaClient;
let role: string;
const markers = tempDir('invoke-limits-');

before(async () => {
  server = await startTestServer({ lambdaMaxConcurrency: 1 });
  lambda = new LambdaClient(server.clientConfig());
  role = await createRole(new IAMClient(server.clientConfig()), 'limits-role');
});
after(async () => {
  await server.stopAndRemove();
  fs.rmSync(markers, { recursive: true, force: true });
});

async function fn(name: string, extra: Partial<CreateFunctionCommandInput> = {}): Promise<void> {
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Role: role,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Code: { ZipFile: zipWithEntries({ 'index.mjs': HANDLER }) },
      ...extra,
    }),
  );
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: name });
}

function invoke(name: string, event: object, extra: { InvocationType?: 'Event' | 'DryRun'; LogType?: 'Tail' } = {}) {
  return lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(event)), ...extra }));
}

function marker(name: string): string {
  return path.join(markers, name);
}

/** The JSON records of an invocation's log tail. */
function tailRecords(logResult: string | undefined): Array<Record<string, unknown>> {
  const text = Buffer.from(logResult ?? '', 'base64').toString('utf8');
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('concurrency', () => {
  it('throttles a synchronous invoke beyond the limit with 429, queues an asynchronous one', async () => {
    await fn('busy');
    const first = invoke('busy', { marker: marker('first'), ms: 1500 });
    await eventually('the first invocation to run', async () => (fs.existsSync(marker('first')) ? true : undefined));
    await assert.rejects(
      invoke('busy', {}),
      (e: TooManyRequestsException & { $metadata: { httpStatusCode?: number } }) => {
        assert.equal(e.name, 'TooManyRequestsException');
        assert.equal(e.$metadata.httpStatusCode, 429);
        assert.equal(e.message, 'Rate Exceeded.');
        assert.equal(e.Reason, 'ConcurrentInvocationLimitExceeded');
        return true;
      },
    );
    // An Event invocation is accepted and runs once the environment is free.
    const queued = await invoke('busy', { marker: marker('queued') }, { InvocationType: 'Event' });
    assert.equal(queued.StatusCode, 202);
    assert.equal((await first).StatusCode, 200);
    await eventually('the queued invocation to run', async () => (fs.existsSync(marker('queued')) ? true : undefined));
    // Once the queued one has finished, a synchronous invoke gets the (one) warm environment again.
    const again = await eventually('the environment to be free', () =>
      invoke('busy', {}).catch((e: Error) => {
        if (e.name === 'TooManyRequestsException') return undefined;
        throw e;
      }),
    );
    assert.equal(again.FunctionError, undefined);
  });
});

describe('DryRun', () => {
  it('checks and answers 204 without running the function', async () => {
    await fn('dry');
    const r = await invoke('dry', { marker: marker('dry') }, { InvocationType: 'DryRun' });
    assert.equal(r.StatusCode, 204);
    // A synchronous run would have written the marker before answering.
    assert.equal(fs.existsSync(marker('dry')), false);
    await invoke('dry', { marker: marker('dry') });
    assert.equal(fs.existsSync(marker('dry')), true, 'the same event does run the function when invoked');
  });
});

describe('log levels (JSON log format)', () => {
  it(
    'drops console.debug at ApplicationLogLevel INFO, shows it ' +
      'at DEBUG; SystemLogLevel WARN drops the platform records',
    async () => {
      await fn('levels', { LoggingConfig: { LogFormat: 'JSON' } });
      const info = tailRecords((await invoke('levels', {}, { LogType: 'Tail' })).LogResult);
      const messages = (records: Array<Record<string, unknown>>) =>
        records.filter((r) => r.level).map((r) => `${r.level} ${r.message}`);
      assert.deepEqual(messages(info), ['INFO info-line']);
      assert.ok(
        info.some((r) => r.type === 'platform.report'),
        'platform records at the default SystemLogLevel INFO',
      );

      await lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: 'levels',
          LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'DEBUG', SystemLogLevel: 'WARN' },
        }),
      );
      await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: 'levels' });
      const debug = tailRecords((await invoke('levels', {}, { LogType: 'Tail' })).LogResult);
      assert.deepEqual(messages(debug), ['DEBUG debug-line', 'INFO info-line']);
      assert.deepEqual(
        debug.filter((r) => typeof r.type === 'string' && r.type.startsWith('platform.')),
        [],
        'no platform.start / platform.report at SystemLogLevel WARN',
      );
    },
  );
});

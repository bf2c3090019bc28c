// S3 -> Lambda across restarts of the endpoint (run as its own process, `local-aws/cli.ts serve`):
// uploads keep coming while it stops and starts again; every acknowledged upload must produce
// exactly one invocation after a graceful restart (SIGTERM), and at least one after a crash (SIGKILL).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient } from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  GetFunctionCommand,
  LambdaClient,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { freePort, ROOT, spawnServer, tempDir, type ServerProcess } from '../../support/local-aws.ts';
import { createRole, eventually, handlerZip } from '../../support/lambda-kit.ts';

let dataDir: string;
let port: number;
let url: string;
let proc: ServerProcess | undefined;
/** Events waiting on disk while the endpoint was down, per restart. */
const queuedAtRestart: number[] = [];

/** Everything the endpoint printed on stderr, over all its runs. */
let stderr = '';

async function start(): Promise<void> {
  proc = await spawnServer(port, dataDir, {
    LOCAL_AWS_LAMBDA_RETRY_DELAYS_MS: '50,100',
    // Two environments of a slowed-down copier run behind the uploads, so events are waiting on
    // disk when the endpoint stops (asserted below: the test cannot pass with an empty queue).
    LOCAL_AWS_LAMBDA_MAX_CONCURRENCY: '2',
  });
}

async function stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  await proc!.stop(signal);
  stderr += proc!.stderr();
  proc = undefined;
}

/** index.s3copy after a pause: slower than the uploads, so a backlog builds up. */
const SLOW_COPIER = `import { s3copy } from './index.mjs';
export const handler = async (event, context) => {
  await new Promise((r) => setTimeout(r, Number(process.env.DELAY_MS)));
  return s3copy(event, context);
};`;

const config = () => ({ endpoint: url, region: 'us-east-1', credentials: ROOT, forcePathStyle: true, maxAttempts: 1 });

before(async () => {
  dataDir = tempDir('lambda-restart-');
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
  await start();
});
after(async () => {
  if (proc) await stop('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/**
 * Uploads `count` objects, 4 at a time and paced (so that uploads go on while the endpoint stops, is
 * down and starts), restarting the endpoint once `restartAfter` were acknowledged.
 */
async function uploadThroughRestart(
  s3: S3Client,
  prefix: string,
  count: number,
  restartAfter: number,
  signal: 'SIGTERM' | 'SIGKILL',
) {
  const acked: string[] = [];
  const unacked: string[] = [];
  let next = 0;
  let restarting: Promise<void> | undefined;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      // A fresh key per attempt: an attempt that got no answer may or may not have happened.
      for (let attempt = 0; ; attempt++) {
        const key = `${prefix}-${String(i).padStart(3, '0')}-try${attempt}`;
        try {
          await s3.send(new PutObjectCommand({ Bucket: 'rs-src', Key: key, Body: key }));
          acked.push(key);
          if (acked.length === restartAfter && !restarting)
            restarting = stop(signal).then(() => {
              queuedAtRestart.push(
                fs.readdirSync(path.join(dataDir, 'lambda', 'queue')).filter((n) => n.endsWith('.json')).length,
              );
              return start();
            });
          await new Promise((r) => setTimeout(r, 25));
          break;
        } catch {
          unacked.push(key);
          await (restarting ?? new Promise((r) => setTimeout(r, 50)));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  await restarting;
  return { acked, unacked };
}

async function copiesByKey(s3: S3Client): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: 'rs-dst', ContinuationToken: token }));
    for (const c of page.Contents ?? []) {
      const key = c.Key!.split('/')[0]!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    token = page.NextContinuationToken;
  } while (token);
  return counts;
}

describe('S3 events across restarts', () => {
  it(
    'delivers every acknowledged upload exactly once across ' + 'a graceful restart, at least once across a crash',
    async (t) => {
      const s3 = new S3Client(config());
      const lambda = new LambdaClient(config());
      await s3.send(new CreateBucketCommand({ Bucket: 'rs-src' }));
      await s3.send(new CreateBucketCommand({ Bucket: 'rs-dst' }));
      const role = await createRole(new IAMClient(config()), 'rs-role', [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::rs-src/*' },
        { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::rs-dst/*' },
      ]);
      const fn = await lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'rs-copier',
          Role: role,
          Runtime: 'nodejs22.x',
          Handler: 'slow.handler',
          Timeout: 30,
          Code: { ZipFile: handlerZip({ 'slow.mjs': SLOW_COPIER }) },
          Environment: { Variables: { DEST_BUCKET: 'rs-dst', DELAY_MS: '40' } },
        }),
      );
      await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: 'rs-copier' });
      await lambda.send(
        new AddPermissionCommand({
          FunctionName: 'rs-copier',
          StatementId: 's3',
          Action: 'lambda:InvokeFunction',
          Principal: 's3.amazonaws.com',
          SourceArn: 'arn:aws:s3:::rs-src',
          SourceAccount: '000000000000',
        }),
      );
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'rs-src',
          NotificationConfiguration: {
            LambdaFunctionConfigurations: [{ LambdaFunctionArn: fn.FunctionArn, Events: ['s3:ObjectCreated:Put'] }],
          },
        }),
      );

      // Graceful: SIGTERM lets running invocations finish; queued ones wait on disk for the next start.
      const graceful = await uploadThroughRestart(s3, 'g', 100, 50, 'SIGTERM');
      assert.equal(graceful.acked.length, 100);
      const afterGraceful = await eventually(
        'a copy of every acknowledged upload',
        async () => {
          const counts = await copiesByKey(s3);
          return graceful.acked.every((k) => counts.has(k)) ? counts : undefined;
        },
        60_000,
        200,
      );
      for (const k of graceful.acked) assert.equal(afterGraceful.get(k), 1, `${k} ran ${afterGraceful.get(k)} times`);
      for (const k of graceful.unacked)
        assert.ok((afterGraceful.get(k) ?? 0) <= 1, `${k} (not acknowledged) ran more than once`);
      // The function survived the restart as it was.
      assert.equal(
        (await lambda.send(new GetFunctionCommand({ FunctionName: 'rs-copier' }))).Configuration!.State,
        'Active',
      );

      // Every invocation was logged: one REPORT line per copy (the graceful stop lost no log lines).
      const logs = new CloudWatchLogsClient(config());
      const total = [...afterGraceful.values()].reduce((a, b) => a + b, 0);
      const reports = await eventually('a REPORT line per invocation', async () => {
        let n = 0;
        let token: string | undefined;
        do {
          const page = await logs.send(
            new FilterLogEventsCommand({
              logGroupName: '/aws/lambda/rs-copier',
              filterPattern: 'REPORT',
              nextToken: token,
            }),
          );
          n += page.events?.length ?? 0;
          token = page.nextToken;
        } while (token);
        return n >= total ? n : undefined;
      });
      assert.equal(reports, total);

      // Crash: SIGKILL; an event that was running may run again, but none is lost.
      const crash = await uploadThroughRestart(s3, 'k', 40, 20, 'SIGKILL');
      const afterCrash = await eventually(
        'a copy of every upload acknowledged around the crash',
        async () => {
          const counts = await copiesByKey(s3);
          return crash.acked.every((k) => counts.has(k)) ? counts : undefined;
        },
        60_000,
        200,
      );
      for (const k of crash.acked) assert.ok(afterCrash.get(k)! >= 1);

      t.diagnostic(
        `events queued on disk at each restart: ${queuedAtRestart.join(', ')}; uploads ` +
          `refused while down: ${graceful.unacked.length}, ${crash.unacked.length}`,
      );
      // Both restarts happened with events still waiting on disk: what they delivered came through the restart.
      assert.equal(queuedAtRestart.length, 2);
      for (const n of queuedAtRestart)
        assert.ok(n > 0, `events queued on disk at a restart: ${queuedAtRestart.join(', ')}`);
      assert.doesNotMatch(stderr + (proc?.stderr() ?? ''), /internal error/);
    },
  );
});

// The stages the pipeline benchmark takes apart: the same 100 uploads into a bucket without a trigger
// (S3's own cost), into a bucket that triggers an empty function (+ event queue, Runtime API, the
// runtime, log lines), and through the walkthrough's resize function (+ its GetObject, sharp and
// PutObject); and the function's S3 calls alone (stage E). CPU per stage is read from /proc for the
// endpoint, its environments and this process.
import * as fs from 'node:fs';
import { AddPermissionCommand, CreateFunctionCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getObjectBytes, putThumbnail } from '../../handlers/resize/s3.ts';
import { clients, createRole, EMPTY_HANDLER, zipOf } from '../lambda/kit.ts';
import { processCpuMs } from '../lib/procs.ts';

export const PLAIN = 'bench-pipeline-plain';
export const NOOP_SOURCE = 'bench-pipeline-noop';
const NOOP = 'bench-pipeline-noop';

/** CPU ms of a process and all its descendants (the endpoint and its function environments). */
export function treeCpuMs(root: number): number {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    const cpu = processCpuMs(pid);
    if (Number.isFinite(cpu)) total += cpu;
    todo.push(...(children.get(pid) ?? []));
  }
  return total;
}

export interface StageCost {
  wallMs: number;
  /** CPU ms per image of the endpoint process, its function environments, and this (client) process. */
  endpoint: number;
  environments: number;
  client: number;
}

/** Measures `fn` (which handles `count` images) from this process. */
export async function measured(endpointPid: number, count: number, fn: () => Promise<unknown>): Promise<StageCost> {
  const t0 = performance.now();
  const tree0 = treeCpuMs(endpointPid);
  const server0 = processCpuMs(endpointPid);
  const client0 = process.cpuUsage();
  await fn();
  const wallMs = performance.now() - t0;
  const server = processCpuMs(endpointPid) - server0;
  const client = process.cpuUsage(client0);
  return {
    wallMs,
    endpoint: server / count,
    environments: (treeCpuMs(endpointPid) - tree0 - server) / count,
    client: (client.user + client.system) / 1000 / count,
  };
}

export function putAll(s3: S3Client, bucket: string, prefix: string, body: Buffer, count: number): Promise<unknown> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${i}.jpg`, Body: body, ContentType: 'image/jpeg' }),
      ),
    ),
  );
}

/** The plain bucket and the one that triggers an empty function (1024 MB, as the resize function). */
export async function setUpStages(endpoint: string): Promise<void> {
  const c = clients(endpoint);
  try {
    const role = await createRole(c.iam, 'bench-pipeline-noop');
    await c.lambda.send(
      new CreateFunctionCommand({
        FunctionName: NOOP,
        Role: role,
        Runtime: 'nodejs24.x',
        Handler: 'index.handler',
        MemorySize: 1024,
        Code: { ZipFile: zipOf({ 'index.mjs': EMPTY_HANDLER }) },
      }),
    );
    await waitUntilFunctionActiveV2({ client: c.lambda, maxWaitTime: 60 }, { FunctionName: NOOP });
    await c.lambda.send(
      new AddPermissionCommand({
        FunctionName: NOOP,
        StatementId: 's3',
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceArn: `arn:aws:s3:::${NOOP_SOURCE}`,
      }),
    );
    for (const Bucket of [PLAIN, NOOP_SOURCE]) await c.s3.send(new CreateBucketCommand({ Bucket }));
    const LambdaFunctionArn = `arn:aws:lambda:us-east-1:000000000000:function:${NOOP}`;
    await c.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: NOOP_SOURCE,
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [{ LambdaFunctionArn, Events: ['s3:ObjectCreated:*'] }],
        },
      }),
    );
  } finally {
    for (const client of Object.values(c)) client.destroy();
  }
}

/** Waits (polling every 50 ms) until the empty function has `count` REPORT lines since `since`. */
export async function noopInvocations(logs: CloudWatchLogsClient, since: number, count: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    let n = 0;
    let nextToken: string | undefined;
    do {
      const r = await logs.send(
        new FilterLogEventsCommand({
          logGroupName: `/aws/lambda/${NOOP}`,
          startTime: since,
          filterPattern: '"REPORT"',
          nextToken,
        }),
      );
      n += r.events?.length ?? 0;
      nextToken = r.nextToken;
    } while (nextToken);
    if (n >= count) return;
    if (Date.now() > deadline) throw new Error(`the empty function ran ${n} of ${count} times by the deadline`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Stage E: only the resize function's S3 calls, with the handler's own code (handlers/resize/s3.ts),
 * from this process, 2 at a time: GetObject of each uploaded image and PutObject of its thumbnail
 * (into the bucket without a trigger). With stage A and bare sharp it is what an image costs if the
 * trigger, the Runtime API, the runtime and the log lines cost nothing: the pipeline's floor.
 */
export async function s3CallsOnly(
  s3: S3Client,
  source: string,
  prefix: string,
  thumb: Buffer,
  count: number,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const key = `${prefix}${next++}.jpg`;
      const ref = { bucket: source, key, rawKey: key, eventName: 'ObjectCreated:Put' };
      await getObjectBytes(s3, ref, 10 * 1024 * 1024);
      await putThumbnail(s3, PLAIN, `e/${key}`, thumb, 'image/jpeg');
    }
  };
  await Promise.all([worker(), worker()]);
}

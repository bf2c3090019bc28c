// Lambda benchmark (issue 3): warm invoke round trip of an empty handler and cold start (INIT),
// side by side with lambda-local running the same handler file; and S3 upload -> function done.
//   npm run bench:lambda        (writes its section of bench/RESULTS.md)
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CreateFunctionCommand,
  InvokeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  AddPermissionCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  HeadObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { clients, createRole, EMPTY_HANDLER, initDurationOf, S3_DONE_HANDLER, zipOf } from './lambda/kit.ts';
import { lambdaLocalCold, lambdaLocalWarm, type LambdaLocalCold } from './lambda/lambda-local.ts';
import { isMain, runAlone } from './lib/main.ts';
import { startLocalEndpoint, tempDir } from './lib/procs.ts';
import { progress, type Goal, type Section } from './lib/report.ts';
import { median, ms, ratio, summarize, table, type Summary } from './lib/stats.ts';

export interface LambdaBenchOptions {
  warmInvokes?: number;
  coldStarts?: number;
  uploads?: number;
}

interface ColdSample {
  initMs: number;
  clientMs: number;
}

async function createFunction(
  lambda: LambdaClient,
  name: string,
  role: string,
  code: Buffer,
  env: Record<string, string> = {},
  memoryMb = 128,
): Promise<string> {
  const r = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Role: role,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Code: { ZipFile: code },
      MemorySize: memoryMb,
      Timeout: 10,
      Environment: { Variables: env },
    }),
  );
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 60 }, { FunctionName: name });
  return r.FunctionArn!;
}

async function invoke(lambda: LambdaClient, name: string): Promise<{ ms: number; log?: string }> {
  const t0 = performance.now();
  const r = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}'), LogType: 'Tail' }));
  const elapsed = performance.now() - t0;
  if (r.FunctionError) throw new Error(`${name} failed: ${Buffer.from(r.Payload ?? []).toString()}`);
  return { ms: elapsed, log: r.LogResult };
}

async function warmInvokes(lambda: LambdaClient, name: string, warmup: number, count: number): Promise<Summary> {
  for (let i = 0; i < warmup; i++)
    await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}') }));
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}') }));
    times.push(performance.now() - t0);
  }
  return summarize(times);
}

/** A configuration change makes the next invocation start a new environment (INIT), as on AWS. */
async function coldStarts(lambda: LambdaClient, name: string, count: number): Promise<ColdSample[]> {
  const out: ColdSample[] = [];
  for (let i = 0; i < count; i++) {
    await lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: name, Environment: { Variables: { COLD: String(i) } } }),
    );
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 60 }, { FunctionName: name });
    const r = await invoke(lambda, name);
    const initMs = initDurationOf(r.log);
    if (initMs === undefined) throw new Error(`no Init Duration in the REPORT line after configuration change ${i}`);
    out.push({ initMs, clientMs: r.ms });
  }
  return out;
}

async function waitForObject(s3: S3Client, bucket: string, key: string, deadlineMs: number): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    try {
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return;
    } catch (e) {
      if ((e as Error).name !== 'NotFound') throw e;
    }
    if (performance.now() > deadline) throw new Error(`s3://${bucket}/${key} did not appear within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function uploadToDone(
  c: ReturnType<typeof clients>,
  role: string,
  count: number,
): Promise<{ first: number; warm: Summary }> {
  const src = 'bench-trigger-src';
  const dst = 'bench-trigger-dst';
  await c.s3.send(new CreateBucketCommand({ Bucket: src }));
  await c.s3.send(new CreateBucketCommand({ Bucket: dst }));
  const arn = await createFunction(c.lambda, 'bench-s3-done', role, zipOf({ 'index.mjs': S3_DONE_HANDLER }), {
    DEST: dst,
  });
  await c.lambda.send(
    new AddPermissionCommand({
      FunctionName: 'bench-s3-done',
      StatementId: 's3invoke',
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      SourceArn: `arn:aws:s3:::${src}`,
      SourceAccount: '000000000000',
    }),
  );
  await c.s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: src,
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [{ LambdaFunctionArn: arn, Events: ['s3:ObjectCreated:*'] }],
      },
    }),
  );
  const one = async (key: string) => {
    const t0 = performance.now();
    await c.s3.send(new PutObjectCommand({ Bucket: src, Key: key, Body: 'x' }));
    await waitForObject(c.s3, dst, `done/${key}`, 30_000);
    return performance.now() - t0;
  };
  const first = await one('first.txt');
  const times: number[] = [];
  for (let i = 0; i < 3; i++) await one(`warmup-${i}.txt`);
  for (let i = 0; i < count; i++) times.push(await one(`upload-${i}.txt`));
  return { first, warm: summarize(times) };
}

export async function runLambdaBench(
  options: LambdaBenchOptions = {},
): Promise<Omit<Section, 'command' | 'startedAt' | 'durationMs'>> {
  const warmCount = options.warmInvokes ?? 1000;
  const coldCount = options.coldStarts ?? 10;
  const uploads = options.uploads ?? 40;
  progress('Lambda: starting the local endpoint');
  const local = await startLocalEndpoint();
  const handlerDir = tempDir('bench-lambda-handler-');
  const handlerFile = path.join(handlerDir.dir, 'index.mjs');
  fs.writeFileSync(handlerFile, EMPTY_HANDLER);
  const c = clients(local.url);
  try {
    const role = await createRole(c.iam, 'bench-lambda-role', [
      { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::bench-trigger-dst/*' },
    ]);
    await createFunction(c.lambda, 'bench-empty', role, zipOf({ 'index.mjs': EMPTY_HANDLER }));
    await createFunction(c.lambda, 'bench-empty-1769', role, zipOf({ 'index.mjs': EMPTY_HANDLER }), {}, 1769);
    const cpu = await cpuShare(local.url);

    progress('Lambda: first invoke of a new function (cold)');
    const first = await invoke(c.lambda, 'bench-empty');
    const firstInit = initDurationOf(first.log);
    progress(
      `Lambda: first invoke ${ms(first.ms)} ms (Init Duration ${ms(firstInit ?? NaN)} ms); ${warmCount} warm invokes`,
    );
    const warm = await warmInvokes(c.lambda, 'bench-empty', 100, warmCount);
    progress(`Lambda: warm p50 ${ms(warm.p50)} ms, p99 ${ms(warm.p99)} ms; the same at 1769 MB (one vCPU)`);
    const warmFull = await warmInvokes(c.lambda, 'bench-empty-1769', 100, warmCount);
    progress(`Lambda: warm at 1769 MB p50 ${ms(warmFull.p50)} ms, p99 ${ms(warmFull.p99)} ms; lambda-local warm`);
    const peerWarm = await lambdaLocalWarm(handlerFile, 100, warmCount);
    progress(
      `Lambda: lambda-local warm p50 ${ms(peerWarm.latency.p50)} ms, p99 ${ms(peerWarm.latency.p99)} ms; ` +
        `${coldCount} cold starts each`,
    );
    const cold = await coldStarts(c.lambda, 'bench-empty', coldCount);
    const peerCold: LambdaLocalCold[] = [];
    for (let i = 0; i < coldCount; i++) peerCold.push(await lambdaLocalCold(handlerFile));
    progress(
      `Lambda: cold Init Duration p50 ${ms(median(cold.map((x) => x.initMs)))} ms; ` +
        `lambda-local fresh process ${ms(median(peerCold.map((x) => x.wallMs)))} ms`,
    );
    progress(`Lambda: S3 upload -> function done, ${uploads} uploads`);
    const upload = await uploadToDone(c, role, uploads);
    progress(
      `Lambda: upload -> done p50 ${ms(upload.warm.p50)} ms, p99 ${ms(upload.warm.p99)} ms ` +
        `(first, cold: ${ms(upload.first)} ms)`,
    );
    return render({
      first: { ms: first.ms, initMs: firstInit },
      warm,
      warmFull,
      cpu,
      peerWarm: peerWarm.latency,
      cold,
      peerCold,
      upload,
      warmCount,
    });
  } finally {
    for (const client of Object.values(c)) client.destroy();
    await local.stop();
    await handlerDir.remove();
  }
}

function render(r: {
  first: { ms: number; initMs?: number };
  warm: Summary;
  warmFull: Summary;
  cpu: { enforced: boolean; detail: string };
  peerWarm: Summary;
  cold: ColdSample[];
  peerCold: LambdaLocalCold[];
  upload: { first: number; warm: Summary };
  warmCount: number;
}): Omit<Section, 'command' | 'startedAt' | 'durationMs'> {
  const init = summarize(r.cold.map((x) => x.initMs));
  const coldClient = summarize(r.cold.map((x) => x.clientMs));
  const peerFirst = summarize(r.peerCold.map((x) => x.firstExecuteMs));
  const peerLoad = summarize(r.peerCold.map((x) => x.loadMs + x.firstExecuteMs));
  const peerWall = summarize(r.peerCold.map((x) => x.wallMs));
  const peerBoot = summarize(r.peerCold.map((x) => x.nodeBootMs));
  const warmTable = table(
    [
      'warm invoke, empty handler',
      'local 128 MB ms:',
      'local 1769 MB ms:',
      'lambda-local ms:',
      'local 128 MB / lambda-local:',
    ],
    (['p50', 'p99', 'mean'] as const).map((k) => [
      k,
      ms(r.warm[k]),
      ms(r.warmFull[k]),
      ms(r.peerWarm[k]),
      ratio(r.warm[k] / r.peerWarm[k]),
    ]),
  );
  const coldTable = table(
    ['cold start', 'p50 ms:', 'max ms:', 'runs:'],
    [
      ['local: Init Duration (REPORT line) after a configuration change', ms(init.p50), ms(init.max), String(init.n)],
      [
        'local: client time of that first Invoke (SDK round trip, INIT included)',
        ms(coldClient.p50),
        ms(coldClient.max),
        String(coldClient.n),
      ],
      [
        `local: first Invoke of a newly created function (Init Duration ${ms(r.first.initMs ?? NaN)} ms)`,
        ms(r.first.ms),
        ms(r.first.ms),
        '1',
      ],
      [
        'lambda-local: first execute() in a fresh process (imports the handler)',
        ms(peerFirst.p50),
        ms(peerFirst.max),
        String(peerFirst.n),
      ],
      [
        'lambda-local: require("lambda-local") + first execute()',
        ms(peerLoad.p50),
        ms(peerLoad.max),
        String(peerLoad.n),
      ],
      [
        `lambda-local: whole fresh process, spawn to exit (Node boot ${ms(peerBoot.p50)} ms included)`,
        ms(peerWall.p50),
        ms(peerWall.max),
        String(peerWall.n),
      ],
    ],
  );
  const uploadTable = table(
    ['S3 upload -> function done', 'p50 ms:', 'p99 ms:', 'max ms:', 'uploads:'],
    [
      [
        'warm (function environment already running)',
        ms(r.upload.warm.p50),
        ms(r.upload.warm.p99),
        ms(r.upload.warm.max),
        String(r.upload.warm.n),
      ],
      ['first upload (cold: INIT of the function included)', ms(r.upload.first), '', '', '1'],
    ],
  );
  const goals: Goal[] = [
    {
      goal: 'warm invoke round trip p50 under 5 ms',
      met: r.warm.p50 < 5,
      detail:
        `p50 ${ms(r.warm.p50)} ms, p99 ${ms(r.warm.p99)} ms over ${r.warm.n} invokes at 128 MB; ` +
        `at 1769 MB p50 ${ms(r.warmFull.p50)} ms, p99 ${ms(r.warmFull.p99)} ms ` +
        `(lambda-local, in-process: p50 ${ms(r.peerWarm.p50)} ms).`,
    },
    {
      goal: 'cold start under 300 ms',
      met: init.p50 < 300 && coldClient.p50 < 300,
      detail:
        `Init Duration p50 ${ms(init.p50)} ms (max ${ms(init.max)} ms); ` +
        `the whole first Invoke as the client sees it p50 ${ms(coldClient.p50)} ms ` +
        `(max ${ms(coldClient.max)} ms). lambda-local in a fresh process: ${ms(peerWall.p50)} ms spawn to exit.` +
        (init.p50 < 300 && coldClient.p50 < 300 ? '' : ' Not met: see the INIT breakdown below.'),
    },
  ];
  const markdown = `${warmTable}
${coldTable}
${uploadTable}
How it was measured:
- The local endpoint runs as its own process (\`node --import tsx local-aws/cli.ts serve\`, temp data
  folder); the benchmark drives it with \`@aws-sdk/client-lambda\` (\`Invoke\`, RequestResponse) and
  \`@aws-sdk/client-s3\` from the benchmark's process. The function: \`${EMPTY_HANDLER.trim()}\` as
  \`index.mjs\` in a zip, runtime nodejs22.x, 128 MB (Lambda's default) and 1769 MB. ${r.warmCount} timed
  invokes after 100 warm-up ones for each.
- CPU share: ${r.cpu.enforced ? 'enforced' : 'NOT enforced'} on this machine (${r.cpu.detail.replace(/\.$/, '')}).
  ${
    r.cpu.enforced
      ? `At 128 MB an environment gets 128/1769 = 0.07 of a vCPU, as on AWS: the runtime's own work for each
  invocation uses up the 7 ms of CPU it may spend per 100 ms period after about ten back-to-back invokes,
  and the next one waits for the next period (the long tail at 128 MB). At 1769 MB (one vCPU) there is no
  such wait.`
      : 'Both sizes run at the full speed of the machine.'
  }
- Cold starts: \`UpdateFunctionConfiguration\` (a new environment variable) then
  \`waitUntilFunctionUpdatedV2\`, so the next invoke needs a new execution environment, as on AWS; that
  invoke asks for \`LogType: Tail\` and \`Init Duration\` is read from its REPORT line. INIT here = spawning
  a Node.js child process that loads the runtime interface client (bootstrap.mjs), imports the handler
  and asks the Runtime API for its first event.
- lambda-local ${peerVersion()} runs the same \`index.mjs\` file with
  \`lambdaLocal.execute({ event: {}, lambdaPath, esm: true, verboseLevel: 0 })\` in a plain Node process
  of its own (warm: ${r.warmCount} timed calls after 100 in one process; cold: a fresh process per run).
  **What lambda-local measures is a function call**: the handler runs in the caller's own process, with
  no isolation (shared memory, globals, environment variables and module cache), no HTTP, no
  serialization of event or result, no Runtime API, no separate process, no memory limit, no logs to
  CloudWatch, no IAM role credentials. Its "cold start" is an \`import()\` of the handler module into a
  running process. Ours is a full round trip: SigV4-signed HTTP request to the endpoint, IAM/permission
  checks, the event handed to a separate Node.js process through the Lambda Runtime API, the result back,
  START/END/REPORT lines written to CloudWatch Logs. So lambda-local is a floor, not a peer doing the same
  work; the ratio says how much the emulation of the real thing costs.
- S3 upload -> function done: a bucket notification (\`s3:ObjectCreated:*\`) invokes a function that
  writes \`done/<key>\` to a second bucket with the SDK (its role's credentials, through the endpoint);
  the time is from the start of \`PutObject\` to the first \`HeadObject\` that finds \`done/<key>\`
  (polled every ~2 ms). Events are delivered asynchronously through the endpoint's durable queue.
`;
  return { id: 'lambda', title: 'Lambda: local endpoint vs lambda-local (issue 3)', markdown, goals };
}

/** Whether the endpoint enforces CPU shares, from its health route. */
async function cpuShare(endpoint: string): Promise<{ enforced: boolean; detail: string }> {
  const health = (await (await fetch(new URL('/_localaws/health', endpoint))).json()) as {
    lambda?: { cpu?: { enforced: boolean; detail: string } };
  };
  return health.lambda?.cpu ?? { enforced: false, detail: 'not reported by the endpoint' };
}

function peerVersion(): string {
  const pkg = new URL('../node_modules/lambda-local/package.json', import.meta.url);
  return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version;
}

export async function lambdaSection(): Promise<Section> {
  const startedAt = new Date();
  const r = await runLambdaBench();
  return { ...r, command: 'npm run bench:lambda', startedAt, durationMs: Date.now() - startedAt.getTime() };
}

if (isMain(import.meta.url)) await runAlone(lambdaSection);

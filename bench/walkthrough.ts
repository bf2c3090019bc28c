// Walkthrough benchmark (issue 4): the one-shot (`walkthrough/all.ts`) to the first verified
// thumbnail, then the teardown, as a user runs them, side by side in the same run with the official
// tutorial's aws-cli commands (bench/official-tutorial.sh), against the same local endpoint. Also the
// deployment package's size and the resize function's cold start (Init Duration).
//   npm run bench:walkthrough        (writes its section of bench/RESULTS.md)
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateFunctionCommand,
  InvokeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { parseReport } from '../walkthrough/lib/report-line.ts';
import { clients, createRole, initDurationOf } from './lambda/kit.ts';
import { isMain, runAlone } from './lib/main.ts';
import { IMAGE, OFFICIAL_TUTORIAL, officialTutorialEnv } from './lib/official-tutorial.ts';
import { measureStartup, renderStartup } from './walkthrough-startup.ts';
import { PROJECT, TSX, run, startLocalEndpoint, tempDir, isolatedEnv } from './lib/procs.ts';
import { progress, type Goal, type Section } from './lib/report.ts';
import { median, ms, ratio, seconds, table } from './lib/stats.ts';

const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
/** Lambda's limit is 50 MB zipped for direct upload; the goal for this package is 9 MB (10^6 bytes). */
const PACKAGE_GOAL_BYTES = 9_000_000;
/** Cold starts per package in the alternating comparison. */
const COLD_RUNS = 7;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  wallMs: number;
}

function runProcess(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr, wallMs: performance.now() - t0 });
    });
  });
}

function ok(what: string, r: Ran): Ran {
  if (r.code !== 0)
    throw new Error(`${what} exited ${r.code}:\n${(r.stderr + r.stdout).split('\n').slice(-30).join('\n')}`);
  return r;
}

/** "time env 0.1 s, role 0.2 s, ...; total 9.9 s" from the one-shot's summary. */
function parseSummaryTimes(stdout: string): Map<string, number> {
  const line = /^\s*time\s+(.*)$/m.exec(stdout)?.[1];
  if (!line) throw new Error(`no "time" line in the one-shot's summary:\n${stdout.slice(-2000)}`);
  const out = new Map<string, number>();
  for (const m of line.matchAll(/([a-z]+) ([\d.]+) s/g)) if (m[1] !== 'total') out.set(m[1]!, Number(m[2]) * 1000);
  return out;
}

/** "##step NAME EPOCH_NS" markers of official-tutorial.sh -> duration of each step. */
function parseSteps(stdout: string): Map<string, number> {
  const marks = [...stdout.matchAll(/^##step (\S+) (\d+)$/gm)].map((m) => ({ name: m[1]!, ns: BigInt(m[2]!) }));
  const out = new Map<string, number>();
  for (let i = 0; i + 1 < marks.length; i++) out.set(marks[i]!.name, Number(marks[i + 1]!.ns - marks[i]!.ns) / 1e6);
  return out;
}

async function firstInitDuration(endpoint: string, functionName: string): Promise<number | undefined> {
  const logs = new CloudWatchLogsClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    const r = await logs.send(
      new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${functionName}`, filterPattern: '"Init Duration"' }),
    );
    const first = (r.events ?? []).sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0))[0]?.message;
    return first ? parseReport(first)?.initDurationMs : undefined;
  } finally {
    logs.destroy();
  }
}

/**
 * Cold starts of both packages measured the same way, alternating (so neither always pays for a cold
 * file cache): each deployed as a function with the same settings, then `runs` times a configuration
 * change (a new environment is needed) and one invoke; Init Duration from the REPORT line.
 */
async function alternatingColdStarts(
  endpoint: string,
  zips: { ours: string; official: string },
  runs: number,
): Promise<{ ours: number[]; official: number[] }> {
  const c = clients(endpoint);
  const out = { ours: [] as number[], official: [] as number[] };
  try {
    const role = await createRole(c.iam, 'bench-cold-role');
    for (const side of ['ours', 'official'] as const) {
      await c.lambda.send(
        new CreateFunctionCommand({
          FunctionName: `cold-${side}`,
          Role: role,
          Runtime: 'nodejs24.x',
          Handler: 'index.handler',
          Code: { ZipFile: fs.readFileSync(zips[side]) },
          MemorySize: 1024,
          Timeout: 30,
        }),
      );
      await waitUntilFunctionActiveV2({ client: c.lambda, maxWaitTime: 60 }, { FunctionName: `cold-${side}` });
    }
    for (let i = 0; i < runs; i++)
      for (const side of i % 2 === 0 ? (['ours', 'official'] as const) : (['official', 'ours'] as const)) {
        const name = `cold-${side}`;
        await c.lambda.send(
          new UpdateFunctionConfigurationCommand({
            FunctionName: name,
            Environment: { Variables: { RUN: String(i) } },
          }),
        );
        await waitUntilFunctionUpdatedV2({ client: c.lambda, maxWaitTime: 60 }, { FunctionName: name });
        // An empty event: the handler refuses it, but INIT (imports, S3 client) is what is measured.
        const r = await c.lambda.send(
          new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}'), LogType: 'Tail' }),
        );
        const init = initDurationOf(r.LogResult);
        if (init === undefined) throw new Error(`no Init Duration for ${name} run ${i}`);
        out[side].push(init);
      }
    return out;
  } finally {
    for (const client of Object.values(c)) client.destroy();
  }
}

/** Fills npm's cache with what both package builds download, so neither pays for the network. */
async function primeNpmCache(dir: string): Promise<void> {
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"prime","private":true}\n');
  const sharp = (
    JSON.parse(fs.readFileSync(path.join(PROJECT, 'node_modules', 'sharp', 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  // Ours installs the project's sharp version; the tutorial's `npm install sharp` takes the latest.
  for (const spec of [`sharp@${sharp}`, 'sharp'])
    ok(
      'npm install (priming the cache)',
      await runProcess(
        'npm',
        ['install', '--os=linux', '--cpu=x64', '--libc=glibc', '--no-audit', '--no-fund', '--no-save', spec],
        {
          cwd: dir,
          env: process.env,
          timeoutMs: 300_000,
        },
      ),
    );
}

export interface WalkthroughBench {
  awsCommandMs: number;
  ours: {
    steps: Map<string, number>;
    oneShotMs: number;
    teardownMs: number;
    initMs?: number;
    zipBytes: number;
    /** What is uploaded: the function zip and the sharp layer's zip. */
    packageBytes: number;
    coldInits: number[];
  };
  official: { steps: Map<string, number>; totalMs: number; initMs?: number; zipBytes: number; coldInits: number[] };
}

export async function runWalkthroughBench(): Promise<Omit<Section, 'command' | 'startedAt' | 'durationMs'>> {
  progress("Walkthrough: starting the local endpoint; priming npm's cache (not timed)");
  const local = await startLocalEndpoint();
  const scratch = tempDir('bench-walkthrough-');
  try {
    const prime = path.join(scratch.dir, 'prime');
    const oursCwd = path.join(scratch.dir, 'ours');
    const oursBuild = path.join(scratch.dir, 'ours-build');
    const officialDir = path.join(scratch.dir, 'official');
    for (const d of [prime, oursCwd, officialDir]) fs.mkdirSync(d);
    await primeNpmCache(prime);

    const base: NodeJS.ProcessEnv = isolatedEnv({
      ...CREDENTIALS,
    });
    const oursEnv: NodeJS.ProcessEnv = {
      ...base,
      AWS_ENDPOINT_URL: local.url,
      AWS_REGION: 'us-east-1',
      FORCE_COLOR: '0',
      NO_COLOR: '1',
      // A fresh build folder: the package is built from scratch, as the tutorial's is.
      WALKTHROUGH_BUILD_DIR: oursBuild,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    progress('Walkthrough: ours — node --import tsx walkthrough/all.ts (package built from scratch)');
    const setup = ok(
      'walkthrough/all.ts',
      await runProcess(
        process.execPath,
        ['--import', TSX, path.join(PROJECT, 'walkthrough', 'all.ts'), '--image', IMAGE],
        { cwd: oursCwd, env: oursEnv, timeoutMs: 300_000 },
      ),
    );
    if (!/Set-up is complete/.test(setup.stdout))
      throw new Error(`the one-shot did not complete:\n${setup.stdout.slice(-2000)}`);
    const steps = parseSummaryTimes(setup.stdout);
    const oursInit = await firstInitDuration(local.url, 'CreateThumbnail');
    const zipBytes = fs.statSync(path.join(oursBuild, 'resize-x86_64.zip')).size;
    const packageBytes = zipBytes + fs.statSync(path.join(oursBuild, 'sharp-layer-x86_64.zip')).size;
    progress(`Walkthrough: ours set up in ${seconds(setup.wallMs)} s; teardown`);
    const down = ok(
      'walkthrough/80-teardown.ts',
      await runProcess(process.execPath, ['--import', TSX, path.join(PROJECT, 'walkthrough', '80-teardown.ts')], {
        cwd: oursCwd,
        env: oursEnv,
        timeoutMs: 300_000,
      }),
    );
    progress(`Walkthrough: ours torn down in ${seconds(down.wallMs)} s; the official tutorial's aws-cli commands`);

    const official = ok(
      'bench/official-tutorial.sh',
      await runProcess('bash', [OFFICIAL_TUTORIAL], {
        cwd: officialDir,
        env: officialTutorialEnv(base, local.url, officialDir),
        timeoutMs: 600_000,
      }),
    );
    const officialSteps = parseSteps(official.stdout);
    const awsMs = await awsCommandMs(
      local.url,
      { ...base, AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' },
      officialDir,
    );
    const officialInit = await firstInitDuration(local.url, 'CreateThumbnailTutorial');
    const officialZip = fs.statSync(path.join(officialDir, 'lambda-s3', 'function.zip')).size;
    progress('Walkthrough: cold starts of both packages, alternating');
    const cold = await alternatingColdStarts(
      local.url,
      {
        ours: path.join(oursBuild, 'resize-x86_64.zip'),
        official: path.join(officialDir, 'lambda-s3', 'function.zip'),
      },
      COLD_RUNS,
    );
    progress(`Walkthrough: official tutorial done in ${seconds(official.wallMs)} s`);
    return render({
      awsCommandMs: awsMs,
      ours: {
        steps,
        oneShotMs: setup.wallMs,
        teardownMs: down.wallMs,
        initMs: oursInit,
        zipBytes,
        packageBytes,
        coldInits: cold.ours,
      },
      official: {
        steps: officialSteps,
        totalMs: official.wallMs,
        initMs: officialInit,
        zipBytes: officialZip,
        coldInits: cold.official,
      },
    });
  } finally {
    await local.stop();
    await scratch.remove();
  }
}

function render(r: WalkthroughBench): Omit<Section, 'command' | 'startedAt' | 'durationMs'> {
  const o = r.ours.steps;
  const f = r.official.steps;
  const g = (m: Map<string, number>, ...names: string[]) => names.reduce((a, n) => a + (m.get(n) ?? 0), 0);
  const stepSum = [...o.values()].reduce((a, b) => a + b, 0);
  const oursStartup = r.ours.oneShotMs - stepSum;
  const oursTotal = r.ours.oneShotMs + r.ours.teardownMs;
  const rows: Array<[string, number, number, string]> = [
    ['start-up: process, settings, endpoint check (ours: tsx + connect)', oursStartup, 0, ''],
    ['1. environment / identity (ours only: STS GetCallerIdentity, settings)', g(o, 'env'), 0, ''],
    [
      '2. execution role + policy',
      g(o, 'role'),
      g(f, 'policy', 'role'),
      'official: create-policy, create-role, attach-role-policy',
    ],
    ['3. buckets', g(o, 'buckets'), g(f, 'buckets'), 'ours also blocks public access and tags them'],
    [
      '4. deployment package (both from scratch)',
      g(o, 'package'),
      g(f, 'package'),
      'both npm install + zip; ours also esbuild',
    ],
    ['5. function', g(o, 'function'), g(f, 'function'), 'ours also creates the log group; both wait for Active'],
    ['6. trigger (permission + notification)', g(o, 'trigger'), g(f, 'trigger'), ''],
    [
      '7. test: invoke, upload, wait for thumbnail',
      g(o, 'test'),
      g(f, 'upload-test-object', 'test-invoke', 'test-trigger'),
      'ours also decodes it and prints the logs',
    ],
    ['teardown', r.ours.teardownMs, g(f, 'cleanup'), 'ours also deletes the log group'],
  ];
  const officialTotal = r.official.totalMs;
  const withoutPackage = ratio((officialTotal - g(f, 'package')) / (oursTotal - g(o, 'package')));
  const stepTable = table(
    ['step', 'ours s:', 'official tutorial s:', 'official / ours:', 'note'],
    [
      ...rows.map(([name, a, b, note]) => [name, seconds(a), b ? seconds(b) : '—', b ? ratio(b / a) : '', note]),
      [
        '**total** (setup to verified thumbnail, then teardown)',
        `**${seconds(oursTotal)}**`,
        `**${seconds(officialTotal)}**`,
        `**${ratio(officialTotal / oursTotal)}**`,
        "processes' wall clock",
      ],
      [
        'total without the package step (≈ both packages cached)',
        seconds(oursTotal - g(o, 'package')),
        seconds(officialTotal - g(f, 'package')),
        withoutPackage,
        '',
      ],
    ],
  );
  const speedup = officialTotal / oursTotal;
  const goals: Goal[] = [
    {
      goal: 'the walkthrough at least 5x faster than the official tutorial done with aws-cli',
      met: speedup >= 5,
      detail:
        `${seconds(oursTotal)} s vs ${seconds(officialTotal)} s = ${ratio(speedup)} ` +
        '(packages built from scratch on both sides).' +
        (speedup >= 5
          ? ''
          : ` Not met. Both spend the same on what does not depend on the client: building the package ` +
            `(${seconds(g(o, 'package'))} s vs ${seconds(g(f, 'package'))} s) ` +
            `and the function's own work in the test (a cold start of sharp, the resize). ` +
            `Without the package step the ratio is ${withoutPackage}. The rest of the official side is ` +
            `${countCommands()} aws-cli processes (plus the polling), each ~${ms(r.awsCommandMs)} ms on this machine ` +
            "(`aws sts get-caller-identity`, median of 5), most of it Python's start-up."),
    },
    {
      goal: 'deployment package under 9 MB zipped for x86_64',
      met: r.ours.packageBytes < PACKAGE_GOAL_BYTES,
      detail:
        `${mb(r.ours.packageBytes)}: the function zip ${mb(r.ours.zipBytes)} and the sharp layer's zip. ` +
        `The tutorial's \`zip -r function.zip .\`: ${mb(r.official.zipBytes)}.`,
    },
  ];
  const initText = (x: number | undefined) => (x !== undefined ? `${ms(x)} ms` : 'n/a');
  const resizeTable = table(
    ['resize function', 'ours:', 'official tutorial:'],
    [
      ['deployment package (x86_64, zipped: function + layer)', mb(r.ours.packageBytes), mb(r.official.zipBytes)],
      [
        'cold start: Init Duration of the first invocation (REPORT line)',
        initText(r.ours.initMs),
        initText(r.official.initMs),
      ],
      [
        `cold start: Init Duration, median of ${r.ours.coldInits.length} alternating cold starts ` +
          '(same settings, 1024 MB)',
        `${ms(median(r.ours.coldInits))} ms`,
        `${ms(median(r.official.coldInits))} ms`,
      ],
    ],
  );
  const markdown = `${stepTable}
${resizeTable}
How it was measured:
- Ours: \`node --import tsx walkthrough/all.ts --image test/fixtures/images/photo-landscape.jpg\` then
  \`node --import tsx walkthrough/80-teardown.ts\` (what \`npm run walkthrough\` / \`npm run teardown\` run,
  minus npm's own start-up), each a fresh process in a scratch folder, with \`AWS_ENDPOINT_URL\` set to
  the endpoint. Per-step times are the one-shot's own summary line (0.1 s resolution); start-up is its
  wall clock minus the steps.
- Official: \`bench/official-tutorial.sh\`, the tutorial's commands in order with \`--endpoint-url\`:
  create-bucket x2, put-object, \`iam create-policy\`, create-role, attach-role-policy, the tutorial's
  \`index.mjs\` + \`npm install --os=linux --cpu=x64 sharp\` + \`zip -r function.zip .\`, create-function
  (+ \`aws lambda wait function-active-v2\`, which a script needs where a person would look at the console),
  add-permission, put-bucket-notification-configuration, \`lambda invoke\` of the dummy event, list-objects,
  put-object, \`s3api head-object\` every 0.2 s until the thumbnail exists, then the tutorial's clean-up
  (delete-function, detach-role-policy, delete-policy, delete-role, \`s3 rm --recursive\` + delete-bucket x2).
  aws-cli: \`${run('aws', ['--version'])?.split(' ')[0] ?? 'aws'}\` from PATH.
- Package build counted the same way on both sides: **both cold** (a fresh build folder each), with npm's
  download cache primed beforehand (untimed) and \`--prefer-offline\` on both, so neither waits for the registry.
- Cold starts: the first invocation of each run is one sample with ours always first (a colder file
  cache); the alternating row deploys both zips as two functions with the same settings and takes
  ${r.ours.coldInits.length} cold starts of each in turn (a configuration change, then an invoke).
- The same endpoint process serves both, one after the other (ours first), with the same image
  (${Math.round(fs.statSync(IMAGE).size / 1024)} KiB JPEG).
`;
  return {
    id: 'walkthrough',
    title: 'Walkthrough: one-shot vs the official tutorial with aws-cli (issue 4)',
    markdown,
    goals,
  };
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(2)} MB (${bytes.toLocaleString('en-US')} bytes)`;
}

/** aws-cli invocations in official-tutorial.sh outside the polling loop. */
function countCommands(): number {
  const text = fs.readFileSync(OFFICIAL_TUTORIAL, 'utf8');
  return text.split('\n').filter((l) => /^\s*(if )?aws /.test(l)).length;
}

/** Wall time of one small aws-cli command against the endpoint (median of 5): mostly Python's start-up. */
async function awsCommandMs(endpoint: string, env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++)
    times.push(
      ok(
        'aws sts get-caller-identity',
        await runProcess('aws', ['--endpoint-url', endpoint, 'sts', 'get-caller-identity'], {
          cwd,
          env,
          timeoutMs: 60_000,
        }),
      ).wallMs,
    );
  return times.sort((a, b) => a - b)[2]!;
}

export async function walkthroughSection(): Promise<Section> {
  const startedAt = new Date();
  const r = await runWalkthroughBench();
  // Issue 10: the scripts' start-up, and the one-shot with a warm package beside the cold one above.
  const startup = renderStartup(await measureStartup());
  return {
    ...r,
    markdown: `${r.markdown}\n${startup.markdown}`,
    goals: [...r.goals, ...startup.goals],
    command: 'npm run bench:walkthrough',
    startedAt,
    durationMs: Date.now() - startedAt.getTime(),
  };
}

if (isMain(import.meta.url)) await runAlone(walkthroughSection);

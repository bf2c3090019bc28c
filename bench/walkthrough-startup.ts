// Start-up of the walkthrough's scripts (issue 10), median of 5 beside `node -e 0`: --help of every step,
// and a re-run of a step that finds everything in place; then the one-shot set-up -> verified thumbnail
// -> teardown with a warm package (the zip already built, on both sides) against the official
// tutorial's aws-cli commands, in turn.
//   node --import tsx bench/walkthrough-startup.ts      (prints its tables; bench/walkthrough.ts includes them)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hostIsLambdaPlatform } from '../walkthrough/lib/sharp-files.ts';
import { fileOf, STEPS } from '../walkthrough/lib/steps.ts';
import { isMain } from './lib/main.ts';
import { IMAGE, OFFICIAL_TUTORIAL, officialTutorialEnv } from './lib/official-tutorial.ts';
import { PROJECT, TSX, startLocalEndpoint, tempDir, isolatedEnv } from './lib/procs.ts';
import { progress, type Goal } from './lib/report.ts';
import { median, ratio, seconds, table } from './lib/stats.ts';

const RUNS = 5;

/** Wall time of one process, ms; throws with its output when it fails. */
function timed(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 600_000 });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return wall;
}

const medianOf = (n: number, f: () => number) => median(Array.from({ length: n }, f));
const script = (file: string) => ['--import', TSX, path.join(PROJECT, 'walkthrough', file)];

export interface StartupFigures {
  baseline: Array<[string, number]>;
  help: Array<[string, number]>;
  rerun: Array<[string, number]>;
  /** 30-package.ts with no zip in its build folder yet (a fresh folder each run). */
  coldPackage: number;
  warm: { ours: number[]; official: number[] };
}

export async function measureStartup(warmRuns = RUNS): Promise<StartupFigures> {
  const local = await startLocalEndpoint();
  const scratch = tempDir('bench-startup-');
  try {
    const base: NodeJS.ProcessEnv = isolatedEnv({
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    const env = {
      ...base,
      AWS_ENDPOINT_URL: local.url,
      AWS_REGION: 'us-east-1',
      NO_COLOR: '1',
      WALKTHROUGH_BUILD_DIR: path.join(scratch.dir, 'build'),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const dir = (name: string) => fs.mkdirSync(path.join(scratch.dir, name), { recursive: true }) ?? '';
    const cwd = path.join(scratch.dir, 'ours');
    dir('ours');
    progress('Start-up: node -e 0, node --import tsx -e 0, --help of every step');
    const baseline: Array<[string, number]> = [
      ['node -e 0', medianOf(RUNS, () => timed(process.execPath, ['-e', '0'], cwd, env))],
      ['node --import tsx -e 0', medianOf(RUNS, () => timed(process.execPath, ['--import', TSX, '-e', '0'], cwd, env))],
    ];
    const help = STEPS.map((s): [string, number] => [
      `${fileOf(s)} --help`,
      medianOf(RUNS, () => timed(process.execPath, [...script(fileOf(s)), '--help'], cwd, env)),
    ]);
    progress('Start-up: set-up (untimed, builds the package), then re-runs that find everything in place');
    timed(process.execPath, [...script('all.ts'), '--until', 'trigger'], cwd, env);
    const rerun = ['10-role.ts', '20-buckets.ts', '30-package.ts', '40-function.ts', '50-trigger.ts'].map(
      (file): [string, number] => [file, medianOf(RUNS, () => timed(process.execPath, script(file), cwd, env))],
    );
    progress('Start-up: the package step with no zip in build/ yet (sharp copied when this is linux, glibc)');
    let cold = 0;
    const coldPackage = medianOf(RUNS, () =>
      timed(process.execPath, script('30-package.ts'), cwd, {
        ...env,
        WALKTHROUGH_BUILD_DIR: path.join(scratch.dir, `cold-${++cold}`),
      }),
    );
    timed(process.execPath, script('80-teardown.ts'), cwd, env);

    progress('Warm package: the official tutorial once untimed (its zip), then both in turn');
    const officialEnv = (work: string, zip?: string) => officialTutorialEnv(base, local.url, work, zip);
    const tutorial = OFFICIAL_TUTORIAL;
    const first = path.join(scratch.dir, 'official-0');
    dir('official-0');
    timed('bash', [tutorial], first, officialEnv(first));
    const zip = path.join(first, 'lambda-s3', 'function.zip');
    const warm = { ours: [] as number[], official: [] as number[] };
    for (let i = 1; i <= warmRuns; i++) {
      const ours = path.join(scratch.dir, `ours-${i}`);
      dir(`ours-${i}`);
      warm.ours.push(
        timed(process.execPath, [...script('all.ts'), '--image', IMAGE], ours, env) +
          timed(process.execPath, script('80-teardown.ts'), ours, env),
      );
      const official = path.join(scratch.dir, `official-${i}`);
      dir(`official-${i}`);
      warm.official.push(timed('bash', [tutorial], official, officialEnv(official, zip)));
      progress(
        `Warm package: run ${i}: ours ${seconds(warm.ours.at(-1)!)} s, official ${seconds(warm.official.at(-1)!)} s`,
      );
    }
    return { baseline, help, rerun, coldPackage, warm };
  } finally {
    await local.stop();
    await scratch.remove();
  }
}

export function renderStartup(f: StartupFigures): { markdown: string; goals: Goal[] } {
  const slowestHelp = Math.max(...f.help.map(([, v]) => v));
  const slowestRerun = Math.max(...f.rerun.map(([, v]) => v));
  const ours = median(f.warm.ours);
  const official = median(f.warm.official);
  const rows = [
    ...f.baseline.map(([n, v]) => [n, seconds(v)]),
    ...f.help.map(([n, v]) => [`node --import tsx walkthrough/${n}`, seconds(v)]),
    ...f.rerun.map(([n, v]) => [`node --import tsx walkthrough/${n} (all in place)`, seconds(v)]),
    ['node --import tsx walkthrough/30-package.ts (cold: no zip in build/ yet)', seconds(f.coldPackage)],
  ];
  const markdown = `${table(['process', 'wall, s (median of 5):'], rows)}
${table(
  ['warm package, set-up -> thumbnail -> teardown', 'ours, s:', 'official aws-cli, s:', 'official / ours:'],
  [[`median of ${f.warm.ours.length} in turn`, seconds(ours), seconds(official), ratio(official / ours)]],
)}`;
  const goals: Goal[] = [
    {
      goal: '--help of any step under 0.4 s wall',
      met: slowestHelp < 400,
      detail: `slowest ${seconds(slowestHelp)} s; node --import tsx -e 0 takes ${seconds(f.baseline[1]![1])} s here`,
    },
    {
      goal: 'a re-run of a step that finds everything in place under 0.6 s',
      met: slowestRerun < 600,
      detail: `slowest ${seconds(slowestRerun)} s`,
    },
    {
      goal: "a cold package step (no zip in build/ yet) under 0.6 s on Lambda's platform",
      met: hostIsLambdaPlatform(process.arch) ? f.coldPackage < 600 : 'n/a',
      detail: `${seconds(f.coldPackage)} s on ${process.platform}-${process.arch} (sharp copied from node_modules)`,
    },
    {
      goal: 'one-shot with a warm package at least 5x faster than the aws-cli peer',
      met: official / ours >= 5,
      detail: `${seconds(ours)} s vs ${seconds(official)} s = ${ratio(official / ours)}`,
    },
  ];
  return { markdown, goals };
}

if (isMain(import.meta.url)) {
  const figures = await measureStartup(Number(process.env.WARM_RUNS) || RUNS);
  const { markdown, goals } = renderStartup(figures);
  console.log(markdown);
  for (const g of goals) console.log(`${g.met === true ? 'met' : 'NOT met'}: ${g.goal}: ${g.detail}`);
}

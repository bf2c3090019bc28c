// Thin command-line entry for every step: parse flags, connect, run, print a message that says what
// to do on failure, exit non-zero. Nothing here loads the SDK or zx: a step's --help costs only Node.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseEnv } from 'node:util';
import { parseCommandLine, type ParsedArgs } from './args.ts';
import { colour } from './colour.ts';
import type { BuildCtx } from './context.ts';
import { explain, UserError } from './errors.ts';
import { FLAGS } from './settings.ts';
import {
  fileOf,
  headingOf,
  oneShotSteps,
  stepByFile,
  STEPS,
  type FlagSpec,
  type StepDef,
  type StepRun,
} from './steps.ts';

export type { FlagSpec, ParsedArgs };

/** Flags every script accepts, besides the settings' flags (FLAGS). */
export const COMMON_BOOLEAN_FLAGS = ['yes', 'dry-run', 'cli', 'help'];
const ALIASES: Record<string, string> = { y: 'yes', h: 'help', arch: 'architecture' };

/** Each script's own flags (script path under walkthrough/), so help, parsing and tests agree. */
export function scriptFlags(steps: readonly StepDef[] = STEPS): Record<string, FlagSpec> {
  return {
    ...Object.fromEntries(steps.map((s) => [fileOf(s), s.flags])),
    // The one-shot takes every one-shot step's own flags too (the test step's --image).
    'all.ts': { string: ['until', 'emit-script', ...oneShotSteps(steps).flatMap((s) => s.flags.string ?? [])] },
    'extras/tune.ts': { string: ['runs', 'image', 'prices', 'save-json'] },
    'dev.ts': { string: ['image', 'handler-dir'], array: ['image'] },
    'extras/persistence.ts': { string: ['sequential', 'parallel', 'hold-ms'], boolean: ['teardown'] },
    'logs.ts': { string: ['since', 'filter'], boolean: ['follow'] },
    'invoke.ts': { string: ['key', 'image', 'event'] },
  };
}

export const SCRIPT_FLAGS = scriptFlags();

/** A command line the script does not understand: exit status 2, like other command-line tools. */
export class UsageError extends UserError {}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = here;
    }
  }
  return row[b.length]!;
}

/** The closest valid flag, when the given one looks like a typo of it. */
export function closestFlag(given: string, valid: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const v of valid) {
    const d = v.startsWith(given) || given.startsWith(v) ? Math.min(distance(given, v), 1) : distance(given, v);
    if (d < bestDistance) {
      best = v;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(given.length / 4)) ? best : undefined;
}

/**
 * Parses the command line, refusing what the script does not declare: a misspelt `--keep-bucket`
 * must not be ignored (teardown would then delete the buckets it was meant to keep).
 */
export function parseArgs(args: string[], spec: FlagSpec = {}): ParsedArgs {
  const booleans = [...COMMON_BOOLEAN_FLAGS, ...(spec.boolean ?? [])];
  const strings = [...Object.values(FLAGS), ...(spec.string ?? [])];
  const argv = parseCommandLine(args, { boolean: booleans, string: strings, array: spec.array, alias: ALIASES });
  const valid = [...booleans, ...strings];
  const known = new Set([...valid, ...Object.keys(ALIASES), '_']);
  const unknown = Object.keys(argv).filter((k) => !known.has(k));
  const listing = `Valid flags: ${valid.map((f) => `--${f}`).join(' ')} (see --help).`;
  if (unknown.length > 0) {
    const first = unknown[0]!;
    const near = closestFlag(first, valid);
    const shown = unknown.map((k) => (k.length === 1 ? `-${k}` : `--${k}`)).join(', ');
    throw new UsageError(`Unknown flag ${shown}${near ? `: did you mean --${near}?` : '.'} Nothing was done.`, listing);
  }
  if (argv._.length > 0)
    throw new UsageError(
      `Unexpected argument ${argv._.map(String).join(' ')}: this script takes only flags. Nothing was done.`,
      listing,
    );
  for (const flag of strings) {
    const given = argv[flag];
    if ((given === '' || (Array.isArray(given) && given.includes(''))) && args.some((a) => a === `--${flag}`))
      throw new UsageError(`--${flag} needs a value. Nothing was done.`, listing);
  }
  return argv;
}

export const COMMON_HELP = `Common flags:
  --target local|aws     where to run (default local: the project's local endpoint, started if needed)
  --region R             AWS region (or AWS_REGION; on AWS also your profile's region)
  --profile P            AWS profile (or AWS_PROFILE; SSO profiles work after aws sso login)
  --yes                  do not ask for confirmation on real AWS
  --dry-run              change nothing, say what would be done
  --cli                  print the equivalent aws-cli commands
  Settings (see env.example): ${Object.entries(FLAGS)
    .map(([k, f]) => `--${f} (${k})`)
    .join(', ')}`;

/** True when the module is the script node was started with (so tests can import it). */
export function isMain(importMetaUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return importMetaUrl === pathToFileURL(fs.realpathSync(entry)).href;
  } catch {
    return false;
  }
}

/** A step's --help: its heading, what it does, its own flags, how to run it, the common flags. */
export function stepHelp(step: StepDef): string {
  const own = [...(step.flags.boolean ?? []), ...(step.flags.string ?? [])]
    .map((f) => `--${f}`)
    .filter((f) => !(step.flagHelp ?? []).some((h) => h.startsWith(f)) && !step.about.includes(f));
  const lines = [
    headingOf(step),
    '',
    step.about,
    ...(step.flagHelp ?? []).map((h) => `  ${h}`),
    ...(own.length ? [`  (this step's own flags: ${own.join(' ')})`] : []),
    `  Run it: ./walkthrough/${fileOf(step)} [flags]  (or npx tsx walkthrough/${fileOf(step)})`,
    '',
    COMMON_HELP,
  ];
  return lines.join('\n');
}

/** Runs the step of this file as a command (`./walkthrough/10-role.ts [flags]`) when it is the entry point. */
export function stepMain(importMetaUrl: string, run: StepRun, steps: readonly StepDef[] = STEPS): Promise<void> {
  return asCommand(importMetaUrl, steps, async (argv) => {
    const { connect } = await import('./context.ts');
    return { ctx: await connect(argv), run };
  });
}

/** The same for a step that makes no AWS call (the package step): no endpoint, credentials or account. */
export function offlineStepMain(
  importMetaUrl: string,
  run: (ctx: BuildCtx) => Promise<unknown>,
  steps: readonly StepDef[] = STEPS,
): Promise<void> {
  return asCommand(importMetaUrl, steps, async (argv) => {
    const { offline } = await import('./context.ts');
    return { ctx: offline(argv), run };
  });
}

async function asCommand<C extends BuildCtx>(
  importMetaUrl: string,
  steps: readonly StepDef[],
  start: (argv: ParsedArgs) => Promise<{ ctx: C; run: (ctx: C) => Promise<unknown> }>,
): Promise<void> {
  if (!isMain(importMetaUrl)) return;
  const step = stepByFile(path.basename(fileURLToPath(importMetaUrl)), steps);
  if (!step) throw new Error(`${importMetaUrl} is not in walkthrough/lib/steps.ts`);
  try {
    const argv = parseArgs(process.argv.slice(2), step.flags);
    if (argv.help) return console.log(stepHelp(step));
    const { ctx, run } = await start(argv);
    ctx.report.heading(headingOf(step) + (ctx.dryRun ? ' (dry run: nothing is changed)' : ''));
    await run(ctx);
  } catch (err) {
    fail(err);
  }
}

/** DEBUG=1 (or true), from the environment or .env: stack traces on failure. */
export function debugEnabled(): boolean {
  const fromFile = fs.existsSync('.env') ? parseEnv(fs.readFileSync('.env', 'utf8')).DEBUG : undefined;
  return /^(1|true|yes)$/i.test(process.env.DEBUG ?? fromFile ?? '');
}

export function fail(err: unknown): void {
  const { message, hint } = explain(err);
  console.error(colour.red('✗ ' + message));
  if (hint) console.error('  ' + hint);
  if (debugEnabled() && err instanceof Error) console.error(err.stack);
  process.exitCode = err instanceof UsageError ? 2 : 1;
}

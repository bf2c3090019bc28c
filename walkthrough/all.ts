#!/usr/bin/env -S node --import=tsx
// The one-shot: every step in order on one connection, then a summary (resources, time per step,
// where the thumbnail was saved, how to tear it all down). Re-running it changes nothing and says so.
//   npm run walkthrough [-- --until <step>] [--trigger sns] [--target aws --yes] [--dry-run] [--cli]
import type { Ctx } from './lib/context.ts';
import { colour as chalk } from './lib/colour.ts';
import { UserError } from './lib/errors.ts';
import { COMMON_HELP, fail, isMain, parseArgs, SCRIPT_FLAGS } from './lib/main.ts';
import { logGroupName } from './lib/policies.ts';
import { shellQuote } from './lib/aws-cli.ts';
import { FLAGS, type SettingName } from './lib/settings.ts';
import { fileOf, headingOf, nextStep, oneShotSteps, stepById, stepCommand, STEPS, type StepDef } from './lib/steps.ts';

export interface WalkthroughResult {
  ctx: Ctx;
  timings: Array<{ step: string; ms: number }>;
  changed: boolean;
  /** Set when --until stopped the run before the last step (a step id). */
  stoppedAfter?: string;
}

/** Runs the one-shot's steps in the registry's order, up to and including `until` (an id or a number). */
export async function runWalkthrough(
  ctx: Ctx,
  until?: string,
  steps: readonly StepDef[] = STEPS,
): Promise<WalkthroughResult> {
  const order = oneShotSteps(steps);
  const last = order.find((s) => s.id === until || String(s.number) === until);
  if (until && !last)
    throw new UserError(`--until ${until}: no such step.`, `Steps: ${order.map((s) => s.id).join(', ')}`);
  const timings: WalkthroughResult['timings'] = [];
  for (const step of order) {
    const run = await step.load();
    ctx.report.heading(headingOf(step) + (ctx.dryRun ? ' (dry run)' : ''));
    const started = performance.now();
    await run(ctx);
    timings.push({ step: step.id, ms: performance.now() - started });
    if (step === last) break;
  }
  const stoppedAfter = last && last !== order[order.length - 1] ? last.id : undefined;
  return { ctx, timings, changed: ctx.report.changedSomething, stoppedAfter };
}

/** The flags that chose this run's settings, shell-quoted: teardown (or a re-run) needs the same ones. */
export function settingFlags(ctx: Ctx): string[] {
  const out: string[] = [];
  for (const [name, flag] of Object.entries(FLAGS) as Array<[SettingName, string]>) {
    const source = ctx.sources[name];
    if (source?.from === 'flag') out.push(`--${flag}`, shellQuote(source.value));
  }
  return out;
}

/** `npm run <script> [-- flags]`, and a note naming the settings that came from the environment or .env. */
export function commandWithSettings(ctx: Ctx, script: string, extra: string[] = []): string {
  const flags = [...extra, ...settingFlags(ctx)];
  const command = `npm run ${script}${flags.length ? ' -- ' + flags.join(' ') : ''}`;
  const inherited = (Object.keys(ctx.sources) as SettingName[]).filter(
    (n) => ctx.sources[n]?.from === 'environment' || ctx.sources[n]?.from === '.env',
  );
  return inherited.length ? `${command}  (with the same ${inherited.join(', ')} in your environment or .env)` : command;
}

export function printSummary(r: WalkthroughResult): void {
  const { ctx, timings } = r;
  const s = ctx.settings;
  const out = (line = '') => ctx.report.print(line);
  out();
  out(chalk.bold(ctx.dryRun ? 'Summary of the dry run' : 'Summary'));
  out(`  target     ${s.target === 'aws' ? `AWS account ${s.accountId}` : s.endpoint} (${s.region})`);
  out(`  role       ${s.roleName}`);
  out(`  buckets    ${s.sourceBucket} -> ${s.destBucket}`);
  out(`  function   ${s.functionName} (log group ${logGroupName(s)})`);
  out(
    s.trigger === 'sns'
      ? `  trigger    ${s.sourceBucket} -> topic ${s.topicName} -> ${s.functionName} ` +
          `(publish to it yourself: ${stepCommand('publish')})`
      : `  trigger    ${s.sourceBucket} -> ${s.functionName}`,
  );
  const last = ctx.state.data.lastTest;
  if (last && !ctx.dryRun) out(`  thumbnail  s3://${s.destBucket}/${last.thumbnailKey} -> ${last.savedTo}`);
  out(
    `  time       ${timings.map((t) => `${t.step} ${(t.ms / 1000).toFixed(1)} s`).join(', ')}; ` +
      `total ${(timings.reduce((a, t) => a + t.ms, 0) / 1000).toFixed(1)} s`,
  );
  if (ctx.dryRun) {
    out(
      '  This was a dry run: nothing was changed' +
        `${r.stoppedAfter ? ` (it stopped after step ${r.stoppedAfter})` : ''}. ` +
        'The lines marked "? would" are what a real run would do.',
    );
    out(
      `  Do it for real with: ` +
        commandWithSettings(ctx, 'walkthrough', r.stoppedAfter ? ['--until', r.stoppedAfter] : []),
    );
    return;
  }
  if (r.stoppedAfter) {
    const next = nextStep(r.stoppedAfter);
    out(
      `  Stopped after step ${r.stoppedAfter} (--until ${r.stoppedAfter})` +
        `${r.changed ? '' : '; nothing needed changing up to there'}.`,
    );
    if (next)
      out(
        `  Continue with: ${commandWithSettings(ctx, 'walkthrough')}  ` +
          `(or the next step alone: npx tsx walkthrough/${fileOf(next)} ${settingFlags(ctx).join(' ')})`.trimEnd(),
      );
  } else out(r.changed ? '  Set-up is complete.' : '  Nothing needed changing: everything was already in place.');
  out(`  Tear it all down with: ${commandWithSettings(ctx, 'teardown')}`);
}

/** --help: the steps --until takes come from the registry. */
export function walkthroughHelp(steps: readonly StepDef[] = STEPS): string {
  const until = oneShotSteps(steps)
    .map((s) => `${s.number} ${s.id}`)
    .join(', ');
  return [
    'npm run walkthrough: every step in order, then a summary.',
    `  --until STEP   stop after STEP, by number or name (${until})`,
    '  --image PATH   test with your own image',
    '  --emit-script DIR   write DIR/set-up.sh and DIR/teardown.sh: the walkthrough as plain aws-cli commands',
    '                      (the bucket -> function trigger only: refused with --trigger sns)',
    '  --trigger sns  bucket -> topic -> function instead of bucket -> function (TRIGGER)',
    '',
    COMMON_HELP,
  ].join('\n');
}

/** --emit-script DIR: step 4 builds the zip if needed (a local build, nothing in the account), then the scripts. */
async function emit(ctx: Ctx, dir: string): Promise<void> {
  if (!dir) throw new UserError('--emit-script needs a folder: --emit-script out/');
  // Refused before anything is built: the scripts hold the bucket -> function trigger only.
  if (ctx.settings.trigger !== 'lambda')
    throw new UserError(
      '--emit-script writes the bucket -> function variant only (TRIGGER=lambda), not the SNS one. Nothing was done.',
      'Run it without --trigger sns (and without TRIGGER=sns in the environment or .env); ' +
        'the SNS variant runs with npm run walkthrough -- --trigger sns, and --cli prints its commands.',
    );
  const packageStep = await stepById('package').load();
  ctx.report.heading(headingOf(stepById('package')));
  await packageStep(ctx);
  const { builtPackage } = await import('./lib/package.ts');
  const pkg = builtPackage(ctx.settings);
  if (!pkg) throw new UserError('No package was built (a dry run builds none): run without --dry-run.');
  const { emitScripts } = await import('./lib/emit-script.ts');
  const files = await emitScripts(ctx, dir, pkg.zipPath, pkg.layer.zipPath);
  ctx.report.print(`\nWrote ${files.join(' and ')}: run them with bash (set-up, then teardown).`);
}

async function main(): Promise<void> {
  let argv: ReturnType<typeof parseArgs>;
  try {
    argv = parseArgs(process.argv.slice(2), SCRIPT_FLAGS['all.ts']);
  } catch (err) {
    return fail(err);
  }
  if (argv.help) return console.log(walkthroughHelp());
  try {
    const { connect } = await import('./lib/context.ts');
    const ctx = await connect(argv);
    if (argv['emit-script'] !== undefined) return await emit(ctx, String(argv['emit-script']));
    printSummary(await runWalkthrough(ctx, argv.until as string | undefined));
  } catch (err) {
    fail(err);
  }
}

if (isMain(import.meta.url)) await main();

// The one-shot: every step in order on one connection, then a summary (resources, time per step,
// where the thumbnail was saved, how to tear it all down). Re-running it changes nothing and says so.
//   npm run walkthrough [-- --until <step>] [--trigger sns] [--target aws --yes] [--dry-run] [--cli]
import { chalk } from 'zx';
import { envStep } from './00-env.ts';
import { roleStep } from './10-role.ts';
import { bucketsStep } from './20-buckets.ts';
import { packageStep } from './30-package.ts';
import { functionStep } from './40-function.ts';
import { triggerStep } from './50-trigger.ts';
import { testStep } from './60-test.ts';
import { connect, type Ctx } from './lib/context.ts';
import { UserError } from './lib/errors.ts';
import { COMMON_HELP, fail, isMain, parseArgs, SCRIPT_FLAGS } from './lib/main.ts';
import { logGroupName } from './lib/policies.ts';
import { shellQuote } from './lib/aws-cli.ts';
import { FLAGS, type SettingName } from './lib/settings.ts';

export const STEPS = [
  { name: 'env', title: '1. Environment', run: envStep },
  { name: 'role', title: '2. Execution role', run: roleStep },
  { name: 'buckets', title: '3. Buckets', run: bucketsStep },
  { name: 'package', title: '4. Deployment package', run: packageStep },
  { name: 'function', title: '5. Function', run: functionStep },
  { name: 'trigger', title: '6. Trigger', run: triggerStep },
  { name: 'test', title: '7. Test', run: testStep },
] as const;

export type StepName = (typeof STEPS)[number]['name'];

export interface WalkthroughResult {
  ctx: Ctx;
  timings: Array<{ step: string; ms: number }>;
  changed: boolean;
  /** Set when --until stopped the run before the last step. */
  stoppedAfter?: StepName;
}

/** Each step's script, for "continue with" hints. */
export const STEP_FILES: Record<StepName, string> = {
  env: '00-env.ts',
  role: '10-role.ts',
  buckets: '20-buckets.ts',
  package: '30-package.ts',
  function: '40-function.ts',
  trigger: '50-trigger.ts',
  test: '60-test.ts',
};

export async function runWalkthrough(ctx: Ctx, until?: string): Promise<WalkthroughResult> {
  if (until && !STEPS.some((s) => s.name === until))
    throw new UserError(`--until ${until}: no such step.`, `Steps: ${STEPS.map((s) => s.name).join(', ')}`);
  const timings: WalkthroughResult['timings'] = [];
  for (const step of STEPS) {
    ctx.report.heading(step.title + (ctx.dryRun ? ' (dry run)' : ''));
    const started = performance.now();
    await step.run(ctx);
    timings.push({ step: step.name, ms: performance.now() - started });
    if (step.name === until) break;
  }
  const last = STEPS[STEPS.length - 1]!.name;
  const stoppedAfter = until && until !== last ? (until as StepName) : undefined;
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
      ? `  trigger    ${s.sourceBucket} -> topic ${s.topicName} -> ${s.functionName} (publish to it yourself: npx tsx walkthrough/65-publish.ts)`
      : `  trigger    ${s.sourceBucket} -> ${s.functionName}`,
  );
  const last = ctx.state.data.lastTest;
  if (last && !ctx.dryRun) out(`  thumbnail  s3://${s.destBucket}/${last.thumbnailKey} -> ${last.savedTo}`);
  out(
    `  time       ${timings.map((t) => `${t.step} ${(t.ms / 1000).toFixed(1)} s`).join(', ')}; total ${(timings.reduce((a, t) => a + t.ms, 0) / 1000).toFixed(1)} s`,
  );
  if (ctx.dryRun) {
    out(
      `  This was a dry run: nothing was changed${r.stoppedAfter ? ` (it stopped after step ${r.stoppedAfter})` : ''}. The lines marked "? would" are what a real run would do.`,
    );
    out(
      `  Do it for real with: ${commandWithSettings(ctx, 'walkthrough', r.stoppedAfter ? ['--until', r.stoppedAfter] : [])}`,
    );
    return;
  }
  if (r.stoppedAfter) {
    const next = STEPS[STEPS.findIndex((x) => x.name === r.stoppedAfter) + 1];
    out(
      `  Stopped after step ${r.stoppedAfter} (--until ${r.stoppedAfter})${r.changed ? '' : '; nothing needed changing up to there'}.`,
    );
    if (next)
      out(
        `  Continue with: ${commandWithSettings(ctx, 'walkthrough')}  (or the next step alone: npx tsx walkthrough/${STEP_FILES[next.name]} ${settingFlags(ctx).join(' ')})`.trimEnd(),
      );
  } else out(r.changed ? '  Set-up is complete.' : '  Nothing needed changing: everything was already in place.');
  out(`  Tear it all down with: ${commandWithSettings(ctx, 'teardown')}`);
}

async function main(): Promise<void> {
  let argv: ReturnType<typeof parseArgs>;
  try {
    argv = parseArgs(process.argv.slice(2), SCRIPT_FLAGS['all.ts']);
  } catch (err) {
    return fail(err);
  }
  if (argv.help) {
    console.log(
      `npm run walkthrough: every step in order, then a summary.\n  --until STEP   stop after STEP (${STEPS.map((s) => s.name).join(', ')})\n  --image PATH   test with your own image\n  --trigger sns  bucket -> topic -> function instead of bucket -> function (TRIGGER)\n\n${COMMON_HELP}`,
    );
    return;
  }
  try {
    const ctx = await connect(argv);
    printSummary(await runWalkthrough(ctx, argv.until as string | undefined));
  } catch (err) {
    fail(err);
  }
}

if (isMain(import.meta.url)) await main();

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
import { COMMON_HELP, fail, isMain, parseArgs } from './lib/main.ts';
import { logGroupName } from './lib/policies.ts';

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
}

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
  return { ctx, timings, changed: ctx.report.changedSomething };
}

export function printSummary(r: WalkthroughResult): void {
  const { ctx, timings } = r;
  const s = ctx.settings;
  const out = (line = '') => ctx.report.print(line);
  out();
  out(chalk.bold('Summary'));
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
  if (last) out(`  thumbnail  s3://${s.destBucket}/${last.thumbnailKey} -> ${last.savedTo}`);
  out(`  time       ${timings.map((t) => `${t.step} ${(t.ms / 1000).toFixed(1)} s`).join(', ')}; total ${(timings.reduce((a, t) => a + t.ms, 0) / 1000).toFixed(1)} s`);
  out(r.changed ? '  Set-up is complete.' : '  Nothing needed changing: everything was already in place.');
  out(`  Tear it all down with: npm run teardown${s.target === 'aws' ? ' -- --target aws' : ''}`);
}

async function main(): Promise<void> {
  const argv = parseArgs(process.argv.slice(2));
  if (argv.help) {
    console.log(`npm run walkthrough: every step in order, then a summary.\n  --until STEP   stop after STEP (${STEPS.map((s) => s.name).join(', ')})\n  --image PATH   test with your own image\n  --trigger sns  bucket -> topic -> function instead of bucket -> function (TRIGGER)\n\n${COMMON_HELP}`);
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

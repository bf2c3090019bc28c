#!/usr/bin/env -S node --import=tsx
// Step 1. The environment: resolve and check the settings, check who we are (STS), print them.
//   npx tsx walkthrough/00-env.ts            show the settings, where each came from, and the identity
//   npx tsx walkthrough/00-env.ts --export   print `export NAME=value` lines, for
//     eval "$(npx tsx walkthrough/00-env.ts --export)"
import { awsCommand } from './lib/aws-cli.ts';
import type { Ctx } from './lib/context.ts';
import { fail, isMain, parseArgs, stepMain } from './lib/main.ts';
import { stepById } from './lib/steps.ts';
import { exportedVariables, printExports } from './lib/env-vars.ts';
import { describeTarget, OLD_NODE } from './lib/settings.ts';

export async function envStep(ctx: Ctx): Promise<void> {
  const { settings: s, report, identity } = ctx;
  report.info(`target: ${describeTarget(s)}, region ${s.region}`);
  report.info(`identity: ${identity.arn} (account ${identity.accountId})`);
  report.cli(awsCommand(ctx.cliTarget, 'sts', 'get-caller-identity'));
  const width = Math.max(...exportedVariables(ctx).map(([n]) => n.length));
  for (const [name, value] of exportedVariables(ctx)) {
    const from =
      ctx.sources[name as keyof typeof ctx.sources]?.from ?? (name === 'LOG_GROUP_NAME' ? 'derived' : 'default');
    report.print(
      `  ${name.padEnd(width)}  ${value}  ${from === 'default' || from === 'derived' ? `(${from})` : `(from ${from})`}`,
    );
  }
  report.info(`state file: ${ctx.state.file}`);
  if (OLD_NODE)
    report.info(`Node.js ${process.versions.node}: AWS SDK releases after early 2027 need Node.js 22 or newer`);
}

/** --export: everything but the export lines goes to stderr, so the output can be eval'ed. */
async function exportMain(): Promise<void> {
  try {
    const { connect } = await import('./lib/context.ts');
    const argv = parseArgs(process.argv.slice(2), stepById('env').flags);
    printExports(await connect(argv, { out: process.stderr, readOnly: true }));
  } catch (err) {
    fail(err);
  }
}

if (isMain(import.meta.url) && process.argv.includes('--export')) await exportMain();
else await stepMain(import.meta.url, envStep);

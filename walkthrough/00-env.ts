#!/usr/bin/env -S node --import=tsx
// Step 1. The environment: resolve and check the settings, check who we are (STS), print them.
//   npx tsx walkthrough/00-env.ts            show the settings, where each came from, and the identity
//   npx tsx walkthrough/00-env.ts --export   print `export NAME=value` lines, for
//     eval "$(npx tsx walkthrough/00-env.ts --export)"
import { awsCommand, shellQuote } from './lib/aws-cli.ts';
import type { Ctx } from './lib/context.ts';
import { fail, isMain, parseArgs, stepMain } from './lib/main.ts';
import { stepById } from './lib/steps.ts';
import { logGroupName } from './lib/policies.ts';
import { OLD_NODE } from './lib/settings.ts';

/** The names every later step uses, as the 2014 command-line companion put them in shell variables. */
export function exportedVariables(ctx: Ctx): Array<[string, string]> {
  const s = ctx.settings;
  const vars: Array<[string, string]> = [
    ['TARGET', s.target === 'endpoint' ? 'local' : s.target],
    ['AWS_REGION', s.region],
    ['FUNCTION_NAME', s.functionName],
    ['SOURCE_BUCKET', s.sourceBucket],
    ['DEST_BUCKET', s.destBucket],
    ['ROLE_NAME', s.roleName],
    ['LOG_GROUP_NAME', logGroupName(s)],
    ['THUMBNAIL_WIDTH', String(s.thumbnailWidth)],
    ['RUNTIME', s.runtime],
    ['ARCHITECTURE', s.architecture],
    ['MEMORY_SIZE', String(s.memorySize)],
    ['TIMEOUT', String(s.timeout)],
    ['TRIGGER', s.trigger],
  ];
  if (s.trigger === 'sns') vars.push(['TOPIC_NAME', s.topicName]);
  if (s.profile) vars.push(['AWS_PROFILE', s.profile]);
  return vars;
}

export async function envStep(ctx: Ctx): Promise<void> {
  const { settings: s, report, identity } = ctx;
  const where =
    s.target === 'local'
      ? `the local endpoint at ${s.endpoint}`
      : s.target === 'endpoint'
        ? `the endpoint ${s.endpoint}`
        : 'real AWS';
  report.info(`target: ${where}, region ${s.region}`);
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

export function printExports(ctx: Ctx): void {
  if (ctx.settings.target !== 'aws')
    console.log(
      `# aws-cli against ${ctx.settings.endpoint}: add --endpoint-url ${ctx.settings.endpoint} ` +
        '(credentials: test / test)',
    );
  for (const [name, value] of exportedVariables(ctx)) console.log(`export ${name}=${shellQuote(value)}`);
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

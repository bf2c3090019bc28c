// Thin command-line entry for every step: parse flags, connect, run, print a message that says what
// to do on failure, exit non-zero.
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chalk, minimist } from 'zx';
import { connect, type Ctx } from './context.ts';
import { explain } from './errors.ts';
import { FLAGS } from './settings.ts';

export const BOOLEAN_FLAGS = ['yes', 'dry-run', 'cli', 'help', 'export', 'keep-buckets', 'json'];

export function parseArgs(args: string[]): minimist.ParsedArgs {
  return minimist(args, {
    boolean: BOOLEAN_FLAGS,
    string: [...Object.values(FLAGS), 'image', 'until'],
    alias: { y: 'yes', h: 'help', arch: 'architecture' },
  });
}

export const COMMON_HELP = `Common flags:
  --target local|aws     where to run (default local: the project's local endpoint, started if needed)
  --region R             AWS region (or AWS_REGION; on AWS also your profile's region)
  --profile P            AWS profile (or AWS_PROFILE; SSO profiles work after aws sso login)
  --yes                  do not ask for confirmation on real AWS
  --dry-run              change nothing, say what would be done
  --cli                  print the equivalent aws-cli commands
  Settings (see env.example): ${Object.entries(FLAGS).map(([k, f]) => `--${f} (${k})`).join(', ')}`;

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

/** Runs one step as a command: `npx tsx walkthrough/10-role.ts [flags]`. */
export async function runStepMain(title: string, help: string, step: (ctx: Ctx) => Promise<unknown>): Promise<void> {
  const argv = parseArgs(process.argv.slice(2));
  if (argv.help) {
    console.log(`${title}\n\n${help}\n\n${COMMON_HELP}`);
    return;
  }
  try {
    const ctx = await connect(argv);
    ctx.report.heading(title + (ctx.dryRun ? ' (dry run: nothing is changed)' : ''));
    await step(ctx);
  } catch (err) {
    fail(err);
  }
}

export function fail(err: unknown): void {
  const { message, hint } = explain(err);
  console.error(chalk.red('✗ ' + message));
  if (hint) console.error('  ' + hint);
  if (process.env.DEBUG && err instanceof Error) console.error(err.stack);
  process.exitCode = 1;
}

// lambdash: run one shell command inside the Lambda environment, from the command line.
//   npm run lambdash -- uname -a
//   npm run lambdash -- 'ls -l / | head'
//   npm run lambdash -- --teardown
// The first run deploys a function (handlers/lambdash), its role and output bucket; later runs are
// one Invoke. The command's output is printed here and its exit status becomes ours; lambdash's own
// failures exit with 255 and say what to do. See --help.
import { chalk } from 'zx';
import { invokeJsonCli } from '../lib/actions/lambda.ts';
import { awsCode, explain, UserError } from '../lib/errors.ts';
import { isMain } from '../lib/main.ts';
import { HELP, parseLambdashArgs } from './lambdash/args.ts';
import { connectLambdash } from './lambdash/context.ts';
import { ensureDeployed, isCurrent } from './lambdash/deploy.ts';
import { buildLambdashPackage } from './lambdash/package.ts';
import { runRemote } from './lambdash/remote.ts';
import { teardown } from './lambdash/teardown.ts';

/** lambdash itself failed (not the command). */
export const LAMBDASH_FAILED = 255;

export async function lambdash(words: string[]): Promise<number> {
  try {
    const args = parseLambdashArgs(words);
    if (args.help) {
      process.stdout.write(HELP + '\n');
      return 0;
    }
    if (args.teardown && args.command) throw new UserError('--teardown takes no command.');
    if (!args.teardown && !args.deploy && !args.command)
      throw new UserError('No command given.', 'For example: npm run lambdash -- uname -a   (see --help)');
    const c = await connectLambdash(args);
    if (args.teardown) {
      await teardown(c);
      return 0;
    }
    const pkg = await buildLambdashPackage();
    let deployedNow = false;
    if (args.deploy || !isCurrent(c, pkg)) {
      await ensureDeployed(c, pkg);
      deployedNow = true;
    }
    if (!args.command) return 0;
    if (c.dryRun) {
      c.report.cli(invokeJsonCli(c, c.names.functionName, { command: args.command }));
      c.report.would(`run: ${args.command}`);
      return 0;
    }
    try {
      return await runRemote(c, args.command);
    } catch (err) {
      // Deleted behind lambdash's back since the last run: deploy again, once.
      if (deployedNow || awsCode(err) !== 'ResourceNotFoundException') throw err;
      c.report.info(`function ${c.names.functionName} is gone; deploying it again`);
      c.state.update((x) => x.function && delete x.function.deployed);
      await ensureDeployed(c, pkg);
      return await runRemote(c, args.command);
    }
  } catch (err) {
    const { message, hint } = explain(err);
    process.stderr.write(chalk.red(`lambdash: ${message}`) + '\n');
    if (hint) process.stderr.write(`  ${hint}\n`);
    if (process.env.DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return LAMBDASH_FAILED;
  }
}

if (isMain(import.meta.url)) {
  process.stdout.on('error', () => {}); // a reader that went away (EPIPE) is handled where we write
  process.exitCode = await lambdash(process.argv.slice(2));
}

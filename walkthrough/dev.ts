#!/usr/bin/env -S node --import=tsx
// `npm run dev`: set up what is missing (steps 1-6), then on every save under handlers/resize/ rebuild the
// package, update the function's code when it changed, and test it: the thumbnail's size, where it was
// saved, the run's log lines and REPORT. Ctrl-C stops it with the function and the state file in step.
//   npm run dev [-- --image PATH [--image PATH ...]] [--handler-dir DIR] [--target aws --yes] [settings]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from './lib/errors.ts';
import { COMMON_HELP, fail, isMain, parseArgs, SCRIPT_FLAGS, UsageError } from './lib/main.ts';
import { stepNumber } from './lib/steps.ts';

export function devHelp(): string {
  return [
    'npm run dev: the save -> thumbnail loop.',
    `  Sets up what is missing (steps ${stepNumber('env')}-${stepNumber('trigger')}, as npm run walkthrough does), ` +
      'tests the current code, then watches',
    '  the handler: each save rebuilds the package, updates the function only when its CodeSha256 changed,',
    "  and tests it again (the thumbnail's size, where it was saved, the run's log lines and REPORT).",
    '  A build error or a failed resize is shown and the loop waits for the next save. Ctrl-C stops it.',
    '  --image PATH        test with your image (repeat for several; default: a generated sample)',
    '  --handler-dir DIR   the handler to build and watch (default handlers/resize; or WALKTHROUGH_HANDLER_DIR)',
    '',
    COMMON_HELP,
  ].join('\n');
}

async function main(): Promise<void> {
  let argv: ReturnType<typeof parseArgs>;
  try {
    argv = parseArgs(process.argv.slice(2), SCRIPT_FLAGS['dev.ts']);
    if (argv['dry-run'])
      throw new UsageError(
        'npm run dev changes the function on every save: it has no --dry-run. Nothing was done.',
        'See what the set-up would do with: npm run walkthrough -- --dry-run --until trigger',
      );
  } catch (err) {
    return fail(err);
  }
  if (argv.help) return console.log(devHelp());
  try {
    const dir = argv['handler-dir'] as string | undefined;
    if (dir) process.env.WALKTHROUGH_HANDLER_DIR = path.resolve(dir);
    const { handlerDir } = await import('./lib/package.ts');
    if (!fs.existsSync(path.join(handlerDir(), 'index.ts')))
      throw new UserError(
        `${handlerDir()} has no index.ts: not a handler folder.`,
        'Give the folder of the handler to watch: --handler-dir DIR (the default is handlers/resize).',
      );
    const images = (argv.image as string[] | undefined) ?? [];
    const { readImageFile } = await import('./lib/thumbnail-test.ts');
    for (const image of images) await readImageFile(image); // a wrong path is refused before anything is set up
    const { connect } = await import('./lib/context.ts');
    const { DevLoop } = await import('./lib/dev.ts');
    await new DevLoop(await connect(argv), { images }).run();
    // Requests of a test cut short by Ctrl-C are not waited for.
    process.exit(0);
  } catch (err) {
    fail(err);
  }
}

if (isMain(import.meta.url)) await main();

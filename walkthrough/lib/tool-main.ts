// Entry for the tools beside the steps (`npm run logs`, `npm run invoke`): the same flags, settings,
// state and connection as a step, a help text of their own, and Ctrl-C as a way to stop (an
// AbortSignal the tool watches; a second Ctrl-C quits at once).
import type { Ctx } from './context.ts';
import { COMMON_HELP, fail, parseArgs, SCRIPT_FLAGS, type ParsedArgs } from './main.ts';

export interface ToolDef {
  /** The script's path under walkthrough/, its key in SCRIPT_FLAGS. */
  script: keyof typeof SCRIPT_FLAGS & string;
  help: string;
  heading: string;
  /** Only reads: no confirmation is asked on real AWS. */
  readOnly?: boolean;
  /** Refuses a bad command line before anything connects (throws a UserError). */
  check?: (argv: ParsedArgs) => void;
}

/** Runs a tool; its result is the exit status (a thrown error: 1, or 2 for a bad command line). */
export async function toolMain(
  def: ToolDef,
  args: string[],
  run: (ctx: Ctx, signal: AbortSignal) => Promise<number>,
): Promise<void> {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  try {
    const argv = parseArgs(args, SCRIPT_FLAGS[def.script]);
    if (argv.help) return console.log(`${def.help}\n\n${COMMON_HELP}`);
    def.check?.(argv);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const { connect } = await import('./context.ts');
    const ctx = await connect(argv, { readOnly: def.readOnly });
    ctx.report.heading(def.heading);
    process.exitCode = await run(ctx, controller.signal);
  } catch (err) {
    fail(err);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

// How an action that changes something runs: its aws-cli equivalent is recorded (and printed with
// --cli), and in a dry run it is only announced.
import type { Ctx } from '../context.ts';

export type ActionCtx = Pick<Ctx, 'clients' | 'report' | 'dryRun' | 'cliTarget'>;

export async function change<T>(
  ctx: ActionCtx,
  description: string,
  cli: string | string[],
  call: () => Promise<T>,
): Promise<T | undefined> {
  for (const c of Array.isArray(cli) ? cli : [cli]) ctx.report.cli(c);
  if (ctx.dryRun) {
    ctx.report.would(description);
    return undefined;
  }
  return call();
}

// --cli on resources already in place: the commands that would create them are still printed (a
// reader copies the step), marked as already done. The action runs as a dry run that says nothing.
import type { ActionCtx } from '../actions/run.ts';

export function alreadyDone<C extends ActionCtx>(ctx: C): C {
  return { ...ctx, dryRun: true, report: ctx.report.alreadyDone() };
}

// Teardown's last line.
import type { Ctx } from './context.ts';
import { describeTarget } from './settings.ts';

/** The last line: what was checked, so "nothing found" with the wrong settings is not read as "all gone". */
export function closingLine(ctx: Ctx): string {
  const st = ctx.settings;
  const where = `${describeTarget(st)}, account ${st.accountId}, region ${st.region}`;
  if (ctx.state.existed)
    return `everything the walkthrough created is gone (${where}; state file ${ctx.state.file} removed)`;
  const removedSomething = ctx.report.lines.some((l) => l.outcome === 'removed');
  const looked = `role ${st.roleName}, function ${st.functionName}, buckets ${st.sourceBucket} and ${st.destBucket}`;
  if (removedSomething)
    return (
      `there was no state file (${ctx.state.file}); what the walkthrough's names and tags identified as its own ` +
      `on ${where} is removed (looked for ${looked})`
    );
  return (
    `no state file at ${ctx.state.file}, and nothing of the walkthrough's was found on ${where} ` +
    `(looked for ${looked}). ` +
    'If you set it up with other settings (target, region, profile, names), run teardown with the same ones.'
  );
}

// A statement in the function's resource policy letting a service invoke it, for one source only
// (SourceArn, and SourceAccount for S3: pitfall 4). A statement that differs is replaced.
import { addPermission, getPolicy, removePermission, type InvokePermission } from '../actions/lambda.ts';
import type { Ctx } from '../context.ts';
import { gone } from '../removal.ts';
import type { PermissionRecord } from '../state.ts';
import { alreadyDone } from './done.ts';

export async function ensureInvokePermission(
  ctx: Ctx,
  p: InvokePermission,
  record: (r: PermissionRecord) => void,
): Promise<void> {
  const statement = (await getPolicy(ctx, p.functionName)).find((st) => st.Sid === p.statementId);
  const condition = statement?.Condition ?? {};
  const same =
    statement &&
    JSON.stringify(statement.Principal).includes(p.principal) &&
    condition.ArnLike?.['AWS:SourceArn'] === p.sourceArn &&
    (p.sourceAccount === undefined || condition.StringEquals?.['AWS:SourceAccount'] === p.sourceAccount);
  record({ functionName: p.functionName, statementId: p.statementId });
  const account = p.sourceAccount ? ` in ${p.sourceAccount}` : '';
  const what =
    `permission ${p.statementId}: ${p.principal} may invoke ${p.functionName} ` + `for ${p.sourceArn}${account} only`;
  if (same) {
    await addPermission(alreadyDone(ctx), p);
    return ctx.report.unchanged(what);
  }
  if (statement) await removePermission(ctx, p.functionName, p.statementId);
  if (await addPermission(ctx, p)) ctx.report[statement ? 'changed' : 'created'](what);
}

/** Removes those statements of the function's policy that are there (a function we did not create keeps the rest). */
export async function removeInvokePermissions(ctx: Ctx, functionName: string, sids: string[]): Promise<void> {
  const statements = await getPolicy(ctx, functionName);
  for (const sid of sids) {
    if (statements.some((st) => st.Sid === sid) && (await gone(() => removePermission(ctx, functionName, sid))))
      ctx.report.removed(`permission ${sid} of ${functionName}`);
  }
}

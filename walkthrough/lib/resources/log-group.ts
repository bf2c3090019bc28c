// A function's log group, created up front with a retention so it is ours to delete (Lambda would
// otherwise create it on first use, kept forever).
import { createLogGroup, deleteLogGroup, describeLogGroups, putRetentionPolicy } from '../actions/logs.ts';
import type { ActionCtx } from '../actions/run.ts';
import { awsCode } from '../errors.ts';
import type { OwnedResource } from '../state.ts';
import { gone } from '../removal.ts';
import { alreadyDone } from './done.ts';
import { WALKTHROUGH, type Owner, type Slot } from './ownership.ts';

export interface LogGroupSpec {
  name: string;
  retentionDays: number;
  /** Whose group it is (the walkthrough's unless said). */
  owner?: Owner;
}

/** `functionIsOurs`: Lambda writes the group of a function we created, so it is ours even if Lambda made it. */
export async function ensureLogGroup(
  ctx: ActionCtx,
  spec: LogGroupSpec,
  slot: Slot<OwnedResource>,
  functionIsOurs: boolean,
): Promise<void> {
  const { report } = ctx;
  const { name, retentionDays: days } = spec;
  const tag = (spec.owner ?? WALKTHROUGH).tag;
  const TAGS = { [tag.Key]: tag.Value };
  const group = await describeLogGroups(ctx, name);
  if (!group) {
    slot.set({ name, createdBySuite: true });
    await createLogGroup(ctx, name, TAGS).catch((err: unknown) => {
      if (awsCode(err) !== 'ResourceAlreadyExistsException') throw err; // a parallel run made it
    });
    await putRetentionPolicy(ctx, name, days);
    if (!ctx.dryRun) report.created(`log group ${name} (kept ${days} days)`);
    return;
  }
  if (!slot.get()) slot.set({ name, createdBySuite: functionIsOurs });
  report.found(`log group ${name}`);
  await createLogGroup(alreadyDone(ctx), name, TAGS);
  if (slot.get()?.createdBySuite && group.retentionInDays !== days && (await putRetentionPolicy(ctx, name, days)))
    report.changed(`log group ${name}: kept ${days} days`);
  else await putRetentionPolicy(alreadyDone(ctx), name, days);
}

export async function removeLogGroup(
  ctx: ActionCtx,
  name: string,
  slot: Slot<OwnedResource>,
  functionWasOurs: boolean,
  owner: Owner = WALKTHROUGH,
): Promise<void> {
  if (!(await describeLogGroups(ctx, name))) ctx.report.gone(`log group ${name}`);
  else if (slot.get()?.createdBySuite || functionWasOurs) {
    if (await gone(() => deleteLogGroup(ctx, name))) ctx.report.removed(`log group ${name}`);
  } else return ctx.report.kept(`log group ${name} (not created by ${owner.label})`);
  slot.clear();
}

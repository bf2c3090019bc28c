#!/usr/bin/env -S node --import=tsx
// Step 9. Teardown, in reverse order: what the extras registered (the persistence probe), the
// notification entry, the topic (TRIGGER=sns: with its subscriptions and policy), the permissions, the
// function, the sharp layer versions it published, its log group, the role's policies and the role, then
// the buckets' objects (every version, unfinished uploads) and the buckets. Only what the state file and
// the walkthrough's tags say it created; anything already gone counts as done, so it works after any
// partial setup.
//   npm run teardown [-- --keep-buckets] [--yes on AWS]
import type { Ctx } from './lib/context.ts';
import { stepMain } from './lib/main.ts';
import { layerName, logGroupName } from './lib/policies.ts';
import { coreSlot, ownedSlot } from './lib/resources/ownership.ts';
import { closingLine } from './lib/teardown-summary.ts';
import { snsStatementId, statementId } from './lib/resources/trigger-ids.ts';
import { OWNED_KINDS, type FunctionRecord, type RoleRecord } from './lib/state.ts';

/** What the extras made, by kind (functions before their log groups and roles), through the same resources. */
async function removeOwned(ctx: Ctx): Promise<void> {
  const { removeFunction } = await import('./lib/resources/function.ts');
  const { removeLogGroup } = await import('./lib/resources/log-group.ts');
  const { removeRole } = await import('./lib/resources/role.ts');
  for (const kind of OWNED_KINDS) {
    for (const entry of (ctx.state.data.owned ?? []).filter((e) => e.kind === kind)) {
      if (kind === 'function')
        await removeFunction(ctx, entry.name, ownedSlot<FunctionRecord>(ctx, kind, entry.name, entry.by));
      else if (kind === 'log-group')
        await removeLogGroup(ctx, entry.name, ownedSlot(ctx, kind, entry.name, entry.by), false);
      else await removeRole(ctx, entry.name, ownedSlot<RoleRecord>(ctx, kind, entry.name, entry.by));
    }
  }
}

export async function teardownStep(ctx: Ctx): Promise<void> {
  const { settings: s, state } = ctx;
  await removeOwned(ctx);
  const { removeNotification } = await import('./lib/resources/notification.ts');
  const { removeTopic } = await import('./lib/resources/topic.ts');
  const { removeInvokePermissions } = await import('./lib/resources/permission.ts');
  const { removeFunction } = await import('./lib/resources/function.ts');
  const { removeLogGroup } = await import('./lib/resources/log-group.ts');
  const { removeLayer } = await import('./lib/resources/layer.ts');
  const { removeRole } = await import('./lib/resources/role.ts');
  const { removeBucket } = await import('./lib/resources/bucket.ts');
  await removeNotification(ctx);
  await removeTopic(ctx);
  // Both triggers' permissions: for S3 (TRIGGER=lambda) and for the topic (TRIGGER=sns).
  const fnName = state.data.function?.name ?? s.functionName;
  const sids = [state.data.permission?.statementId ?? statementId(ctx)];
  sids.push(state.data.snsPermission?.statementId ?? snsStatementId(ctx));
  await removeInvokePermissions(ctx, fnName, sids);
  state.update((x) => {
    delete x.permission;
    delete x.snsPermission;
  });
  const functionWasOurs = await removeFunction(ctx, fnName, coreSlot(ctx, 'function'));
  await removeLayer(ctx, state.data.layer?.name ?? layerName(s.functionName), coreSlot(ctx, 'layer'));
  const group = state.data.logGroup?.name ?? logGroupName(s);
  await removeLogGroup(ctx, group, coreSlot(ctx, 'logGroup'), functionWasOurs);
  await removeRole(ctx, state.data.role?.name ?? s.roleName, coreSlot(ctx, 'role'));
  await removeBucket(ctx, state.data.sourceBucket?.name ?? s.sourceBucket, coreSlot(ctx, 'sourceBucket'));
  await removeBucket(ctx, state.data.destBucket?.name ?? s.destBucket, coreSlot(ctx, 'destBucket'));
  const d = state.data;
  const left = [d.role, d.function, d.layer, d.logGroup, d.sourceBucket, d.destBucket, d.topic, ...(d.owned ?? [])];
  if (!ctx.dryRun && left.every((x) => x === undefined)) {
    state.remove();
    ctx.report.info(closingLine(ctx));
  }
}

await stepMain(import.meta.url, teardownStep);

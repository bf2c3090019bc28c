// --teardown: the function, its log group, the role (its policies first) and the output bucket
// (emptied first), and nothing lambdash did not create (its state file and tags say which). Anything
// already gone counts as done, so it works after any partial deploy and a second run changes nothing.
import { confirmChange, LAMBDASH, lambdashSlot as slot, type LambdashCtx } from './context.ts';
import { removeBucket } from '../../lib/resources/bucket.ts';
import { removeFunction } from '../../lib/resources/function.ts';
import { removeLogGroup } from '../../lib/resources/log-group.ts';
import { removeRole } from '../../lib/resources/role.ts';

export async function teardown(c: LambdashCtx): Promise<void> {
  await confirmChange(c, 'remove lambdash (its function, log group, role and bucket)');
  const fnName = c.state.data.function?.name ?? c.names.functionName;
  const functionWasOurs = await removeFunction(c, fnName, slot(c, 'function'), LAMBDASH);
  const logGroup = c.state.data.logGroup?.name ?? c.names.logGroup;
  await removeLogGroup(c, logGroup, slot(c, 'logGroup'), functionWasOurs, LAMBDASH);
  await removeRole(c, c.state.data.role?.name ?? c.names.roleName, slot(c, 'role'), LAMBDASH);
  // Objects left by runs that were interrupted before they fetched their output go with it.
  await removeBucket(c, c.state.data.bucket?.name ?? c.names.bucket, slot(c, 'bucket'), LAMBDASH);
  const s = c.state.data;
  if (!c.dryRun && !s.function && !s.logGroup && !s.role && !s.bucket) {
    c.state.remove();
    c.report.info('everything lambdash created is gone');
  }
}

// An execution role with its inline policy: ensure (create, or repair the trust policy and the inline
// policy where they differ) and remove (its policies first, then the role).
import type { Tag } from '@aws-sdk/client-iam';
import {
  createRole,
  deleteRole,
  deleteRolePolicy,
  detachRolePolicy,
  getRole,
  getRolePolicy,
  listAttachedRolePolicies,
  listRolePolicies,
  listRoleTags,
  putRolePolicy,
  updateAssumeRolePolicy,
} from '../actions/iam.ts';
import type { ActionCtx } from '../actions/run.ts';
import type { Identity } from '../context.ts';
import { awsCode, isNotFound, UserError } from '../errors.ts';
import { decodePolicy, partitionOf, samePolicy, type PolicyDocument } from '../policies.ts';
import type { OwnedResource } from '../state.ts';
import { gone } from '../removal.ts';
import { alreadyDone } from './done.ts';
import { isOurs, WALKTHROUGH, type Owner, type Slot } from './ownership.ts';

export interface RoleSpec {
  name: string;
  trust: PolicyDocument;
  policyName: string;
  policy: PolicyDocument;
  /** What the inline policy allows, in words. */
  allows: string;
  tags: Tag[];
  description: string;
  /** What to do when the name is someone else's role: "Set ROLE_NAME to another name." */
  rename: string;
  /** Whose role it is (the walkthrough's unless said). */
  owner?: Owner;
}

/** What a role resource needs of the context: the actions', and who is calling (for ARNs). */
export type RoleCtx = ActionCtx & { identity: Pick<Identity, 'arn' | 'accountId'> };
type RoleRecord = OwnedResource & { arn: string; inlinePolicyName?: string };

/** Returns the role's ARN. */
export async function ensureRole<R extends RoleRecord>(ctx: RoleCtx, spec: RoleSpec, slot: Slot<R>): Promise<string> {
  const { report } = ctx;
  const owner = spec.owner ?? WALKTHROUGH;
  const arn = `arn:${partitionOf(ctx.identity.arn)}:iam::${ctx.identity.accountId}:role/${spec.name}`;
  const notOurs = () =>
    new UserError(
      `A role named ${spec.name} already exists and was not created by ${owner.label}; it will not be changed.`,
      spec.rename,
    );
  const record = (a: string) =>
    ({ name: spec.name, arn: a, createdBySuite: true, inlinePolicyName: spec.policyName }) as R;
  // The three reads at once (start-up of a re-run): a missing role answers NoSuchEntity to each.
  const [role, tags, current] = await Promise.all([
    getRole(ctx, spec.name),
    listRoleTags(ctx, spec.name).catch((err: unknown) => (isNotFound(err) ? [] : Promise.reject(err))),
    getRolePolicy(ctx, spec.name, spec.policyName),
  ]);
  if (!role) {
    slot.set(record(arn));
    const created = await createRole(ctx, spec.name, spec.trust, spec.tags, spec.description).catch(
      async (err: unknown) => {
        if (awsCode(err) !== 'EntityAlreadyExists') throw err;
        // Made meanwhile: ours only if a parallel run of ours made it (it tags on create).
        if (isOurs(undefined, spec.name, await listRoleTags(ctx, spec.name), owner.tag)) return undefined;
        slot.clear();
        throw notOurs();
      },
    );
    if (created) report.created(`role ${spec.name}`);
  } else {
    if (!isOurs(slot.get(), spec.name, tags, owner.tag)) throw notOurs();
    slot.set(record(role.Arn ?? arn));
    report.found(`role ${spec.name}`);
    if (!samePolicy(decodePolicy(role.AssumeRolePolicyDocument), spec.trust)) {
      if (await updateAssumeRolePolicy(ctx, spec.name, spec.trust))
        report.changed(`trust policy of ${spec.name}: only lambda.amazonaws.com may assume it`);
    } else await createRole(alreadyDone(ctx), spec.name, spec.trust, spec.tags, spec.description);
  }
  const what = `inline policy ${spec.policyName}: ${spec.allows}`;
  if (current !== undefined && samePolicy(current, spec.policy)) {
    await putRolePolicy(alreadyDone(ctx), spec.name, spec.policyName, spec.policy);
    report.unchanged(what);
  } else if (await putRolePolicy(ctx, spec.name, spec.policyName, spec.policy))
    report[current === undefined ? 'created' : 'changed'](what);
  return slot.get()?.arn ?? arn;
}

/** Removes the role if it is ours (its inline policies and attachments first). */
export async function removeRole(
  ctx: ActionCtx,
  name: string,
  slot: Slot<RoleRecord>,
  owner: Owner = WALKTHROUGH,
): Promise<void> {
  if (!(await getRole(ctx, name))) {
    ctx.report.gone(`role ${name}`);
    return slot.clear();
  }
  if (!isOurs(slot.get(), name, await listRoleTags(ctx, name), owner.tag))
    return ctx.report.kept(`role ${name} (not created by ${owner.label})`);
  await deleteRoleWithPolicies(ctx, name);
  slot.clear();
}

/** Deletes a role after its inline policies and attachments (pitfall 5: DeleteConflict otherwise). */
export async function deleteRoleWithPolicies(ctx: ActionCtx, name: string): Promise<void> {
  for (const policy of await listRolePolicies(ctx, name)) {
    if (await gone(() => deleteRolePolicy(ctx, name, policy))) ctx.report.removed(`inline policy ${policy} of ${name}`);
  }
  for (const arn of await listAttachedRolePolicies(ctx, name)) {
    if (await gone(() => detachRolePolicy(ctx, name, arn))) ctx.report.removed(`attachment of ${arn} to ${name}`);
  }
  if (await gone(() => deleteRole(ctx, name))) ctx.report.removed(`role ${name}`);
}

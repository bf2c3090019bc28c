#!/usr/bin/env -S node --import=tsx
// Step 2. The execution role: trusts lambda.amazonaws.com, and may do only what the function needs:
// read the source bucket's objects, write the destination's, write its own logs.
import type { Tag } from '@aws-sdk/client-iam';
import {
  createRole,
  getRole,
  getRolePolicy,
  listRoleTags,
  putRolePolicy,
  updateAssumeRolePolicy,
} from './lib/actions/iam.ts';
import type { Ctx } from './lib/context.ts';
import { UserError } from './lib/errors.ts';
import { stepMain } from './lib/main.ts';
import {
  decodePolicy,
  hasTag,
  lambdaTrustPolicy,
  partitionOf,
  samePolicy,
  SUITE_TAG,
  thumbnailPolicy,
} from './lib/policies.ts';

export function inlinePolicyName(ctx: Ctx): string {
  return `${ctx.settings.functionName}-thumbnails`;
}

export async function roleStep(ctx: Ctx): Promise<void> {
  const { settings: s, report, state } = ctx;
  const trust = lambdaTrustPolicy();
  const policy = thumbnailPolicy(s, partitionOf(ctx.identity.arn));
  const policyName = inlinePolicyName(ctx);
  const tags: Tag[] = [SUITE_TAG, { Key: 'walkthrough-function', Value: s.functionName }];
  const arn = `arn:${partitionOf(ctx.identity.arn)}:iam::${s.accountId}:role/${s.roleName}`;

  const role = await getRole(ctx, s.roleName);
  if (!role) {
    // Recorded before the call: an interruption right after it still leaves the role known as ours.
    state.update((x) => (x.role = { name: s.roleName, arn, createdBySuite: true, inlinePolicyName: policyName }));
    const created = await createRole(
      ctx,
      s.roleName,
      trust,
      tags,
      `Execution role of the ${s.functionName} thumbnail function`,
    );
    if (created) report.created(`role ${s.roleName}`);
  } else {
    const ours =
      (state.data.role?.name === s.roleName && state.data.role.createdBySuite) ||
      hasTag(await listRoleTags(ctx, s.roleName));
    if (!ours)
      throw new UserError(
        `A role named ${s.roleName} already exists and was not created by this walkthrough; it will not be changed.`,
        'Set ROLE_NAME (or --role-name) to another name.',
      );
    state.update(
      (x) => (x.role = { name: s.roleName, arn: role.Arn ?? arn, createdBySuite: true, inlinePolicyName: policyName }),
    );
    report.found(`role ${s.roleName}`);
    if (!samePolicy(decodePolicy(role.AssumeRolePolicyDocument), trust)) {
      if (await updateAssumeRolePolicy(ctx, s.roleName, trust))
        report.changed(`trust policy of ${s.roleName}: only lambda.amazonaws.com may assume it`);
    }
  }

  const current = role ? await getRolePolicy(ctx, s.roleName, policyName) : undefined;
  if (current !== undefined && samePolicy(current, policy)) {
    report.unchanged(
      `inline policy ${policyName}: s3:GetObject on ${s.sourceBucket}/*, s3:PutObject on ${s.destBucket}/*, its own logs`,
    );
    return;
  }
  if (await putRolePolicy(ctx, s.roleName, policyName, policy)) {
    const what = `inline policy ${policyName}: s3:GetObject on ${s.sourceBucket}/*, s3:PutObject on ${s.destBucket}/*, its own logs`;
    if (current === undefined) report.created(what);
    else report.changed(what);
  }
}

await stepMain(import.meta.url, roleStep);

#!/usr/bin/env -S node --import=tsx
// Step 2. The execution role: trusts lambda.amazonaws.com only, and may do only what the function
// needs: read the source bucket's objects, write the destination's, write its own logs (the official
// tutorial grants s3:*/* instead). With the aws-cli:
//   aws iam create-role --role-name "$ROLE_NAME" --assume-role-policy-document file://trust-policy.json
//   aws iam put-role-policy --role-name "$ROLE_NAME" --policy-name "$FUNCTION_NAME-thumbnails" \
//     --policy-document file://policy.json
import type { Ctx } from './lib/context.ts';
import { stepMain } from './lib/main.ts';
import { lambdaTrustPolicy, partitionOf, SUITE_TAG, thumbnailPolicy } from './lib/policies.ts';
import { coreSlot } from './lib/resources/ownership.ts';

export async function roleStep(ctx: Ctx): Promise<void> {
  const { ensureRole } = await import('./lib/resources/role.ts');
  const s = ctx.settings;
  const role = {
    name: s.roleName,
    trust: lambdaTrustPolicy(),
    policyName: `${s.functionName}-thumbnails`,
    policy: thumbnailPolicy(s, partitionOf(ctx.identity.arn)),
    allows: `s3:GetObject on ${s.sourceBucket}/*, s3:PutObject on ${s.destBucket}/*, its own logs`,
    tags: [SUITE_TAG, { Key: 'walkthrough-function', Value: s.functionName }],
    description: `Execution role of the ${s.functionName} thumbnail function`,
    rename: 'Set ROLE_NAME (or --role-name) to another name.',
  };
  await ensureRole(ctx, role, coreSlot(ctx, 'role'));
}

await stepMain(import.meta.url, roleStep);

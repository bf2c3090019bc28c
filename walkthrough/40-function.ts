#!/usr/bin/env -S node --import=tsx
// Step 5. The function: its log group first (with a retention, so it is ours to delete), then the
// function, created from step 4's zip or updated only where it differs; every change is followed by
// the SDK's waiter. With the aws-cli:
//   aws logs create-log-group --log-group-name "/aws/lambda/$FUNCTION_NAME"
//   aws logs put-retention-policy --log-group-name "/aws/lambda/$FUNCTION_NAME" --retention-in-days 14
//   aws lambda create-function --function-name "$FUNCTION_NAME" --zip-file fileb://build/resize-x86_64.zip \
//     --handler index.handler --runtime nodejs22.x --role "$ROLE_ARN" --timeout 30 --memory-size 1024
//   aws lambda wait function-active-v2 --function-name "$FUNCTION_NAME"
import * as fs from 'node:fs';
import type { FunctionDefinition } from './lib/actions/lambda.ts';
import type { Ctx } from './lib/context.ts';
import { UserError } from './lib/errors.ts';
import { stepMain } from './lib/main.ts';
import { logGroupName, partitionOf, SUITE_TAG } from './lib/policies.ts';
import { coreSlot } from './lib/resources/ownership.ts';
import { runFirst, stepNumber } from './lib/steps.ts';

export function functionDefinition(ctx: Ctx, zipPath: string): FunctionDefinition {
  const s = ctx.settings;
  return {
    name: s.functionName,
    roleArn: ctx.state.data.role?.arn ?? `arn:${partitionOf(ctx.identity.arn)}:iam::${s.accountId}:role/${s.roleName}`,
    runtime: s.runtime,
    handler: 'index.handler',
    architecture: s.architecture,
    memorySize: s.memorySize,
    timeout: s.timeout,
    environment: { DEST_BUCKET: s.destBucket, THUMBNAIL_WIDTH: String(s.thumbnailWidth) },
    tags: { [SUITE_TAG.Key]: SUITE_TAG.Value },
    zipPath,
    description: `Writes ${s.thumbnailWidth}px thumbnails of images uploaded to ${s.sourceBucket} into ${s.destBucket}`,
  };
}

export async function functionStep(ctx: Ctx): Promise<void> {
  const { settings: s, state } = ctx;
  const pkg = state.data.package;
  if (!pkg || pkg.architecture !== s.architecture || !fs.existsSync(pkg.zipPath)) {
    // Step 4's dry run built nothing: nothing to compare against yet.
    if (ctx.dryRun)
      return ctx.report.would(
        `create or update function ${s.functionName} with the package step ${stepNumber('package')} would build`,
      );
    throw new UserError(`No deployment package for ${s.architecture} yet.`, runFirst('package'));
  }
  const { ensureLogGroup } = await import('./lib/resources/log-group.ts');
  const { ensureFunction } = await import('./lib/resources/function.ts');
  const fn = coreSlot(ctx, 'function');
  const group = { name: logGroupName(s), retentionDays: s.logRetentionDays };
  await ensureLogGroup(ctx, group, coreSlot(ctx, 'logGroup'), fn.get()?.createdBySuite ?? false);
  const code = { zip: fs.readFileSync(pkg.zipPath), codeSha256: pkg.codeSha256 };
  await ensureFunction(ctx, functionDefinition(ctx, pkg.zipPath), code, fn);
}

await stepMain(import.meta.url, functionStep);

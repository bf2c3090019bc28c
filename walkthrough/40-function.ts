#!/usr/bin/env -S node --import=tsx
// Step 5. The function: its log group first (with a retention, so it is ours to delete), the sharp
// layer (a new version only when step 4's layer zip changed), then the function with that layer,
// created from step 4's zip or updated only where it differs; every change is followed by the SDK's
// waiter. With the aws-cli:
//   aws logs create-log-group --log-group-name "/aws/lambda/$FUNCTION_NAME"
//   aws logs put-retention-policy --log-group-name "/aws/lambda/$FUNCTION_NAME" --retention-in-days 14
//   LAYER_ARN=$(aws lambda publish-layer-version --layer-name "$FUNCTION_NAME-sharp" \
//     --zip-file fileb://build/sharp-layer-x86_64.zip --query LayerVersionArn --output text)
//   aws lambda create-function --function-name "$FUNCTION_NAME" --zip-file fileb://build/resize-x86_64.zip \
//     --handler index.handler --runtime nodejs22.x --role "$ROLE_ARN" --timeout 30 --memory-size 1024 \
//     --layers "$LAYER_ARN"
//   aws lambda wait function-active-v2 --function-name "$FUNCTION_NAME"
import type { LayerDefinition } from './lib/actions/layers.ts';
import type { FunctionDefinition } from './lib/actions/lambda.ts';
import type { Ctx } from './lib/context.ts';
import { UserError } from './lib/errors.ts';
import { stepMain } from './lib/main.ts';
import { layerName, logGroupName, partitionOf, SUITE_TAG } from './lib/policies.ts';
import { coreSlot } from './lib/resources/ownership.ts';
import { runFirst, stepNumber } from './lib/steps.ts';

export function layerDefinition(ctx: Ctx, zipPath: string): LayerDefinition {
  const s = ctx.settings;
  return {
    name: layerName(s.functionName),
    description: `sharp for ${s.functionName} (linux ${s.architecture})`,
    runtime: s.runtime,
    architecture: s.architecture,
    zipPath,
  };
}

export function functionDefinition(ctx: Ctx, zipPath: string, layers: string[] = []): FunctionDefinition {
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
    layers,
    description: `Writes ${s.thumbnailWidth}px thumbnails of images uploaded to ${s.sourceBucket} into ${s.destBucket}`,
  };
}

export async function functionStep(ctx: Ctx): Promise<void> {
  const { settings: s } = ctx;
  const { builtPackage, zipCode } = await import('./lib/package.ts');
  const pkg = builtPackage(s);
  if (!pkg) {
    // Step 4's dry run built nothing: nothing to compare against yet.
    if (ctx.dryRun)
      return ctx.report.would(
        `create or update function ${s.functionName} with the package step ${stepNumber('package')} would build`,
      );
    throw new UserError(
      `No deployment package for ${s.architecture} in build/ from the current sources yet.`,
      runFirst('package'),
    );
  }
  const { ensureLogGroup } = await import('./lib/resources/log-group.ts');
  const { ensureFunction } = await import('./lib/resources/function.ts');
  const { ensureLayer } = await import('./lib/resources/layer.ts');
  const fn = coreSlot(ctx, 'function');
  const group = { name: logGroupName(s), retentionDays: s.logRetentionDays };
  await ensureLogGroup(ctx, group, coreSlot(ctx, 'logGroup'), fn.get()?.createdBySuite ?? false);
  const layerArn = await ensureLayer(
    ctx,
    layerDefinition(ctx, pkg.layer.zipPath),
    zipCode(pkg.layer),
    coreSlot(ctx, 'layer'),
  );
  // A dry run that would publish has no version ARN yet: the printed publish command sets LAYER_ARN.
  const layers = [layerArn ?? '${LAYER_ARN}'];
  await ensureFunction(ctx, functionDefinition(ctx, pkg.zipPath, layers), zipCode(pkg), fn);
}

await stepMain(import.meta.url, functionStep);

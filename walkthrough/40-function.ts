#!/usr/bin/env -S node --import=tsx
// Step 5. The function: created, or updated only where it differs (code by CodeSha256, configuration
// field by field). IAM is eventually consistent, so CreateFunction is retried while Lambda says the
// brand-new role "cannot be assumed"; every change is followed by the SDK's waiter.
import * as fs from 'node:fs';
import type { UpdateFunctionConfigurationCommandInput } from '@aws-sdk/client-lambda';
import {
  createFunction,
  getFunction,
  isRoleNotReady,
  retryWhileRoleNotReady,
  updateFunctionCode,
  updateFunctionConfiguration,
  waitActive,
  waitUpdated,
  type FunctionDefinition,
} from './lib/actions/lambda.ts';
import { createLogGroup, findLogGroup, putRetention } from './lib/actions/logs.ts';
import type { Ctx } from './lib/context.ts';
import { UserError } from './lib/errors.ts';
import { stepMain } from './lib/main.ts';
import { runFirst, stepNumber, stepRef } from './lib/steps.ts';
import { logGroupName, partitionOf, SUITE_TAG } from './lib/policies.ts';

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

/** How long CreateFunction is retried while the new role is not visible to Lambda. */
const ASSUME_DEADLINE_MS = Number(process.env.WALKTHROUGH_ASSUME_DEADLINE_MS) || 120_000;

/** The log group is created up front, with a retention, so it is the walkthrough's own to delete. */
async function ensureLogGroup(ctx: Ctx): Promise<void> {
  const { settings: s, report, state } = ctx;
  const name = logGroupName(s);
  const group = await findLogGroup(ctx, name);
  if (!group) {
    state.update((x) => (x.logGroup = { name, createdBySuite: true }));
    await createLogGroup(ctx, name, { [SUITE_TAG.Key]: SUITE_TAG.Value });
    await putRetention(ctx, name, s.logRetentionDays);
    if (!ctx.dryRun) report.created(`log group ${name} (kept ${s.logRetentionDays} days)`);
    return;
  }
  if (!state.data.logGroup)
    state.update((x) => (x.logGroup = { name, createdBySuite: state.data.function?.createdBySuite ?? false }));
  report.found(`log group ${name}`);
  if (
    state.data.logGroup?.createdBySuite &&
    group.retentionInDays !== s.logRetentionDays &&
    (await putRetention(ctx, name, s.logRetentionDays))
  )
    report.changed(`log group ${name}: kept ${s.logRetentionDays} days`);
}

function configurationChanges(
  ctx: Ctx,
  def: FunctionDefinition,
  current: Record<string, unknown>,
): { input: UpdateFunctionConfigurationCommandInput; fields: string[] } {
  const input: UpdateFunctionConfigurationCommandInput = { FunctionName: def.name };
  const fields: string[] = [];
  if (current.Role !== def.roleArn) {
    input.Role = def.roleArn;
    fields.push('role');
  }
  if (current.Runtime !== def.runtime) {
    input.Runtime = def.runtime as UpdateFunctionConfigurationCommandInput['Runtime'];
    fields.push('runtime');
  }
  if (current.Handler !== def.handler) {
    input.Handler = def.handler;
    fields.push('handler');
  }
  if (current.MemorySize !== def.memorySize) {
    input.MemorySize = def.memorySize;
    fields.push(`memory (${String(current.MemorySize)} -> ${def.memorySize} MB)`);
  }
  if (current.Timeout !== def.timeout) {
    input.Timeout = def.timeout;
    fields.push(`timeout (${String(current.Timeout)} -> ${def.timeout} s)`);
  }
  const vars = (current.Environment as { Variables?: Record<string, string> } | undefined)?.Variables ?? {};
  const wanted = def.environment;
  if (Object.keys({ ...vars, ...wanted }).some((k) => vars[k] !== wanted[k])) {
    input.Environment = { Variables: wanted };
    fields.push('environment');
  }
  return { input, fields };
}

export async function functionStep(ctx: Ctx): Promise<void> {
  const { settings: s, report, state } = ctx;
  const pkg = state.data.package;
  if (!pkg || pkg.architecture !== s.architecture || !fs.existsSync(pkg.zipPath)) {
    if (ctx.dryRun) {
      // Step 4's dry run built nothing: nothing to compare against yet.
      report.would(
        `create or update function ${s.functionName} with the package step ${stepNumber('package')} would build`,
      );
      return;
    }
    throw new UserError(`No deployment package for ${s.architecture} yet.`, runFirst('package'));
  }
  await ensureLogGroup(ctx);
  const def = functionDefinition(ctx, pkg.zipPath);
  const zip = fs.readFileSync(pkg.zipPath);
  const existing = await getFunction(ctx, s.functionName);

  if (!existing) {
    const arn = `arn:${partitionOf(ctx.identity.arn)}:lambda:${s.region}:${s.accountId}:function:${s.functionName}`;
    state.update((x) => (x.function = { name: s.functionName, arn, createdBySuite: true }));
    const created = await report.wait(`creating function ${s.functionName}`, () =>
      retryWhileRoleNotReady(ctx, () => createFunction(ctx, def, zip), ASSUME_DEADLINE_MS).catch((err: unknown) => {
        if (isRoleNotReady(err))
          throw new UserError(
            `Lambda still says the role ${def.roleArn} cannot be assumed, after retrying for ${ASSUME_DEADLINE_MS / 1000} s ` +
              '(a new role usually becomes usable within seconds: IAM is eventually consistent, but not this slow).',
            `Check that the role exists and that its trust policy lets lambda.amazonaws.com assume it: ${stepRef('role')} repairs both. Then re-run ${stepRef('function')}.`,
          );
        throw err;
      }),
    );
    await report.wait(`waiting for ${s.functionName} to become Active`, () => waitActive(ctx, s.functionName));
    if (!created) return; // dry run
    state.update(
      (x) =>
        (x.function = {
          name: s.functionName,
          arn: created.FunctionArn ?? arn,
          createdBySuite: true,
          codeSha256: created.CodeSha256,
        }),
    );
    report.created(`function ${s.functionName} (${s.runtime}, ${s.architecture}, ${s.memorySize} MB, ${s.timeout} s)`);
    return;
  }

  const config = existing.Configuration ?? {};
  const ours =
    (state.data.function?.name === s.functionName && state.data.function.createdBySuite) ||
    existing.Tags?.[SUITE_TAG.Key] === SUITE_TAG.Value;
  if (!ours)
    throw new UserError(
      `A function named ${s.functionName} already exists and was not created by this walkthrough; it will not be changed.`,
      'Set FUNCTION_NAME (or --function-name) to another name.',
    );
  state.update(
    (x) =>
      (x.function = {
        name: s.functionName,
        arn: config.FunctionArn ?? '',
        createdBySuite: true,
        codeSha256: config.CodeSha256,
      }),
  );
  report.found(`function ${s.functionName}`);
  // Pitfall 3: a change while another is in progress is refused (ResourceConflictException).
  if (config.State === 'Pending')
    await report.wait('waiting for the function to become Active', () => waitActive(ctx, s.functionName));
  if (config.LastUpdateStatus === 'InProgress')
    await report.wait('waiting for the last update to finish', () => waitUpdated(ctx, s.functionName));

  const currentArch = config.Architectures?.[0] ?? 'x86_64';
  if (config.CodeSha256 !== pkg.codeSha256 || currentArch !== s.architecture) {
    if (await updateFunctionCode(ctx, s.functionName, zip, pkg.zipPath, s.architecture)) {
      await report.wait('waiting for the code update', () => waitUpdated(ctx, s.functionName));
      state.update((x) => x.function && (x.function.codeSha256 = pkg.codeSha256));
      report.changed(`code of ${s.functionName} (CodeSha256 ${pkg.codeSha256})`);
    }
  } else report.unchanged(`code of ${s.functionName} (CodeSha256 ${pkg.codeSha256})`);

  const { input, fields } = configurationChanges(ctx, def, config as Record<string, unknown>);
  if (fields.length === 0) {
    report.unchanged(`configuration of ${s.functionName}`);
    return;
  }
  if (await updateFunctionConfiguration(ctx, input, fields.join(', '))) {
    await report.wait('waiting for the configuration update', () => waitUpdated(ctx, s.functionName));
    report.changed(`configuration of ${s.functionName}: ${fields.join(', ')}`);
  }
}

await stepMain(import.meta.url, functionStep);

// The persistence probe's resources: a role that may only write the probe's own logs, its log group
// (with the walkthrough's retention), and the function (handlers/probe/index.mjs, zipped as is).
// Created idempotently, each recorded in the state file as it is made, so `--teardown` and
// `npm run teardown` remove them, and nothing that is not the walkthrough's.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { createRole, getRole, getRolePolicy, listRoleTags, putRolePolicy } from '../../lib/actions/iam.ts';
import {
  createFunction,
  deleteFunction,
  getFunction,
  retryWhileRoleNotReady,
  updateFunctionCode,
  waitActive,
  waitUpdated,
} from '../../lib/actions/lambda.ts';
import { createLogGroup, deleteLogGroup, findLogGroup, putRetention } from '../../lib/actions/logs.ts';
import type { Ctx } from '../../lib/context.ts';
import { UserError } from '../../lib/errors.ts';
import { codeSha256Of, PROJECT_ROOT } from '../../lib/package.ts';
import {
  hasTag,
  lambdaTrustPolicy,
  partitionOf,
  samePolicy,
  SUITE_TAG,
  type PolicyDocument,
} from '../../lib/policies.ts';
import { deleteRoleWithPolicies, gone } from '../../lib/removal.ts';

export const PROBE_SOURCE = path.join(PROJECT_ROOT, 'handlers', 'probe', 'index.mjs');

export interface ProbeNames {
  functionName: string;
  roleName: string;
  logGroup: string;
  policyName: string;
}

export function probeNames(ctx: Pick<Ctx, 'settings'>): ProbeNames {
  const functionName = `${ctx.settings.functionName}-probe`.slice(0, 64);
  return {
    functionName,
    roleName: `${functionName}-${ctx.settings.region}-role`.slice(0, 64),
    logGroup: `/aws/lambda/${functionName}`,
    policyName: `${functionName}-logs`,
  };
}

/** Logs only, and only its own group. */
export function probePolicy(ctx: Ctx, n: ProbeNames): PolicyDocument {
  const arn = `arn:${partitionOf(ctx.identity.arn)}:logs:${ctx.settings.region}:${ctx.settings.accountId}:log-group:${n.logGroup}`;
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'CreateOwnLogGroup', Effect: 'Allow', Action: 'logs:CreateLogGroup', Resource: [arn, `${arn}:*`] },
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `${arn}:*`,
      },
    ],
  };
}

/** The probe's zip: index.mjs alone, fixed time, so the same source gives the same CodeSha256; saved in out/ unless a dry run. */
export function probeZip(dryRun: boolean): { zip: Buffer; codeSha256: string; zipPath: string } {
  const zip = Buffer.from(
    zipSync(
      {
        'index.mjs': [
          fs.readFileSync(PROBE_SOURCE),
          { mtime: new Date('1980-01-01T00:00:00Z'), os: 3, attrs: 0o100644 << 16 },
        ],
      },
      { level: 9 },
    ),
  );
  const zipPath = path.resolve('out', 'probe.zip');
  if (!dryRun) {
    fs.mkdirSync('out', { recursive: true });
    fs.writeFileSync(zipPath, zip);
  }
  return { zip, codeSha256: codeSha256Of(zip), zipPath };
}

async function ensureRole(ctx: Ctx, n: ProbeNames): Promise<string> {
  const { report, state } = ctx;
  const arn = `arn:${partitionOf(ctx.identity.arn)}:iam::${ctx.settings.accountId}:role/${n.roleName}`;
  const role = await getRole(ctx, n.roleName);
  const record = { name: n.roleName, arn: role?.Arn ?? arn, createdBySuite: true, inlinePolicyName: n.policyName };
  if (!role) {
    state.update((x) => (x.probe = { ...x.probe, role: record }));
    if (
      await createRole(
        ctx,
        n.roleName,
        lambdaTrustPolicy(),
        [SUITE_TAG],
        `Execution role of the ${n.functionName} persistence probe (its own logs only)`,
      )
    )
      report.created(`role ${n.roleName} (may only write the probe's own logs)`);
  } else {
    if (!state.data.probe?.role?.createdBySuite && !hasTag(await listRoleTags(ctx, n.roleName)))
      throw new UserError(
        `A role named ${n.roleName} already exists and was not created by this walkthrough.`,
        'Set FUNCTION_NAME to another name.',
      );
    state.update((x) => (x.probe = { ...x.probe, role: record }));
    report.found(`role ${n.roleName}`);
  }
  const policy = probePolicy(ctx, n);
  const current = role ? await getRolePolicy(ctx, n.roleName, n.policyName) : undefined;
  if (current === undefined || !samePolicy(current, policy)) {
    if (await putRolePolicy(ctx, n.roleName, n.policyName, policy))
      report[current === undefined ? 'created' : 'changed'](`inline policy ${n.policyName}: its own logs only`);
  }
  return record.arn;
}

async function ensureLogGroup(ctx: Ctx, n: ProbeNames): Promise<void> {
  if (await findLogGroup(ctx, n.logGroup)) {
    if (!ctx.state.data.probe?.logGroup)
      ctx.state.update(
        (x) => (x.probe = { ...x.probe, logGroup: { name: n.logGroup, createdBySuite: Boolean(x.probe?.function) } }),
      );
    return ctx.report.found(`log group ${n.logGroup}`);
  }
  ctx.state.update((x) => (x.probe = { ...x.probe, logGroup: { name: n.logGroup, createdBySuite: true } }));
  await createLogGroup(ctx, n.logGroup, { [SUITE_TAG.Key]: SUITE_TAG.Value });
  await putRetention(ctx, n.logGroup, ctx.settings.logRetentionDays);
  if (!ctx.dryRun) ctx.report.created(`log group ${n.logGroup} (kept ${ctx.settings.logRetentionDays} days)`);
}

/** Creates what is missing and updates the code if it changed. Returns the function's name. */
export async function ensureProbe(ctx: Ctx): Promise<ProbeNames> {
  const { settings: s, report, state } = ctx;
  const n = probeNames(ctx);
  const roleArn = await ensureRole(ctx, n);
  await ensureLogGroup(ctx, n);
  const { zip, codeSha256, zipPath } = probeZip(ctx.dryRun);
  const existing = await getFunction(ctx, n.functionName);
  if (!existing) {
    const arn = `arn:${partitionOf(ctx.identity.arn)}:lambda:${s.region}:${s.accountId}:function:${n.functionName}`;
    state.update((x) => (x.probe = { ...x.probe, function: { name: n.functionName, arn, createdBySuite: true } }));
    const def = {
      name: n.functionName,
      roleArn,
      runtime: s.runtime,
      handler: 'index.handler',
      architecture: s.architecture,
      memorySize: 128,
      timeout: 30,
      environment: {},
      tags: { [SUITE_TAG.Key]: SUITE_TAG.Value },
      zipPath,
      description:
        'Reports which execution environment served an invocation and what it kept (walkthrough/extras/persistence.ts)',
    };
    await report.wait(`creating function ${n.functionName}`, () =>
      retryWhileRoleNotReady(ctx, () => createFunction(ctx, def, zip)),
    );
    await waitActive(ctx, n.functionName);
    if (!ctx.dryRun) report.created(`function ${n.functionName} (handlers/probe/index.mjs, 128 MB)`);
    return n;
  }
  const ours = state.data.probe?.function?.createdBySuite || existing.Tags?.[SUITE_TAG.Key] === SUITE_TAG.Value;
  if (!ours)
    throw new UserError(
      `A function named ${n.functionName} already exists and was not created by this walkthrough.`,
      'Set FUNCTION_NAME to another name.',
    );
  state.update(
    (x) =>
      (x.probe = {
        ...x.probe,
        function: {
          name: n.functionName,
          arn: existing.Configuration?.FunctionArn ?? '',
          createdBySuite: true,
          codeSha256,
        },
      }),
  );
  report.found(`function ${n.functionName}`);
  await waitUpdated(ctx, n.functionName);
  if (
    existing.Configuration?.CodeSha256 !== codeSha256 &&
    (await updateFunctionCode(ctx, n.functionName, zip, zipPath, s.architecture))
  ) {
    await waitUpdated(ctx, n.functionName);
    report.changed(`code of ${n.functionName}`);
  }
  return n;
}

/** Removes the probe's function, log group and role, if the walkthrough made them. Safe to repeat. */
export async function removeProbe(ctx: Ctx): Promise<void> {
  const { report, state } = ctx;
  const n = probeNames(ctx);
  const rec = state.data.probe ?? {};
  const fnName = rec.function?.name ?? n.functionName;
  const fn = await getFunction(ctx, fnName);
  const fnOurs = rec.function?.createdBySuite || fn?.Tags?.[SUITE_TAG.Key] === SUITE_TAG.Value;
  if (!fn) report.gone(`function ${fnName}`);
  else if (!fnOurs) report.kept(`function ${fnName} (not created by this walkthrough)`);
  else if (await gone(() => deleteFunction(ctx, fnName))) report.removed(`function ${fnName}`);
  if (!fn || fnOurs) state.update((x) => x.probe && delete x.probe.function);

  const group = rec.logGroup?.name ?? n.logGroup;
  if (!(await findLogGroup(ctx, group))) report.gone(`log group ${group}`);
  else if (rec.logGroup?.createdBySuite || fnOurs) {
    if (await gone(() => deleteLogGroup(ctx, group))) report.removed(`log group ${group}`);
  } else report.kept(`log group ${group} (not created by this walkthrough)`);
  state.update((x) => x.probe && delete x.probe.logGroup);

  const roleName = rec.role?.name ?? n.roleName;
  if (!(await getRole(ctx, roleName))) report.gone(`role ${roleName}`);
  else if (rec.role?.createdBySuite || hasTag(await listRoleTags(ctx, roleName))) {
    await deleteRoleWithPolicies(ctx, roleName);
  } else report.kept(`role ${roleName} (not created by this walkthrough)`);
  state.update((x) => x.probe && delete x.probe.role);
  if (state.data.probe && !state.data.probe.function && !state.data.probe.role && !state.data.probe.logGroup)
    state.update((x) => delete x.probe);
}

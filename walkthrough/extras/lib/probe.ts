// The persistence probe's resources: a role that may only write the probe's own logs, its log group
// (with the walkthrough's retention), and the function (handlers/probe/index.mjs, zipped as is).
// Created idempotently, each recorded in the state file as it is made, so `--teardown` and
// `npm run teardown` remove them, and nothing that is not the walkthrough's.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import type { Ctx } from '../../lib/context.ts';
import { codeSha256Of, PROJECT_ROOT } from '../../lib/package.ts';
import { lambdaTrustPolicy, partitionOf, SUITE_TAG, type PolicyDocument } from '../../lib/policies.ts';
import { ensureFunction, removeFunction } from '../../lib/resources/function.ts';
import { ensureLogGroup, removeLogGroup } from '../../lib/resources/log-group.ts';
import { ownedSlot } from '../../lib/resources/ownership.ts';
import { ensureRole, removeRole } from '../../lib/resources/role.ts';
import type { FunctionRecord, OwnedResource, RoleRecord } from '../../lib/state.ts';

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
  const arn =
    `arn:${partitionOf(ctx.identity.arn)}:logs:${ctx.settings.region}:${ctx.settings.accountId}` +
    `:log-group:${n.logGroup}`;
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

/**
 * The probe's zip: index.mjs alone, fixed time, so the same source gives the same CodeSha256;
 * saved in out/ unless a dry run.
 */
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

/** Where the probe's records live: the state's owned list, so `npm run teardown` removes them too. */
const BY = 'persistence probe';
const slots = (ctx: Ctx, n: ProbeNames) => ({
  role: ownedSlot<RoleRecord>(ctx, 'role', n.roleName, BY),
  logGroup: ownedSlot<OwnedResource>(ctx, 'log-group', n.logGroup, BY),
  function: ownedSlot<FunctionRecord>(ctx, 'function', n.functionName, BY),
});

/** Creates what is missing and updates the code if it changed. Returns the probe's names. */
export async function ensureProbe(ctx: Ctx): Promise<ProbeNames> {
  const s = ctx.settings;
  const n = probeNames(ctx);
  const slot = slots(ctx, n);
  const role = {
    name: n.roleName,
    trust: lambdaTrustPolicy(),
    policyName: n.policyName,
    policy: probePolicy(ctx, n),
    allows: 'its own logs only',
    tags: [SUITE_TAG],
    description: `Execution role of the ${n.functionName} persistence probe (its own logs only)`,
    rename: 'Set FUNCTION_NAME to another name.',
  };
  const roleArn = await ensureRole(ctx, role, slot.role);
  const group = { name: n.logGroup, retentionDays: s.logRetentionDays };
  await ensureLogGroup(ctx, group, slot.logGroup, slot.function.get()?.createdBySuite ?? false);
  const { zip, codeSha256, zipPath } = probeZip(ctx.dryRun);
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
  await ensureFunction(ctx, def, { zip, codeSha256 }, slot.function);
  return n;
}

/** Removes the probe's function, log group and role, if the walkthrough made them. Safe to repeat. */
export async function removeProbe(ctx: Ctx): Promise<void> {
  const n = probeNames(ctx);
  const slot = slots(ctx, n);
  const fnOurs = await removeFunction(ctx, n.functionName, slot.function);
  await removeLogGroup(ctx, n.logGroup, slot.logGroup, fnOurs);
  await removeRole(ctx, n.roleName, slot.role);
}

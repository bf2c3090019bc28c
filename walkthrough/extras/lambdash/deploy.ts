// Deploys lambdash, or checks and repairs it: the role and its one inline policy, the private output
// bucket, the log group, the function. Every create is recorded first (an interrupted deploy
// resumes), tolerates a parallel run creating the same thing, and nothing not lambdash's is changed.
import { RESERVE_SECONDS } from '../../../handlers/lambdash/protocol.ts';
import { getPolicy, removePermission, type FunctionDefinition } from '../../lib/actions/lambda.ts';
import { ensureBucket } from '../../lib/resources/bucket.ts';
import { ensureFunction } from '../../lib/resources/function.ts';
import { ensureLogGroup } from '../../lib/resources/log-group.ts';
import { ensureRole } from '../../lib/resources/role.ts';
import { confirmChange, LAMBDASH, LAMBDASH_TAG, lambdashSlot as slot, type LambdashCtx } from './context.ts';
import type { LambdashPackage } from './package.ts';
import { lambdashPolicy, lambdaTrustPolicy } from './policy.ts';
import type { DeployedFunction } from './state.ts';

export const RUNTIME = 'nodejs24.x';
const LOG_RETENTION_DAYS = 14;

/** What should be deployed for these options. */
export function wanted(c: LambdashCtx, pkg: LambdashPackage): DeployedFunction {
  return {
    codeSha256: pkg.codeSha256,
    timeout: c.args.timeout + RESERVE_SECONDS,
    memorySize: c.args.memory,
    architecture: c.args.architecture,
    roleArn: c.state.data.role?.arn ?? `arn:${c.partition}:iam::${c.identity.accountId}:role/${c.names.roleName}`,
    bucket: c.names.bucket,
  };
}

/** True when the state says exactly this is deployed: the run can go straight to Invoke. */
export function isCurrent(c: LambdashCtx, pkg: LambdashPackage): boolean {
  const d = c.state.data.function?.deployed;
  const w = wanted(c, pkg);
  return (
    !!d &&
    d.codeSha256 === w.codeSha256 &&
    d.timeout === w.timeout &&
    d.memorySize === w.memorySize &&
    d.architecture === w.architecture &&
    d.bucket === w.bucket
  );
}

const RENAME = 'Pick other names with --name (or LAMBDASH_NAME).';

function ensureLambdashRole(c: LambdashCtx): Promise<string> {
  const spec = {
    name: c.names.roleName,
    trust: lambdaTrustPolicy(),
    policyName: c.names.policyName,
    policy: lambdashPolicy(c.names, c.partition, c.region, c.identity.accountId),
    allows: `s3:PutObject on ${c.names.bucket}/*, its own log streams`,
    tags: [LAMBDASH_TAG],
    description: 'Execution role of lambdash: its own logs and PutObject on its output bucket',
    rename: RENAME,
    owner: LAMBDASH,
  };
  return ensureRole(c, spec, slot(c, 'role'));
}

function ensureLambdashBucket(c: LambdashCtx): Promise<void> {
  const spec = { name: c.names.bucket, label: 'output bucket', setting: 'LAMBDASH_NAME', flag: 'name' };
  return ensureBucket(c, { ...spec, owner: LAMBDASH, rename: RENAME }, slot(c, 'bucket'));
}

function ensureLambdashLogGroup(c: LambdashCtx): Promise<void> {
  const spec = { name: c.names.logGroup, retentionDays: LOG_RETENTION_DAYS, owner: LAMBDASH };
  return ensureLogGroup(c, spec, slot(c, 'logGroup'), c.state.data.function?.createdBySuite ?? false);
}

function definition(c: LambdashCtx, pkg: LambdashPackage, w: DeployedFunction): FunctionDefinition {
  return {
    name: c.names.functionName,
    roleArn: w.roleArn,
    runtime: RUNTIME,
    handler: 'index.handler',
    architecture: w.architecture,
    memorySize: w.memorySize,
    timeout: w.timeout,
    environment: { OUTPUT_BUCKET: w.bucket, COMMAND_TIMEOUT_SECONDS: String(c.args.timeout) },
    tags: { [LAMBDASH_TAG.Key]: LAMBDASH_TAG.Value },
    zipPath: pkg.zipPath,
    description: 'lambdash: runs the shell command it is sent. Whoever may invoke it may run commands as its role.',
  };
}

async function ensureLambdashFunction(c: LambdashCtx, pkg: LambdashPackage, w: DeployedFunction): Promise<void> {
  const name = c.names.functionName;
  const who = { owner: LAMBDASH, rename: RENAME, repair: '`npm run lambdash -- --deploy` repairs both.' };
  const code = { zip: pkg.zip, codeSha256: pkg.codeSha256 };
  if ((await ensureFunction(c, definition(c, pkg, w), code, slot(c, 'function'), who)) === 'found')
    await removeResourcePolicy(c, name);
  if (!c.dryRun) c.state.update((x) => x.function && (x.function.deployed = w));
}

/** lambdash runs whatever it is sent: no service or account may be allowed to invoke it (no trigger ever does). */
async function removeResourcePolicy(c: LambdashCtx, name: string): Promise<void> {
  const statements = await getPolicy(c, name);
  if (statements.length === 0)
    return c.report.unchanged(`resource policy of ${name}: none (only its own account's identities may invoke it)`);
  for (const st of statements) {
    if (!st.Sid) continue;
    const who = JSON.stringify(st.Principal ?? 'unknown principal');
    if (await removePermission(c, name, st.Sid))
      c.report.changed(
        `resource policy of ${name}: removed statement ${st.Sid} ` +
          `(it let ${who} invoke it; whoever may invoke lambdash may run commands as its role)`,
      );
  }
}

export async function ensureDeployed(c: LambdashCtx, pkg: LambdashPackage): Promise<void> {
  await confirmChange(c, 'deploy lambdash (or check and repair it)');
  const roleArn = await ensureLambdashRole(c);
  await ensureLambdashBucket(c);
  await ensureLambdashLogGroup(c);
  await ensureLambdashFunction(c, pkg, { ...wanted(c, pkg), roleArn });
}

// Deploys lambdash, or checks and repairs it: the role and its one inline policy, the private output
// bucket, the log group, the function. Every create is recorded first (an interrupted deploy
// resumes), tolerates a parallel run creating the same thing, and nothing not lambdash's is changed.
import type { UpdateFunctionConfigurationCommandInput } from '@aws-sdk/client-lambda';
import { RESERVE_SECONDS } from '../../../handlers/lambdash/protocol.ts';
import {
  createFunction,
  getFunction,
  getPolicy,
  removePermission,
  retryWhileRoleNotReady,
  updateFunctionCode,
  updateFunctionConfiguration,
  waitFunctionActiveV2,
  waitFunctionUpdatedV2,
  type FunctionDefinition,
} from '../../lib/actions/lambda.ts';
import {
  putPublicAccessBlock,
  createBucket,
  getBucketTagging,
  headBucket,
  getPublicAccessBlock,
  putBucketTagging,
} from '../../lib/actions/s3.ts';
import { awsCode, UserError } from '../../lib/errors.ts';
import { ensureLogGroup } from '../../lib/resources/log-group.ts';
import { isOurs } from '../../lib/resources/ownership.ts';
import { ensureRole } from '../../lib/resources/role.ts';
import { confirmChange, LAMBDASH, LAMBDASH_TAG, lambdashSlot as slot, type LambdashCtx } from './context.ts';
import type { LambdashPackage } from './package.ts';
import { lambdashPolicy, lambdaTrustPolicy } from './policy.ts';
import type { DeployedFunction } from './state.ts';

export const RUNTIME = 'nodejs24.x';
const LOG_RETENTION_DAYS = 14;
const notOurs = (what: string) =>
  new UserError(
    `${what} already exists and was not created by lambdash; it will not be changed.`,
    'Pick other names with --name (or LAMBDASH_NAME).',
  );

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

async function ensureBucket(c: LambdashCtx): Promise<void> {
  const name = c.names.bucket;
  const access = await headBucket(c, name);
  if (access === 'forbidden')
    throw new UserError(
      `The bucket name ${name} is taken by another AWS account (bucket names are global).`,
      'Pick other names with --name.',
    );
  if (access === 'other-region')
    throw new UserError(
      `A bucket named ${name} exists in another region than ${c.region}.`,
      "Pick other names with --name, or use that bucket's region.",
    );
  if (access === 'missing') {
    c.state.update((x) => (x.bucket = { name, createdBySuite: true }));
    try {
      await createBucket(c, name, c.region);
    } catch (err) {
      if (awsCode(err) === 'BucketAlreadyExists')
        throw new UserError(
          `The bucket name ${name} was just taken by another AWS account.`,
          'Pick other names with --name.',
        );
      if (awsCode(err) !== 'BucketAlreadyOwnedByYou') throw err;
    }
    await putPublicAccessBlock(c, name);
    await putBucketTagging(c, name, [LAMBDASH_TAG]);
    if (!c.dryRun) c.report.created(`output bucket ${name} (private)`);
    return;
  }
  const tags = await getBucketTagging(c, name);
  const tagged = isOurs(undefined, name, tags, LAMBDASH_TAG);
  if (!isOurs(c.state.data.bucket, name, tags, LAMBDASH_TAG)) throw notOurs(`A bucket named ${name}`);
  c.state.update((x) => (x.bucket = { name, createdBySuite: true }));
  c.report.found(`output bucket ${name}`);
  // An interrupted first deploy may have created it but not yet locked it down or tagged it.
  if (!(await getPublicAccessBlock(c, name)) && (await putPublicAccessBlock(c, name)))
    c.report.changed(`output bucket ${name}: public access blocked`);
  if (!tagged && (await putBucketTagging(c, name, [LAMBDASH_TAG]))) c.report.changed(`output bucket ${name}: tagged`);
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

function configChanges(
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
    fields.push(`memory ${String(current.MemorySize)} -> ${def.memorySize} MB`);
  }
  if (current.Timeout !== def.timeout) {
    input.Timeout = def.timeout;
    fields.push(`timeout ${String(current.Timeout)} -> ${def.timeout} s`);
  }
  const vars = (current.Environment as { Variables?: Record<string, string> } | undefined)?.Variables ?? {};
  if (Object.keys({ ...vars, ...def.environment }).some((k) => vars[k] !== def.environment[k])) {
    input.Environment = { Variables: def.environment };
    fields.push('environment');
  }
  return { input, fields };
}

async function ensureFunction(c: LambdashCtx, pkg: LambdashPackage, w: DeployedFunction): Promise<void> {
  const name = c.names.functionName;
  const def = definition(c, pkg, w);
  const existing = await getFunction(c, name);
  const arn = `arn:${c.partition}:lambda:${c.region}:${c.identity.accountId}:function:${name}`;
  if (!existing) {
    c.state.update((x) => (x.function = { name, arn, createdBySuite: true }));
    const created = await c.report.wait(`creating function ${name}`, () =>
      retryWhileRoleNotReady(c, async () => {
        try {
          return await createFunction(c, def, pkg.zip);
        } catch (err) {
          if (awsCode(err) === 'ResourceConflictException') return undefined; // a parallel run made it
          throw err;
        }
      }),
    );
    await c.report.wait(`waiting for ${name} to become Active`, () => waitFunctionActiveV2(c, name));
    if (c.dryRun) return;
    if (created)
      c.report.created(`function ${name} (${RUNTIME}, ${w.architecture}, ${w.memorySize} MB, timeout ${w.timeout} s)`);
  } else {
    const config = existing.Configuration ?? {};
    const ours = isOurs(c.state.data.function, name, existing.Tags, LAMBDASH_TAG);
    if (!ours) throw notOurs(`A function named ${name}`);
    c.state.update((x) => (x.function = { name, arn: config.FunctionArn ?? arn, createdBySuite: true }));
    c.report.found(`function ${name}`);
    if (config.State === 'Pending')
      await c.report.wait('waiting for the function to become Active', () => waitFunctionActiveV2(c, name));
    if (config.LastUpdateStatus === 'InProgress')
      await c.report.wait('waiting for its last update to finish', () => waitFunctionUpdatedV2(c, name));
    if (config.CodeSha256 !== pkg.codeSha256 || (config.Architectures?.[0] ?? 'x86_64') !== w.architecture) {
      if (await updateFunctionCode(c, name, pkg.zip, pkg.zipPath, w.architecture)) {
        await c.report.wait('waiting for the code update', () => waitFunctionUpdatedV2(c, name));
        c.report.changed(`code of ${name} (CodeSha256 ${pkg.codeSha256})`);
      }
    } else c.report.unchanged(`code of ${name}`);
    const { input, fields } = configChanges(def, config as Record<string, unknown>);
    if (fields.length > 0 && (await updateFunctionConfiguration(c, input, fields.join(', ')))) {
      await c.report.wait('waiting for the configuration update', () => waitFunctionUpdatedV2(c, name));
      c.report.changed(`configuration of ${name}: ${fields.join(', ')}`);
    }
    await removeResourcePolicy(c, name);
  }
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
  await ensureBucket(c);
  await ensureLambdashLogGroup(c);
  await ensureFunction(c, pkg, { ...wanted(c, pkg), roleArn });
}

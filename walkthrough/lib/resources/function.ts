// A function: created (retried while IAM has not yet shown Lambda the new role), or updated only where
// it differs: code by CodeSha256, configuration field by field; every change followed by its waiter.
import type { UpdateFunctionConfigurationCommandInput } from '@aws-sdk/client-lambda';
import {
  createFunction,
  deleteFunction,
  getFunction,
  isRoleNotReady,
  retryWhileRoleNotReady,
  updateFunctionCode,
  updateFunctionConfiguration,
  waitFunctionActiveV2,
  waitFunctionUpdatedV2,
  type FunctionDefinition,
} from '../actions/lambda.ts';
import type { ActionCtx } from '../actions/run.ts';
import type { Ctx } from '../context.ts';
import { awsCode, UserError } from '../errors.ts';
import { partitionOf } from '../policies.ts';
import { gone } from '../removal.ts';
import type { FunctionRecord } from '../state.ts';
import { stepRef } from '../steps.ts';
import { alreadyDone } from './done.ts';
import { isOurs, WALKTHROUGH, type Owner, type Slot } from './ownership.ts';

/** How long CreateFunction is retried while the new role is not visible to Lambda. */
const ASSUME_DEADLINE_MS = Number(process.env.WALKTHROUGH_ASSUME_DEADLINE_MS) || 120_000;

export interface FunctionCode {
  zip: Buffer;
  codeSha256: string;
}

/** Whose function it is, and what the messages tell the user to do (the walkthrough's unless said). */
export interface FunctionOwner {
  owner: Owner;
  /** When the name is someone else's function: "Set FUNCTION_NAME (or --function-name) to another name." */
  rename: string;
  /** When Lambda never sees the role: what repairs it, and what to re-run. */
  repair: string;
}

const WALKTHROUGH_FUNCTION = (): FunctionOwner => ({
  owner: WALKTHROUGH,
  rename: 'Set FUNCTION_NAME (or --function-name) to another name.',
  repair: `${stepRef('role')} repairs both. Then re-run ${stepRef('function')}.`,
});

/** What a function resource needs of the context: the actions', who is calling, the account and region. */
export type FunctionCtx = ActionCtx &
  Pick<Ctx, 'identity'> & { settings: Pick<Ctx['settings'], 'region' | 'accountId'> };

/** `name:version` of a layer version ARN, for messages. */
const shortLayer = (arn: string) => arn.split(':').slice(-2).join(':');

function configurationChanges(def: FunctionDefinition, current: Record<string, unknown>) {
  const input: UpdateFunctionConfigurationCommandInput = { FunctionName: def.name };
  const fields: string[] = [];
  const vars = (current.Environment as { Variables?: Record<string, string> } | undefined)?.Variables ?? {};
  const layers = ((current.Layers as Array<{ Arn?: string }> | undefined) ?? []).map((l) => l.Arn ?? '');
  const checks: Array<[boolean, () => void, string]> = [
    [current.Role !== def.roleArn, () => (input.Role = def.roleArn), 'role'],
    [current.Runtime !== def.runtime, () => (input.Runtime = def.runtime as never), 'runtime'],
    [current.Handler !== def.handler, () => (input.Handler = def.handler), 'handler'],
    [
      current.MemorySize !== def.memorySize,
      () => (input.MemorySize = def.memorySize),
      `memory (${String(current.MemorySize)} -> ${def.memorySize} MB)`,
    ],
    [
      current.Timeout !== def.timeout,
      () => (input.Timeout = def.timeout),
      `timeout (${String(current.Timeout)} -> ${def.timeout} s)`,
    ],
    [
      Object.keys({ ...vars, ...def.environment }).some((k) => vars[k] !== def.environment[k]),
      () => (input.Environment = { Variables: def.environment }),
      'environment',
    ],
    [
      def.layers !== undefined && layers.join(' ') !== def.layers.join(' '),
      () => (input.Layers = def.layers),
      `layers (${layers.map(shortLayer).join(', ') || 'none'} -> ${def.layers?.map(shortLayer).join(', ') || 'none'})`,
    ],
  ];
  for (const [differs, apply, field] of checks) {
    if (!differs) continue;
    apply();
    fields.push(field);
  }
  return { input, fields };
}

/** Returns false when a parallel run created it meanwhile (CreateFunction answered that it exists). */
async function create(
  ctx: FunctionCtx,
  def: FunctionDefinition,
  code: FunctionCode,
  slot: Slot<FunctionRecord>,
  who: FunctionOwner,
): Promise<boolean> {
  const { settings: s, report } = ctx;
  const arn = `arn:${partitionOf(ctx.identity.arn)}:lambda:${s.region}:${s.accountId}:function:${def.name}`;
  slot.set({ name: def.name, arn, createdBySuite: true });
  const created = await report.wait(`creating function ${def.name}`, () =>
    retryWhileRoleNotReady(ctx, () => createFunction(ctx, def, code), ASSUME_DEADLINE_MS).catch((err: unknown) => {
      if (awsCode(err) === 'ResourceConflictException') return 'exists' as const;
      if (!isRoleNotReady(err)) throw err;
      throw new UserError(
        `Lambda still says the role ${def.roleArn} cannot be assumed, after retrying for ` +
          `${ASSUME_DEADLINE_MS / 1000} s (a new role usually becomes usable within seconds: IAM is eventually ` +
          'consistent, but not this slow).',
        `Check that the role exists and that its trust policy lets lambda.amazonaws.com assume it: ${who.repair}`,
      );
    }),
  );
  if (created === 'exists') return false;
  await report.wait(`waiting for ${def.name} to become Active`, () => waitFunctionActiveV2(ctx, def.name));
  if (!created) return true; // dry run
  slot.set({ name: def.name, arn: created.FunctionArn ?? arn, createdBySuite: true, codeSha256: created.CodeSha256 });
  report.created(`function ${def.name} (${def.runtime}, ${def.architecture}, ${def.memorySize} MB, ${def.timeout} s)`);
  return true;
}

/** What the function runs now: from GetFunction (step 5), or from the state's record (`npm run dev`). */
export interface CurrentCode {
  arn: string;
  codeSha256?: string;
  architecture: string;
}

/**
 * Uploads the code when the function's CodeSha256 (or architecture) differs, waits for the update, then
 * records the new CodeSha256: the record never names code the function does not have. Step 5 and
 * `npm run dev` both go through here. Returns whether it updated.
 */
export async function syncCode(
  ctx: FunctionCtx,
  def: Pick<FunctionDefinition, 'name' | 'zipPath' | 'architecture'>,
  code: FunctionCode,
  slot: Slot<FunctionRecord>,
  current: CurrentCode,
): Promise<boolean> {
  const { report } = ctx;
  if (current.codeSha256 === code.codeSha256 && current.architecture === def.architecture) {
    report.unchanged(`code of ${def.name} (CodeSha256 ${code.codeSha256})`);
    return false;
  }
  if (!(await updateFunctionCode(ctx, def.name, code, def.zipPath, def.architecture))) return false;
  await report.wait('waiting for the code update', () => waitFunctionUpdatedV2(ctx, def.name));
  slot.set({ name: def.name, arn: current.arn, createdBySuite: true, codeSha256: code.codeSha256 });
  report.changed(`code of ${def.name} (CodeSha256 ${code.codeSha256})`);
  return true;
}

/** Creates the function, or brings the one that is ours to `def`; says which it did. */
export async function ensureFunction(
  ctx: FunctionCtx,
  def: FunctionDefinition,
  code: FunctionCode,
  slot: Slot<FunctionRecord>,
  who: FunctionOwner = WALKTHROUGH_FUNCTION(),
): Promise<'created' | 'found'> {
  const { report } = ctx;
  let existing = await getFunction(ctx, def.name);
  if (!existing) {
    if (await create(ctx, def, code, slot, who)) return 'created';
    // Made meanwhile: ours if a parallel run of ours made it (its tag), refused otherwise.
    slot.clear();
    existing = await getFunction(ctx, def.name);
    if (!existing)
      throw new UserError(`Lambda says a function named ${def.name} exists, but cannot find it.`, 'Run again.');
  }
  const config = existing.Configuration ?? {};
  if (!isOurs(slot.get(), def.name, existing.Tags, who.owner.tag))
    throw new UserError(
      `A function named ${def.name} already exists and was not created by ${who.owner.label}; it will not be changed.`,
      who.rename,
    );
  const arn = config.FunctionArn ?? '';
  slot.set({ name: def.name, arn, createdBySuite: true, codeSha256: config.CodeSha256 });
  report.found(`function ${def.name}`);
  await createFunction(alreadyDone(ctx), def, code);
  // Pitfall 3: a change while another is in progress is refused (ResourceConflictException).
  if (config.State === 'Pending')
    await report.wait('waiting for the function to become Active', () => waitFunctionActiveV2(ctx, def.name));
  if (config.LastUpdateStatus === 'InProgress')
    await report.wait('waiting for the last update to finish', () => waitFunctionUpdatedV2(ctx, def.name));

  const { input, fields } = configurationChanges(def, config as Record<string, unknown>);
  const applyConfiguration = async () => {
    if (fields.length === 0) return report.unchanged(`configuration of ${def.name}`);
    if (await updateFunctionConfiguration(ctx, input, fields.join(', '))) {
      await report.wait('waiting for the configuration update', () => waitFunctionUpdatedV2(ctx, def.name));
      report.changed(`configuration of ${def.name}: ${fields.join(', ')}`);
    }
  };
  // New layers go on before the code that needs them (a function packaged with sharp inside keeps
  // working with the layer attached, the handler-only zip would not without it).
  const layersFirst = input.Layers !== undefined;
  if (layersFirst) await applyConfiguration();
  await syncCode(ctx, def, code, slot, {
    arn,
    codeSha256: config.CodeSha256,
    architecture: config.Architectures?.[0] ?? 'x86_64',
  });
  if (!layersFirst) await applyConfiguration();
  return 'found';
}

/** Deletes the function if it is ours; returns whether it was (its log group is then ours too). */
export async function removeFunction(
  ctx: ActionCtx,
  name: string,
  slot: Slot<FunctionRecord>,
  owner: Owner = WALKTHROUGH,
): Promise<boolean> {
  const fn = await getFunction(ctx, name);
  if (!fn) {
    ctx.report.gone(`function ${name}`);
    slot.clear();
    return false;
  }
  if (!isOurs(slot.get(), name, fn.Tags, owner.tag)) {
    ctx.report.kept(`function ${name} (not created by ${owner.label})`);
    return false;
  }
  if (await gone(() => deleteFunction(ctx, name))) ctx.report.removed(`function ${name}`);
  slot.clear();
  return true;
}

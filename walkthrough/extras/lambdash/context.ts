// lambdash's connection: the walkthrough's connect() (settings, local endpoint, SDK clients,
// identity) with only the target flags passed on, a reporter on stderr (stdout belongs to the
// command), its own names and state file, and a confirmation on real AWS asked only before a change.
import * as readline from 'node:readline/promises';
import { PassThrough } from 'node:stream';
import type { minimist } from 'zx';
import type { ActionCtx } from '../../lib/actions/run.ts';
import { connect, type Identity } from '../../lib/context.ts';
import { UserError } from '../../lib/errors.ts';
import { partitionOf } from '../../lib/policies.ts';
import type { TargetKind } from '../../lib/settings.ts';
import { Reporter, type Outcome, type ReporterOptions } from '../../lib/ui.ts';
import type { LambdashArgs } from './args.ts';
import { StateFile, stateFile } from '../../lib/state.ts';
import type { LambdashState } from './state.ts';
import type { Owner, Slot } from '../../lib/resources/ownership.ts';

export const LAMBDASH_TAG = { Key: 'created-by', Value: 'lambdash' } as const;
/** lambdash as the owner the resources layer checks (its tag) and names in its messages. */
export const LAMBDASH: Owner = { tag: LAMBDASH_TAG, label: 'lambdash' };

export interface LambdashNames {
  functionName: string;
  roleName: string;
  policyName: string;
  bucket: string;
  logGroup: string;
}

export interface LambdashCtx extends ActionCtx {
  args: LambdashArgs;
  names: LambdashNames;
  state: StateFile<LambdashState>;
  identity: Identity;
  target: TargetKind;
  region: string;
  partition: string;
  /** Set once the user said yes (real AWS), so one run asks once. */
  confirmed: boolean;
}

/** Only what changed is worth a line on stderr, unless --verbose: the rest is the command's. */
export class LambdashReporter extends Reporter {
  constructor(
    options: ReporterOptions,
    private readonly verbose: boolean,
  ) {
    super(options);
  }

  override note(outcome: Outcome, text: string): void {
    if (this.verbose || !['found', 'unchanged', 'gone', 'info', 'kept'].includes(outcome)) super.note(outcome, text);
    else this.lines.push({ outcome, text });
  }
}

export function lambdashNames(name: string, accountId: string, region: string): LambdashNames {
  return {
    functionName: name,
    roleName: `${name}-${region}-role`.slice(0, 64),
    policyName: `${name}-least-privilege`,
    // Bucket names are global: the account and region make it this account's own.
    bucket: `${name}-out-${accountId}-${region}`,
    logGroup: `/aws/lambda/${name}`,
  };
}

export async function connectLambdash(args: LambdashArgs): Promise<LambdashCtx> {
  const argv: minimist.ParsedArgs = {
    _: [],
    target: args.target,
    region: args.region,
    profile: args.profile,
    'endpoint-url': args.endpointUrl,
    // lambdash asks itself, on stderr, and only before it changes something.
    yes: true,
    'dry-run': args.dryRun,
  };
  const early = new PassThrough();
  let earlyText = '';
  early.on('data', (d: Buffer) => (earlyText += d.toString()));
  const ctx = await connect(argv, { out: early, tty: false });
  // Such as "started the local AWS endpoint"; on AWS the identity line waits for a confirmation.
  if (ctx.settings.target !== 'aws') process.stderr.write(earlyText);
  const report = new LambdashReporter({ cli: args.cli, out: process.stderr }, args.verbose || args.teardown);
  const { accountId } = ctx.identity;
  const region = ctx.settings.region;
  return {
    clients: ctx.clients,
    report,
    dryRun: ctx.dryRun,
    cliTarget: ctx.cliTarget,
    args,
    names: lambdashNames(args.name, accountId, region),
    state: new StateFile<LambdashState>(
      stateFile(ctx.settings.target, ctx.settings.endpoint, accountId, region, args.name),
      { target: ctx.settings.target, endpoint: ctx.settings.endpoint, accountId, region },
      ctx.dryRun,
    ),
    identity: ctx.identity,
    target: ctx.settings.target,
    region,
    partition: partitionOf(ctx.identity.arn),
    confirmed: false,
  };
}

/** On real AWS, before the first change: show where, and ask (on stderr) unless --yes. */
export async function confirmChange(c: LambdashCtx, what: string): Promise<void> {
  if (c.target !== 'aws' || c.dryRun || c.confirmed) return;
  process.stderr.write(
    `lambdash: real AWS, account ${c.identity.accountId} as ${c.identity.arn}, region ${c.region}\n`,
  );
  if (c.args.yes) {
    c.confirmed = true;
    return;
  }
  if (!process.stdin.isTTY)
    throw new UserError(
      `lambdash would ${what} in a real AWS account, and there is no terminal to ask for confirmation.`,
      'Re-run with --yes once you have checked the account and region above.',
    );
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(
    `${what[0]!.toUpperCase()}${what.slice(1)} in account ${c.identity.accountId}, region ${c.region}? [y/N] `,
  );
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new UserError('Stopped: nothing was changed.');
  c.confirmed = true;
}

/** Where lambdash keeps a resource's record (its own state file): the resources layer's slot. */
export function lambdashSlot<K extends 'role' | 'logGroup'>(
  c: Pick<LambdashCtx, 'state'>,
  key: K,
): Slot<NonNullable<LambdashState[K]>> {
  return {
    get: () => c.state.data[key] as NonNullable<LambdashState[K]> | undefined,
    set: (record) => c.state.update((x) => (x[key] = record as LambdashState[K])),
    clear: () => c.state.update((x) => delete x[key]),
  };
}

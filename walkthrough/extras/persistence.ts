// Persistence of the execution environment between invocations: invokes a small probe function
// several times in a row, then several times at once, and shows per invocation which environment
// served it (its log stream), how many invocations that environment had served, and whether a value
// cached in module scope and a file cached in /tmp were already there.
//   npx tsx walkthrough/extras/persistence.ts [--sequential 4] [--parallel 3] [--teardown]
import { chalk, type minimist } from 'zx';
import {
  invokeJsonCli,
  invokeTail,
  updateFunctionConfiguration,
  waitFunctionUpdatedV2,
} from '../lib/actions/lambda.ts';
import { connect, type Ctx } from '../lib/context.ts';
import { UserError } from '../lib/errors.ts';
import { COMMON_HELP, fail, isMain, parseArgs, SCRIPT_FLAGS } from '../lib/main.ts';
import { errorTypeOf } from '../lib/function-error.ts';
import { ensureProbe, removeProbe } from './lib/probe.ts';
import { parseReport } from '../lib/report-line.ts';
import { formatTable } from './lib/table.ts';

export interface PersistenceOptions {
  sequential: number;
  parallel: number;
  /** How long each parallel invocation holds its environment, so they overlap. */
  holdMs: number;
}

/** What the probe answers (handlers/probe/index.mjs). */
interface ProbeAnswer {
  envId: string;
  count: number;
  moduleCacheHit: boolean;
  tmpFileHit: boolean;
  logStreamName: string;
}

export interface Row extends ProbeAnswer {
  n: number;
  sent: 'in a row' | 'at once';
  /** A, B, C… in order of first appearance. */
  environment: string;
  cold: boolean;
  billedMs?: number;
}

function count(raw: unknown, name: string, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new UserError(`--${name} ${String(raw)}: give a whole number from 0 to ${max}.`);
  return n;
}

async function invokeProbe(ctx: Ctx, name: string, holdMs: number): Promise<Omit<Row, 'n' | 'sent' | 'environment'>> {
  const r = await invokeTail(ctx, name, { holdMs });
  if (r.functionError)
    throw new UserError(`The probe failed: ${errorTypeOf(r.payload)}`, `Its log: aws logs tail /aws/lambda/${name}`);
  const answer = JSON.parse(r.payload) as ProbeAnswer;
  const report = parseReport(r.logTail);
  return {
    ...answer,
    cold: report ? report.initDurationMs !== undefined : answer.count === 1,
    billedMs: report?.billedDurationMs,
  };
}

export async function persistence(ctx: Ctx, opts: PersistenceOptions): Promise<Row[]> {
  const { report } = ctx;
  const probe = await ensureProbe(ctx);
  const name = probe.functionName;
  // A configuration change retires every environment: the run starts with none warm, on AWS too.
  const runId = new Date().toISOString();
  if (
    await updateFunctionConfiguration(
      ctx,
      { FunctionName: name, Environment: { Variables: { PERSISTENCE_RUN: runId } } },
      'environment',
    )
  ) {
    await report.wait(`waiting for ${name}'s new configuration`, () => waitFunctionUpdatedV2(ctx, name));
    report.changed(`configuration of ${name} (PERSISTENCE_RUN=${runId}): this run starts without a warm environment`);
  }
  if (ctx.dryRun) {
    report.would(`invoke ${name} ${opts.sequential} time(s) in a row, then ${opts.parallel} at once`);
    return [];
  }
  report.cli(invokeJsonCli(ctx, name, { holdMs: 0 }));
  const answers: Array<Omit<Row, 'n' | 'environment'>> = [];
  await report.wait(`${opts.sequential} invocation(s) in a row`, async () => {
    for (let i = 0; i < opts.sequential; i++) answers.push({ ...(await invokeProbe(ctx, name, 0)), sent: 'in a row' });
  });
  if (opts.parallel > 0)
    await report.wait(`${opts.parallel} invocation(s) at once`, async () => {
      const all = await Promise.all(Array.from({ length: opts.parallel }, () => invokeProbe(ctx, name, opts.holdMs)));
      answers.push(...all.map((a) => ({ ...a, sent: 'at once' as const })));
    });
  const labels = new Map<string, string>();
  return answers.map((a, i) => {
    if (!labels.has(a.logStreamName)) labels.set(a.logStreamName, String.fromCharCode(65 + labels.size));
    return { ...a, n: i + 1, environment: labels.get(a.logStreamName)! };
  });
}

const yesNo = (hit: boolean) => (hit ? 'hit' : 'miss');

export function rowsTable(rows: Row[]): string {
  return formatTable(
    ['#', 'sent', 'environment', 'log stream', 'served', 'module cache', '/tmp file', 'start', 'billed ms'],
    rows.map((r) => [
      String(r.n),
      r.sent,
      r.environment,
      r.logStreamName,
      String(r.count),
      yesNo(r.moduleCacheHit),
      yesNo(r.tmpFileHit),
      r.cold ? 'cold' : 'warm',
      r.billedMs === undefined ? '-' : String(r.billedMs),
    ]),
    ['right', 'left', 'left', 'left', 'right', 'left', 'left', 'left', 'right'],
  );
}

export function conclusion(rows: Row[]): string[] {
  const envs = new Set(rows.map((r) => r.logStreamName)).size;
  const hits = rows.filter((r) => r.moduleCacheHit).length;
  const tmpHits = rows.filter((r) => r.tmpFileHit).length;
  // Same log stream, another module instance: the runtime process restarted inside the environment.
  const restarted = rows.some((r) => rows.some((o) => o.logStreamName === r.logStreamName && o.envId !== r.envId));
  const lines = [
    `${rows.length} invocation(s) were served by ${envs} execution environment(s); ` +
      `${hits} found the module-scope value and ${tmpHits} the /tmp file an earlier invocation had left.`,
  ];
  if (restarted)
    lines.push('One environment restarted its runtime in between: module scope was new, but /tmp kept its files.');
  lines.push(
    'An environment is reused for as long as it stays warm, so whatever is kept in module scope or /tmp ' +
      '(clients, connections, downloaded files) is paid for once per environment rather than once per invocation: ' +
      'useful caching.',
    'But invocations that overlap get environments of their own and any invocation may land in a new one, ' +
      'so never assume a fresh start (nor a warm cache): set up what you need, ' +
      'and clean up whatever must not leak into the next invocation.',
  );
  return lines;
}

const HELP = `Persistence of the Lambda execution environment between invocations.
Deploys a small probe function (handlers/probe) with a role that may only write its logs, then
invokes it several times in a row and several times at once.
  --sequential N   invocations in a row (default 4)
  --parallel N     invocations at once (default 3, at most 10)
  --hold-ms MS     how long each parallel invocation lasts, so they overlap (default 1000)
  --teardown       remove the probe function, its log group and its role`;

export async function main(args: string[]): Promise<void> {
  let argv: minimist.ParsedArgs;
  try {
    argv = parseArgs(args, SCRIPT_FLAGS['extras/persistence.ts']);
  } catch (err) {
    return fail(err);
  }
  if (argv.help) {
    console.log(`${HELP}\n\n${COMMON_HELP}`);
    return;
  }
  try {
    const opts: PersistenceOptions = {
      sequential: count(argv.sequential, 'sequential', 4, 50),
      parallel: count(argv.parallel, 'parallel', 3, 10),
      holdMs: count(argv['hold-ms'], 'hold-ms', 1000, 10_000),
    };
    const ctx = await connect(argv);
    if (argv.teardown) {
      ctx.report.heading(`Persistence probe: teardown${ctx.dryRun ? ' (dry run: nothing is changed)' : ''}`);
      await removeProbe(ctx);
      return;
    }
    ctx.report.heading(`Persistence of the execution environment${ctx.dryRun ? ' (dry run: nothing is changed)' : ''}`);
    const rows = await persistence(ctx, opts);
    if (rows.length === 0) return;
    ctx.report.print('');
    ctx.report.print(rowsTable(rows));
    ctx.report.print('');
    for (const line of conclusion(rows)) ctx.report.print(chalk.bold(line));
    ctx.report.print(
      chalk.gray(
        `Remove the probe with: npx tsx walkthrough/extras/persistence.ts --teardown (npm run teardown removes it too)`,
      ),
    );
  } catch (err) {
    fail(err);
  }
}

if (isMain(import.meta.url)) await main(process.argv.slice(2));

// `npm run tune`: memory vs speed and cost, in the manner of AWS Lambda Power Tuning. For each memory
// size it sets the walkthrough function's memory (waiting for the update), invokes it with an S3
// event for an image (by default a generated, photo-like 12-megapixel JPEG) (one cold run, not
// counted, then --runs warm ones), reads Billed Duration and Max Memory Used from the REPORT lines,
// prices each invocation from Lambda's published prices, and puts the original memory back at the
// end, also on failure or Ctrl-C.
//   npm run tune [-- --memory 128,512,1769] [--runs 5] [--image PATH] [--prices FILE]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chalk, type minimist } from 'zx';
import {
  getFunction,
  invokeTail,
  invokeTailCli,
  updateFunctionConfiguration,
  waitFunctionUpdatedV2,
} from '../lib/actions/lambda.ts';
import { waitObjectExists } from '../lib/actions/s3.ts';
import { connect, type Ctx } from '../lib/context.ts';
import { UserError } from '../lib/errors.ts';
import { renderGallery } from '../lib/gallery.ts';
import { s3PutEvent } from '../lib/events.ts';
import { COMMON_HELP, fail, isMain, parseArgs, SCRIPT_FLAGS } from '../lib/main.ts';
import { partitionOf } from '../lib/policies.ts';
import { PollTimeout } from '../lib/retry.ts';
import { cpuStatus, NOT_ENFORCED_BANNER, type CpuStatus } from './lib/cpu-status.ts';
import { errorTypeOf } from '../lib/function-error.ts';
import { loadPrices, pricesFor, type Prices } from './lib/prices.ts';
import { parseReport, type Report } from '../lib/report-line.ts';
import { tuneChartSvg } from './lib/svg-chart.ts';
import { loadTuneImage, uploadOnce, type TuneImage } from './lib/tune-image.ts';
import {
  barChart,
  recommend,
  recommendationLines,
  resultsTable,
  summarise,
  type Recommendations,
  type SizeResult,
  type SizeSummary,
} from './lib/tune-results.ts';

/** A running tune, in the state's notes: the memory size to put back if it is interrupted. */
interface TuningRecord {
  functionName: string;
  originalMemorySize: number;
  startedAt: string;
}

export const DEFAULT_SIZES = [128, 256, 512, 1024, 1536, 2048, 3008];
export const DEFAULT_RUNS = 5;
const OUT_DIR = 'out';

export interface TuneOptions {
  sizes: number[];
  runs: number;
  image?: string;
  pricesFile?: string;
  /** Also write the results as JSON here (for scripts, e.g. bench/tune.ts). */
  saveJson?: string;
}

export interface TuneOutcome {
  functionName: string;
  architecture: string;
  originalMemory: number;
  results: SizeResult[];
  summaries: SizeSummary[];
  recommendations?: Recommendations;
  cpu: CpuStatus;
  prices: Prices;
  image: TuneImage;
  svgPath?: string;
}

export function parseSizes(raw: unknown): number[] {
  if (raw === undefined || raw === '' || raw === true) return DEFAULT_SIZES;
  const sizes = String(raw)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const bad = sizes.find((n) => !Number.isInteger(n) || n < 128 || n > 10240);
  if (sizes.length === 0 || bad !== undefined)
    throw new UserError(
      `--memory ${String(raw)}: memory sizes are whole numbers of MB from 128 to 10240, separated by commas.`,
      'For example: --memory 128,512,1769',
    );
  return [...new Set(sizes)].sort((a, b) => a - b);
}

export function parseRuns(raw: unknown): number {
  if (raw === undefined) return DEFAULT_RUNS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100)
    throw new UserError(`--runs ${String(raw)}: give a whole number of warm runs per size, 1 to 100.`);
  return n;
}

class Interrupted extends Error {}

/** Runs the whole measurement; the function's memory is put back however it ends. */
export async function tune(ctx: Ctx, opts: TuneOptions, signal?: AbortSignal): Promise<TuneOutcome | undefined> {
  const { settings: s, report, state } = ctx;
  const name = state.data.function?.name ?? s.functionName;
  const fn = state.data.function ? await getFunction(ctx, name) : undefined;
  if (!fn?.Configuration || !state.data.sourceBucket)
    throw new UserError(
      `The walkthrough is not set up here: no function ${name} (and its source bucket) to tune.`,
      'Run npm run walkthrough first.',
    );
  const config = fn.Configuration;
  const architecture = config.Architectures?.[0] ?? 'x86_64';
  const prices = loadPrices(opts.pricesFile);
  const unitPrices = pricesFor(prices, architecture);
  const cpu = await cpuStatus(ctx);
  report.info(cpu.detail);
  if (!cpu.enforced) report.print(chalk.red.bold(`  ${NOT_ENFORCED_BANNER}`));
  report.info(`prices: ${prices.region}, ${architecture}, taken ${prices.taken} from ${prices.source}`);
  if (prices.region !== s.region && prices.region !== 'unspecified')
    report.info(`the prices are ${prices.region}'s; ${s.region} may differ (pass --prices FILE)`);

  // A run killed before it could restore the memory left the original size in the state file.
  const noted = state.data.notes?.tune as TuningRecord | undefined;
  const interrupted = noted?.functionName === name ? noted : undefined;
  const originalMemory = interrupted?.originalMemorySize ?? config.MemorySize ?? 128;
  if (interrupted)
    report.info(`an earlier tune run did not finish; ${name}'s original memory size was ${originalMemory} MB`);

  const image = await loadTuneImage(OUT_DIR, opts.image);
  const key = `tune/${image.name}`;
  const bucket = state.data.sourceBucket.name;
  if (ctx.dryRun) {
    report.would(
      `upload ${image.file} to s3://${bucket}/${key}, then for each of ${opts.sizes.join(', ')} MB: ` +
        `set the memory of ${name}, invoke it ${opts.runs + 1} times; finally restore ${originalMemory} MB`,
    );
    return undefined;
  }
  const upload = await uploadOnce(ctx, bucket, key, image);
  // The upload triggers the function once: let that finish before measuring.
  if (upload.uploaded && state.data.notification) await waitForThumbnail(ctx, `resized-${key}`);
  const event = s3PutEvent({
    bucket,
    key,
    size: image.bytes.length,
    eTag: upload.eTag,
    region: s.region,
    partition: partitionOf(ctx.identity.arn),
    configurationId: 'tune',
  });
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const eventFile = path.join(OUT_DIR, 'tune-event.json');
  fs.writeFileSync(eventFile, JSON.stringify(event, null, 2) + '\n');

  state.update((x) => {
    const tune: TuningRecord = {
      functionName: name,
      originalMemorySize: originalMemory,
      startedAt: new Date().toISOString(),
    };
    x.notes = { ...x.notes, tune };
  });
  report.info(
    'if this is stopped hard, restore the memory with: ' +
      `aws lambda update-function-configuration --function-name ${name} --memory-size ${originalMemory}`,
  );
  const results: SizeResult[] = [];
  let current = config.MemorySize ?? 128;
  try {
    for (const size of opts.sizes) {
      if (signal?.aborted) throw new Interrupted();
      if (current !== size) {
        await setMemory(ctx, name, size);
        current = size;
      }
      ctx.report.cli(invokeTailCli(ctx, name, eventFile, path.join(OUT_DIR, 'tune-response.json')));
      const result = await report.wait(`${size} MB: 1 cold + ${opts.runs} warm invocations`, () =>
        measure(ctx, name, event, size, opts.runs, signal),
      );
      result.vcpu = cpu.share?.(size);
      results.push(result);
      if (result.error) report.info(`${size} MB: ${result.error}`);
    }
  } catch (err) {
    if (err instanceof Interrupted)
      throw new UserError(`Interrupted; ${name}'s memory is back at ${originalMemory} MB.`);
    throw err;
  } finally {
    if (current !== originalMemory) await setMemory(ctx, name, originalMemory, 'restore');
    else report.unchanged(`memory of ${name}: ${originalMemory} MB`);
    state.update((x) => {
      if (x.notes) delete x.notes.tune;
    });
  }

  const summaries = results.map((r) => summarise(r, unitPrices)).filter((x): x is SizeSummary => x !== undefined);
  const summaryBySize = new Map(summaries.map((x) => [x.memoryMb, x]));
  // Where CPU does not follow memory, comparing sizes means nothing: no recommendation, no chart.
  const recommendations = cpu.enforced ? recommend(summaries) : undefined;
  const outcome: TuneOutcome = {
    functionName: name,
    architecture,
    originalMemory,
    results,
    summaries,
    recommendations,
    cpu,
    prices,
    image,
  };
  printOutcome(ctx, outcome, opts, summaryBySize);
  if (summaries.length > 0 && cpu.enforced) outcome.svgPath = writeChart(outcome, opts, s.region);
  if (outcome.svgPath) report.info(`chart: ${outcome.svgPath}`);
  if (opts.saveJson) {
    fs.writeFileSync(opts.saveJson, JSON.stringify(savedResults(outcome), null, 2) + '\n');
    report.info(`results: ${path.resolve(opts.saveJson)}`);
  }
  return outcome;
}

async function setMemory(ctx: Ctx, name: string, size: number, why: 'tune' | 'restore' = 'tune'): Promise<void> {
  // An update still in progress (ours, or someone's) would make this one fail with ResourceConflictException.
  await waitFunctionUpdatedV2(ctx, name);
  await updateFunctionConfiguration(ctx, { FunctionName: name, MemorySize: size }, `memory (${size} MB)`);
  await ctx.report.wait(`waiting for ${name} to use ${size} MB`, () => waitFunctionUpdatedV2(ctx, name));
  if (why === 'restore') ctx.report.changed(`memory of ${name} restored to ${size} MB`);
}

async function measure(
  ctx: Ctx,
  name: string,
  event: unknown,
  size: number,
  runs: number,
  signal?: AbortSignal,
): Promise<SizeResult> {
  const result: SizeResult = { memoryMb: size, runs: [] };
  for (let i = 0; i <= runs; i++) {
    if (signal?.aborted) throw new Interrupted();
    const r = await invokeTail(ctx, name, event);
    const rep: Report | undefined = parseReport(r.logTail);
    if (r.functionError) {
      result.error = `the function failed: ${errorTypeOf(r.payload)}`;
      if (rep) result.error += ` (Max Memory Used ${rep.maxMemoryUsedMb} MB)`;
      return result;
    }
    if (!rep) {
      result.error = 'no REPORT line in the invocation log tail';
      return result;
    }
    if (rep.memorySizeMb !== size) {
      result.error = `the REPORT says ${rep.memorySizeMb} MB, expected ${size} MB`;
      return result;
    }
    if (i === 0) result.cold = rep;
    else result.runs.push(rep);
  }
  return result;
}

async function waitForThumbnail(ctx: Ctx, key: string): Promise<void> {
  const dest = ctx.state.data.destBucket?.name ?? ctx.settings.destBucket;
  try {
    await ctx.report.wait('waiting for the upload-triggered invocation to finish', () =>
      waitObjectExists(ctx, dest, key, 60_000),
    );
  } catch (err) {
    if (!(err instanceof PollTimeout)) throw err;
    ctx.report.info(`no thumbnail for the upload yet (${err.message}); measuring anyway`);
  }
}

function printOutcome(ctx: Ctx, o: TuneOutcome, opts: TuneOptions, summaryBySize: Map<number, SizeSummary>): void {
  const out = (line = '') => ctx.report.print(line);
  out();
  if (!o.cpu.enforced) {
    out(chalk.red.bold(`  ${NOT_ENFORCED_BANNER}`));
    out(chalk.red(`  ${NOT_MEANINGFUL}`));
    out();
  }
  const heading =
    `${o.functionName} (${o.architecture}) on ${o.image.description}: ` +
    `mean of ${opts.runs} warm run(s) per size (slowest and fastest 20% left out)`;
  out(chalk.bold(o.cpu.enforced ? heading : `Measured, NOT meaningful across sizes: ${heading}`));
  out(resultsTable(o.results, summaryBySize));
  const archPrices = o.prices.architectures[o.architecture]!;
  out(
    `  cost/invocation = billed ms / 1000 x memory MB / 1024 x ${archPrices.perGbSecond} per GB-s + ` +
      `${archPrices.perRequest} per request (${o.prices.currency}, ${o.prices.region}, prices of ${o.prices.taken})`,
  );
  if (o.summaries.length === 0 || !o.recommendations) return;
  out();
  out(barChart(o.summaries));
  out();
  out(chalk.bold('Recommendations'));
  for (const line of recommendationLines(o.recommendations)) out(line);
}

/** What tune says instead of a chart and recommendations where CPU does not follow memory. */
export const NOT_MEANINGFUL =
  'The table shows what was measured, but the sizes got the same CPU, so it says nothing about memory vs speed ' +
  'or cost: no chart and no recommendation. Run it where CPU limits are enforced (Linux as root, or AWS).';

/** The results as data: per size the warm runs' figures and the summary, plus how they were obtained. */
export interface SavedResults {
  functionName: string;
  architecture: string;
  image: string;
  cpu: { enforced: boolean; detail: string };
  prices: { source: string; taken: string; region: string; currency: string };
  sizes: Array<{
    memoryMb: number;
    vcpu?: number;
    error?: string;
    initDurationMs?: number;
    billedMs?: number;
    durationMs?: number;
    maxMemoryUsedMb?: number;
    cost?: number;
    billedRuns: number[];
  }>;
  recommendations?: { fastest: number; cheapest: number; balanced: number };
}

function savedResults(o: TuneOutcome): SavedResults {
  const bySize = new Map(o.summaries.map((x) => [x.memoryMb, x]));
  const rec = o.recommendations;
  return {
    functionName: o.functionName,
    architecture: o.architecture,
    image: o.image.description,
    cpu: { enforced: o.cpu.enforced, detail: o.cpu.detail },
    prices: { source: o.prices.source, taken: o.prices.taken, region: o.prices.region, currency: o.prices.currency },
    sizes: o.results.map((r) => {
      const sum = bySize.get(r.memoryMb);
      return {
        memoryMb: r.memoryMb,
        vcpu: r.vcpu,
        error: r.error,
        initDurationMs: r.cold?.initDurationMs,
        billedMs: sum?.billedMs,
        durationMs: sum?.durationMs,
        maxMemoryUsedMb: sum?.maxMemoryUsedMb,
        cost: sum?.cost,
        billedRuns: r.runs.map((x) => x.billedDurationMs),
      };
    }),
    recommendations: rec && {
      fastest: rec.fastest.memoryMb,
      cheapest: rec.cheapest.memoryMb,
      balanced: rec.balanced.memoryMb,
    },
  };
}

function writeChart(o: TuneOutcome, opts: TuneOptions, region: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const file = path.join(OUT_DIR, `tune-${stamp}.svg`);
  const svg = tuneChartSvg({
    title: `${o.functionName}: billed duration and cost by memory size`,
    subtitle:
      `${o.image.description}; mean of ${opts.runs} warm run(s); ` +
      `${o.architecture} prices of ${o.prices.taken} (${o.prices.region}); ${region}`,
    sizes: o.summaries,
    recommendations: o.recommendations,
    banner: o.cpu.enforced ? undefined : NOT_ENFORCED_BANNER,
  });
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(file, svg);
  // The results page shows the newest chart.
  renderGallery(OUT_DIR);
  return path.resolve(file);
}

const HELP = `npm run tune: the walkthrough function's billed duration and cost per memory size.
  --memory A,B,...   memory sizes in MB (default ${DEFAULT_SIZES.join(',')})
  --runs N           warm invocations per size, after one cold one that is not counted (default ${DEFAULT_RUNS})
  --image PATH       the image to resize (default: a generated 12-megapixel photo)
  --prices FILE      Lambda prices to use (default walkthrough/extras/prices.json)
  --save-json FILE   also write the results as JSON
Needs the walkthrough set up (npm run walkthrough). The function's memory is restored at the end.`;

export async function main(args: string[]): Promise<void> {
  let argv: minimist.ParsedArgs;
  try {
    argv = parseArgs(args, SCRIPT_FLAGS['extras/tune.ts']);
  } catch (err) {
    return fail(err);
  }
  if (argv.help) {
    console.log(`${HELP}\n\n${COMMON_HELP}`);
    return;
  }
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    console.error(
      `\n${sig}: stopping after the current invocation and restoring the memory size (again to quit at once)`,
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const sizes = parseSizes(argv.memory);
    const runs = parseRuns(argv.runs);
    // --memory is this command's list of sizes, not the walkthrough's MEMORY_SIZE setting.
    delete argv.memory;
    const ctx = await connect(argv);
    ctx.report.heading(`Memory vs speed and cost${ctx.dryRun ? ' (dry run: nothing is changed)' : ''}`);
    const opts: TuneOptions = {
      sizes,
      runs,
      image: argv.image as string | undefined,
      pricesFile: argv.prices as string | undefined,
      saveJson: argv['save-json'] as string | undefined,
    };
    await tune(ctx, opts, controller.signal);
  } catch (err) {
    fail(err);
    if (controller.signal.aborted) process.exitCode = 130;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

if (isMain(import.meta.url)) await main(process.argv.slice(2));

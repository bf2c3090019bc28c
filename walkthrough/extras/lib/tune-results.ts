// What `npm run tune` measured per memory size, summarised: means of the warm runs (slowest and
// fastest 20% left out), cost per invocation, and recommendations in the manner of AWS Lambda Power
// Tuning (fastest, cheapest, balanced), plus the table and the terminal bar chart.
import { invocationCost, type ArchitecturePrices } from './prices.ts';
import type { Report } from '../../lib/report-line.ts';
import { formatTable } from './table.ts';

export interface SizeResult {
  memoryMb: number;
  /** vCPUs' worth of CPU at this size, where known. */
  vcpu?: number;
  /** The first (cold) invocation at this size: not counted. */
  cold?: Report;
  /** The warm runs. */
  runs: Report[];
  /** Why this size has no numbers (e.g. Runtime.OutOfMemory). */
  error?: string;
}

export interface SizeSummary extends SizeResult {
  billedMs: number;
  durationMs: number;
  maxMemoryUsedMb: number;
  /** Per invocation, from the mean billed duration. */
  cost: number;
}

export interface Recommendations {
  fastest: SizeSummary;
  cheapest: SizeSummary;
  balanced: SizeSummary;
}

/** Share of the slowest and fastest runs left out of the mean, as AWS Lambda Power Tuning does by default. */
export const DISCARD_TOP_BOTTOM = 0.2;

/** Mean without the top and bottom 20% (nothing is left out of fewer than 5 runs). */
export function trimmedMean(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const k = Math.floor(s.length * DISCARD_TOP_BOTTOM);
  const kept = s.slice(k, s.length - k);
  return kept.reduce((a, b) => a + b, 0) / kept.length;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export function summarise(r: SizeResult, prices: ArchitecturePrices): SizeSummary | undefined {
  if (r.error || r.runs.length === 0) return undefined;
  // Cost is linear in billed time: the cost of the mean is the mean cost of the runs.
  const billedMs = round1(trimmedMean(r.runs.map((x) => x.billedDurationMs)));
  return {
    ...r,
    billedMs,
    durationMs: trimmedMean(r.runs.map((x) => x.durationMs)),
    maxMemoryUsedMb: Math.max(...r.runs.map((x) => x.maxMemoryUsedMb)),
    cost: invocationCost(billedMs, r.memoryMb, prices),
  };
}

/** Fastest (ties: cheaper), cheapest (ties: faster), balanced (equal weight to normalised cost and duration). */
export function recommend(sizes: SizeSummary[]): Recommendations | undefined {
  if (sizes.length === 0) return undefined;
  const by = (score: (s: SizeSummary) => number, tie: (s: SizeSummary) => number) =>
    [...sizes].sort((a, b) => score(a) - score(b) || tie(a) - tie(b))[0]!;
  const maxCost = Math.max(...sizes.map((s) => s.cost));
  const maxMs = Math.max(...sizes.map((s) => s.billedMs));
  return {
    fastest: by(
      (s) => s.billedMs,
      (s) => s.cost,
    ),
    cheapest: by(
      (s) => s.cost,
      (s) => s.billedMs,
    ),
    balanced: by(
      (s) => 0.5 * (s.cost / maxCost) + 0.5 * (s.billedMs / maxMs),
      (s) => s.cost,
    ),
  };
}

/** Cost of a million invocations: friendlier numbers than fractions of a cent. */
export function perMillion(cost: number): string {
  return `$${(cost * 1e6).toFixed(2)}`;
}

export function formatCost(cost: number): string {
  return `$${cost.toFixed(10)}`;
}

export function resultsTable(results: SizeResult[], summaries: Map<number, SizeSummary>): string {
  const rows = results.map((r) => {
    const s = summaries.get(r.memoryMb);
    const vcpu = r.vcpu === undefined ? '-' : r.vcpu.toFixed(2);
    const cold = r.cold ? `${Math.round(r.cold.initDurationMs ?? 0)}+${r.cold.billedDurationMs}` : '-';
    if (!s) return [`${r.memoryMb}`, vcpu, cold, '-', '-', '-', '-', '-', '-', r.error ?? 'no runs'];
    const billed = r.runs.map((x) => x.billedDurationMs);
    return [
      `${r.memoryMb}`,
      vcpu,
      cold,
      `${s.billedMs}`,
      `${Math.min(...billed)}-${Math.max(...billed)}`,
      s.durationMs.toFixed(2),
      `${s.maxMemoryUsedMb}`,
      formatCost(s.cost),
      perMillion(s.cost),
      `${r.runs.length}`,
    ];
  });
  return formatTable(
    [
      'memory MB',
      'vCPU',
      'cold ms (init+billed)',
      'billed ms (mean)',
      'billed range',
      'duration ms',
      'max memory MB',
      'cost/invocation',
      'per 1M',
      'runs',
    ],
    rows,
    ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
}

const BAR = 40;

function bar(value: number, max: number): string {
  const n = max > 0 ? Math.max(1, Math.round((value / max) * BAR)) : 0;
  return '█'.repeat(n);
}

export function barChart(sizes: SizeSummary[]): string {
  const maxMs = Math.max(...sizes.map((s) => s.billedMs));
  const maxCost = Math.max(...sizes.map((s) => s.cost));
  const label = (s: SizeSummary) => `${s.memoryMb} MB`.padStart(8);
  const lines = ['  billed duration (mean)'];
  for (const s of sizes) lines.push(`  ${label(s)}  ${bar(s.billedMs, maxMs).padEnd(BAR)}  ${s.billedMs} ms`);
  lines.push('', '  cost per 1M invocations');
  for (const s of sizes) lines.push(`  ${label(s)}  ${bar(s.cost, maxCost).padEnd(BAR)}  ${perMillion(s.cost)}`);
  return lines.join('\n');
}

export function recommendationLines(rec: Recommendations): string[] {
  const line = (name: string, s: SizeSummary, why: string) =>
    `  ${name.padEnd(9)} ${String(s.memoryMb).padStart(5)} MB  ` +
    `${s.billedMs} ms, ${perMillion(s.cost)} per 1M invocations  (${why})`;
  return [
    line('fastest', rec.fastest, 'lowest billed duration'),
    line('cheapest', rec.cheapest, 'lowest cost per invocation'),
    line('balanced', rec.balanced, 'cost and duration weighted equally'),
  ];
}

// Small statistics and formatting helpers shared by the benchmarks.

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

/** Nearest-rank percentile of an already sorted array (p in 0..100). */
export function percentileSorted(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(xs: number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: percentileSorted(s, 50),
    p99: percentileSorted(s, 99),
    mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length),
    min: s[0] ?? NaN,
    max: s[s.length - 1] ?? NaN,
  };
}

export function median(xs: number[]): number {
  return percentileSorted(
    [...xs].sort((a, b) => a - b),
    50,
  );
}

/** Milliseconds with a precision that suits their size. */
export function ms(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  return x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0);
}

export function seconds(msValue: number): string {
  return Number.isFinite(msValue) ? (msValue / 1000).toFixed(msValue < 10_000 ? 2 : 1) : 'n/a';
}

export function ratio(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(x < 10 ? 2 : 1)}x` : 'n/a';
}

export function int(x: number): string {
  return Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a';
}

/** A Markdown table; columns whose header ends in ':' are right-aligned (the ':' is dropped). */
export function table(headers: string[], rows: string[][]): string {
  const right = headers.map((h) => h.endsWith(':'));
  const names = headers.map((h) => (h.endsWith(':') ? h.slice(0, -1) : h));
  const esc = (c: string) => c.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [`| ${names.join(' | ')} |`, `|${right.map((r) => (r ? '---:' : '---')).join('|')}|`];
  for (const row of rows) lines.push(`| ${row.map(esc).join(' | ')} |`);
  return lines.join('\n') + '\n';
}

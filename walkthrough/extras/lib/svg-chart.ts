// The tune chart as a self-contained SVG: billed duration (left axis) and cost per 1M invocations
// (right axis) per memory size, with the recommendations marked and, where CPU limits are not
// enforced, a banner saying the durations mean nothing here.
import type { Recommendations, SizeSummary } from './tune-results.ts';

export interface ChartInput {
  title: string;
  subtitle: string;
  sizes: SizeSummary[];
  recommendations?: Recommendations;
  banner?: string;
}

const W = 960;
const H = 560;
const M = { left: 90, right: 100, top: 130, bottom: 110 };
const BLUE = '#1f6fb2';
const ORANGE = '#d9730d';

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A round axis maximum and its tick step (1, 2 or 5 times a power of ten). */
export function niceScale(max: number, ticks = 5): { max: number; step: number } {
  if (!(max > 0)) return { max: 1, step: 0.2 };
  const raw = max / ticks;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  return { max: Math.ceil(max / step) * step, step };
}

function fmt(n: number): string {
  if (n >= 100) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** A text as drawn: its anchor point, alignment and font size (px). */
export interface TextItem {
  x: number;
  y: number;
  anchor: 'start' | 'middle' | 'end';
  size: number;
  text: string;
}

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * The box a text covers, generously: Helvetica's widest digits and `$` are ~0.56 em, so 0.62 em a
 * character over-estimates; ascent 0.8 em above the baseline, descent 0.25 em below.
 */
export function textBox(t: TextItem): Box {
  const w = t.text.length * t.size * 0.62;
  const x0 = t.anchor === 'start' ? t.x : t.anchor === 'end' ? t.x - w : t.x - w / 2;
  return { x0, y0: t.y - t.size * 0.8, x1: x0 + w, y1: t.y + t.size * 0.25 };
}

export function boxesOverlap(a: Box, b: Box): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

export interface ChartLayout {
  plot: Box;
  /** Tick labels of the left (ms), right (cost) and bottom (memory) axes. */
  tickLabels: TextItem[];
  /** The value written beside each point of both series. */
  pointLabels: Array<TextItem & { series: 'ms' | 'cost' }>;
  points: Array<{ series: 'ms' | 'cost'; x: number; y: number }>;
  ms: { max: number; step: number };
  cost: { max: number; step: number };
}

/**
 * Where every axis and point label goes. Point labels stay inside the plot area (the first and last
 * are aligned inwards, and a label that would leave the plot at the top or bottom goes to the other
 * side of its point), so they never sit on the tick labels, which are all outside it.
 */
export function chartLayout(c: ChartInput): ChartLayout {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const plot = { x0: M.left, y0: M.top, x1: M.left + plotW, y1: M.top + plotH };
  const n = c.sizes.length;
  const x = (i: number) => M.left + (n === 1 ? plotW / 2 : (i * plotW) / (n - 1));
  const ms = niceScale(Math.max(...c.sizes.map((s) => s.billedMs)));
  const cost = niceScale(Math.max(...c.sizes.map((s) => s.cost * 1e6)));
  const yMs = (v: number) => M.top + plotH - (v / ms.max) * plotH;
  const yCost = (v: number) => M.top + plotH - (v / cost.max) * plotH;
  const tickLabels: TextItem[] = [];
  for (let v = 0; v <= ms.max + 1e-9; v += ms.step)
    tickLabels.push({
      x: M.left - 10,
      y: yMs(v) + 4,
      anchor: 'end',
      size: 12,
      text: ms.step >= 1 ? v.toFixed(0) : fmt(v),
    });
  for (let v = 0; v <= cost.max + 1e-12; v += cost.step)
    tickLabels.push({ x: M.left + plotW + 10, y: yCost(v) + 4, anchor: 'start', size: 12, text: `$${fmt(v)}` });
  c.sizes.forEach((s, i) =>
    tickLabels.push({ x: x(i), y: M.top + plotH + 22, anchor: 'middle', size: 13, text: `${s.memoryMb} MB` }),
  );
  const points: ChartLayout['points'] = [];
  const pointLabels: ChartLayout['pointLabels'] = [];
  const place = (series: 'ms' | 'cost', i: number, py: number, text: string, above: boolean) => {
    const px = x(i);
    const anchor = n > 1 && i === 0 ? 'start' : n > 1 && i === n - 1 ? 'end' : 'middle';
    const lx = anchor === 'start' ? px + 8 : anchor === 'end' ? px - 8 : px;
    let label: TextItem = { x: lx, y: py + (above ? -10 : 20), anchor, size: 12, text };
    const box = textBox(label);
    if (box.y0 < plot.y0 || box.y1 > plot.y1) label = { ...label, y: py + (above ? 20 : -10) };
    points.push({ series, x: px, y: py });
    pointLabels.push({ ...label, series });
  };
  c.sizes.forEach((s, i) => place('ms', i, yMs(s.billedMs), `${s.billedMs} ms`, true));
  c.sizes.forEach((s, i) => place('cost', i, yCost(s.cost * 1e6), `$${fmt(s.cost * 1e6)}`, false));
  return { plot, tickLabels, pointLabels, points, ms, cost };
}

function text(t: TextItem, fill: string, extra = ''): string {
  return (
    `<text x="${t.x}" y="${t.y}" font-size="${t.size}" text-anchor="${t.anchor}" fill="${fill}"${extra}>` +
    `${esc(t.text)}</text>`
  );
}

export function tuneChartSvg(c: ChartInput): string {
  const layout = chartLayout(c);
  const { plot, ms } = layout;
  const plotW = plot.x1 - plot.x0;
  const plotH = plot.y1 - plot.y0;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
      'font-family="Helvetica, Arial, sans-serif">',
  );
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(
    `<text x="${W / 2}" y="34" font-size="22" font-weight="bold" text-anchor="middle" fill="#222">` +
      `${esc(c.title)}</text>`,
  );
  out.push(`<text x="${W / 2}" y="58" font-size="13" text-anchor="middle" fill="#555">${esc(c.subtitle)}</text>`);
  if (c.banner) {
    out.push(`<rect x="${M.left}" y="68" width="${plotW}" height="26" rx="4" fill="#fde2e1" stroke="#c0392b"/>`);
    out.push(
      `<text x="${W / 2}" y="86" font-size="14" font-weight="bold" text-anchor="middle" fill="#a93226">` +
        `${esc(c.banner)}</text>`,
    );
  }
  // Grid, axes and their tick labels.
  for (let v = 0; v <= ms.max + 1e-9; v += ms.step) {
    const y = plot.y1 - (v / ms.max) * plotH;
    out.push(`<line x1="${plot.x0}" y1="${y}" x2="${plot.x1}" y2="${y}" stroke="#e5e5e5"/>`);
  }
  for (const t of layout.tickLabels) {
    const fill = t.anchor === 'end' ? BLUE : t.anchor === 'start' ? ORANGE : '#222';
    out.push(text(t, fill));
  }
  out.push(`<line x1="${plot.x0}" y1="${plot.y0}" x2="${plot.x0}" y2="${plot.y1}" stroke="#888"/>`);
  out.push(`<line x1="${plot.x1}" y1="${plot.y0}" x2="${plot.x1}" y2="${plot.y1}" stroke="#888"/>`);
  out.push(`<line x1="${plot.x0}" y1="${plot.y1}" x2="${plot.x1}" y2="${plot.y1}" stroke="#888"/>`);
  out.push(
    `<text transform="translate(24 ${plot.y0 + plotH / 2}) rotate(-90)" font-size="14" text-anchor="middle" ` +
      `fill="${BLUE}">billed duration, mean (ms)</text>`,
  );
  out.push(
    `<text transform="translate(${W - 20} ${plot.y0 + plotH / 2}) rotate(90)" font-size="14" ` +
      `text-anchor="middle" fill="${ORANGE}">cost per 1M invocations (USD)</text>`,
  );
  // X axis: a tick per memory size, its vCPU share and the recommendations it got.
  const xs = layout.points.filter((p) => p.series === 'ms').map((p) => p.x);
  c.sizes.forEach((s, i) => {
    const x = xs[i]!;
    out.push(`<line x1="${x}" y1="${plot.y1}" x2="${x}" y2="${plot.y1 + 6}" stroke="#888"/>`);
    if (s.vcpu !== undefined)
      out.push(
        `<text x="${x}" y="${plot.y1 + 38}" font-size="11" text-anchor="middle" fill="#777">` +
          `${s.vcpu.toFixed(2)} vCPU</text>`,
      );
    const marks = c.recommendations
      ? (['fastest', 'cheapest', 'balanced'] as const).filter((k) => c.recommendations![k].memoryMb === s.memoryMb)
      : [];
    if (marks.length)
      out.push(
        `<text x="${x}" y="${plot.y1 + 56}" font-size="12" font-weight="bold" text-anchor="middle" ` +
          `fill="#2e7d32">${marks.join(', ')}</text>`,
      );
  });
  out.push(
    `<text x="${plot.x0 + plotW / 2}" y="${H - 22}" font-size="14" text-anchor="middle" fill="#222">memory size</text>`,
  );
  // The two series: lines, points, and the value beside each point.
  for (const [series, color] of [
    ['ms', BLUE],
    ['cost', ORANGE],
  ] as const) {
    const pts = layout.points.filter((p) => p.series === series);
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="3" ` +
        `points="${pts.map((p) => `${p.x},${p.y}`).join(' ')}"/>`,
    );
    for (const p of pts) out.push(`<circle cx="${p.x}" cy="${p.y}" r="5" fill="${color}"/>`);
    for (const t of layout.pointLabels.filter((l) => l.series === series)) out.push(text(t, color));
  }
  // Legend.
  const lx = M.left;
  const ly = M.top - 22;
  out.push(
    `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${BLUE}" stroke-width="3"/>` +
      `<text x="${lx + 30}" y="${ly + 4}" font-size="12" fill="#222">billed duration</text>`,
  );
  out.push(
    `<line x1="${lx + 140}" y1="${ly}" x2="${lx + 164}" y2="${ly}" stroke="${ORANGE}" stroke-width="3"/>` +
      `<text x="${lx + 170}" y="${ly + 4}" font-size="12" fill="#222">cost per 1M invocations</text>`,
  );
  out.push('</svg>');
  return out.join('\n') + '\n';
}

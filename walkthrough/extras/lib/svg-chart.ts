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

export function tuneChartSvg(c: ChartInput): string {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const n = c.sizes.length;
  const x = (i: number) => M.left + (n === 1 ? plotW / 2 : (i * plotW) / (n - 1));
  const ms = niceScale(Math.max(...c.sizes.map((s) => s.billedMs)));
  const cost = niceScale(Math.max(...c.sizes.map((s) => s.cost * 1e6)));
  const yMs = (v: number) => M.top + plotH - (v / ms.max) * plotH;
  const yCost = (v: number) => M.top + plotH - (v / cost.max) * plotH;
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
  // Grid and both axes.
  for (let v = 0; v <= ms.max + 1e-9; v += ms.step) {
    const y = yMs(v);
    out.push(`<line x1="${M.left}" y1="${y}" x2="${M.left + plotW}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(
      `<text x="${M.left - 10}" y="${y + 4}" font-size="12" text-anchor="end" fill="${BLUE}">` +
        `${ms.step >= 1 ? v.toFixed(0) : fmt(v)}</text>`,
    );
  }
  for (let v = 0; v <= cost.max + 1e-12; v += cost.step) {
    out.push(`<text x="${M.left + plotW + 10}" y="${yCost(v) + 4}" font-size="12" fill="${ORANGE}">$${fmt(v)}</text>`);
  }
  out.push(`<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + plotH}" stroke="#888"/>`);
  out.push(`<line x1="${M.left + plotW}" y1="${M.top}" x2="${M.left + plotW}" y2="${M.top + plotH}" stroke="#888"/>`);
  out.push(`<line x1="${M.left}" y1="${M.top + plotH}" x2="${M.left + plotW}" y2="${M.top + plotH}" stroke="#888"/>`);
  out.push(
    `<text transform="translate(24 ${M.top + plotH / 2}) rotate(-90)" font-size="14" text-anchor="middle" ` +
      `fill="${BLUE}">billed duration, mean (ms)</text>`,
  );
  out.push(
    `<text transform="translate(${W - 20} ${M.top + plotH / 2}) rotate(90)" font-size="14" text-anchor="middle" ` +
      `fill="${ORANGE}">cost per 1M invocations (USD)</text>`,
  );
  // X axis: one tick per memory size.
  c.sizes.forEach((s, i) => {
    out.push(`<line x1="${x(i)}" y1="${M.top + plotH}" x2="${x(i)}" y2="${M.top + plotH + 6}" stroke="#888"/>`);
    out.push(
      `<text x="${x(i)}" y="${M.top + plotH + 22}" font-size="13" text-anchor="middle" fill="#222">` +
        `${s.memoryMb} MB</text>`,
    );
    if (s.vcpu !== undefined)
      out.push(
        `<text x="${x(i)}" y="${M.top + plotH + 38}" font-size="11" text-anchor="middle" fill="#777">` +
          `${s.vcpu.toFixed(2)} vCPU</text>`,
      );
    const marks = c.recommendations
      ? (['fastest', 'cheapest', 'balanced'] as const).filter((k) => c.recommendations![k].memoryMb === s.memoryMb)
      : [];
    if (marks.length)
      out.push(
        `<text x="${x(i)}" y="${M.top + plotH + 56}" font-size="12" font-weight="bold" text-anchor="middle" ` +
          `fill="#2e7d32">${marks.join(', ')}</text>`,
      );
  });
  out.push(
    `<text x="${M.left + plotW / 2}" y="${H - 22}" font-size="14" text-anchor="middle" fill="#222">memory size</text>`,
  );
  // The two series.
  const series = (color: string, y: (i: number) => number, label: (s: SizeSummary) => string, above: boolean) => {
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="3" ` +
        `points="${c.sizes.map((_, i) => `${x(i)},${y(i)}`).join(' ')}"/>`,
    );
    c.sizes.forEach((s, i) => {
      out.push(`<circle cx="${x(i)}" cy="${y(i)}" r="5" fill="${color}"/>`);
      out.push(
        `<text x="${x(i)}" y="${y(i) + (above ? -10 : 20)}" font-size="12" text-anchor="middle" fill="${color}">` +
          `${esc(label(s))}</text>`,
      );
    });
  };
  series(
    BLUE,
    (i) => yMs(c.sizes[i]!.billedMs),
    (s) => `${s.billedMs} ms`,
    true,
  );
  series(
    ORANGE,
    (i) => yCost(c.sizes[i]!.cost * 1e6),
    (s) => `$${fmt(s.cost * 1e6)}`,
    false,
  );
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

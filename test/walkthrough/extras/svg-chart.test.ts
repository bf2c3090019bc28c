// The tune chart's layout, as geometry: no point label may sit on a tick label of any axis (the first
// point's "$3.20" used to be drawn over the "600" tick), and every label the layout places is what the
// SVG draws.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  boxesOverlap,
  chartLayout,
  textBox,
  tuneChartSvg,
  type ChartInput,
} from '../../../walkthrough/extras/lib/svg-chart.ts';
import type { SizeSummary } from '../../../walkthrough/extras/lib/tune-results.ts';

const GB_SECOND = 0.0000166667;
const REQUEST = 0.0000002;

function summary(memoryMb: number, billedMs: number): SizeSummary {
  return {
    memoryMb,
    runs: [],
    billedMs,
    durationMs: billedMs - 0.5,
    maxMemoryUsedMb: 100,
    cost: (memoryMb / 1024) * (billedMs / 1000) * GB_SECOND + REQUEST,
  };
}

function chart(points: Array<[number, number]>): ChartInput {
  return { title: 't', subtitle: 's', sizes: points.map(([m, ms]) => summary(m, ms)) };
}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function assertNoOverlap(input: ChartInput): void {
  const layout = chartLayout(input);
  for (const label of layout.pointLabels) {
    const box = textBox(label);
    for (const tick of layout.tickLabels)
      assert.ok(
        !boxesOverlap(box, textBox(tick)),
        `point label ${label.text} at (${label.x}, ${label.y}) overlaps tick label ${tick.text} ` +
          `at (${tick.x}, ${tick.y}) for ${JSON.stringify(input.sizes.map((s) => [s.memoryMb, s.billedMs]))}`,
      );
    assert.ok(
      box.x0 >= layout.plot.x0 && box.x1 <= layout.plot.x1 && box.y0 >= layout.plot.y0 && box.y1 <= layout.plot.y1,
      `point label ${label.text} leaves the plot area`,
    );
  }
}

describe('the tune chart layout', () => {
  it('keeps the first point label off the left axis tick labels (the "$3.20" over "600" case)', () => {
    // A 128 MB run near 1500 ms costs about $3.2 per million: its label was centred on the left axis.
    const input = chart([
      [128, 1440],
      [256, 720],
      [512, 380],
      [1024, 200],
      [1536, 140],
      [2048, 110],
      [3008, 90],
    ]);
    const first = chartLayout(input).pointLabels.find((l) => l.series === 'cost')!;
    assert.equal(first.text, '$3.20');
    assertNoOverlap(input);
  });

  it('keeps labels off the tick labels for flat, rising, single-point and extreme series', () => {
    assertNoOverlap(chart([[1024, 100]]));
    assertNoOverlap(
      chart([
        [128, 100],
        [3008, 100],
      ]),
    );
    assertNoOverlap(
      chart([
        [128, 1],
        [256, 2],
        [512, 4000],
      ]),
    );
    const next = random(12);
    for (let round = 0; round < 300; round++) {
      const n = 1 + Math.floor(next() * 8);
      const sizes = [128, 256, 512, 1024, 1536, 1769, 2048, 3008, 10240].slice(0, n);
      assertNoOverlap(chart(sizes.map((m) => [m, Math.max(1, Math.round(next() ** 3 * 20_000))])));
    }
  });

  it('draws every label where the layout placed it', () => {
    const input = chart([
      [128, 1440],
      [512, 380],
      [3008, 90],
    ]);
    const svg = tuneChartSvg(input);
    const layout = chartLayout(input);
    for (const t of [...layout.pointLabels, ...layout.tickLabels])
      assert.ok(
        svg.includes(`x="${t.x}" y="${t.y}" font-size="${t.size}" text-anchor="${t.anchor}"`) &&
          svg.includes(`>${t.text}</text>`),
        `${t.text} at (${t.x}, ${t.y})`,
      );
  });
});

// The benchmarks' verdicts are pure functions of their figures: checked here so a goal is never
// reported met by mistake (performance itself is measured by `npm run bench`, never asserted).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { judge } from '../../bench/tune.ts';
import { goalsMarkdown } from '../../bench/lib/report.ts';
import type { SavedResults } from '../../walkthrough/extras/tune.ts';

function results(enforced: boolean, sizes: Array<[number, number, number]>): SavedResults {
  return {
    functionName: 'CreateThumbnail',
    architecture: 'x86_64',
    image: 'photo',
    cpu: { enforced, detail: enforced ? 'cgroup v2 cpu.max' : 'not root' },
    prices: { source: 'test', taken: '2026-01-01', region: 'us-east-1', currency: 'USD' },
    sizes: sizes.map(([memoryMb, billedMs, cost]) => ({ memoryMb, billedMs, cost, billedRuns: [billedMs] })),
  };
}

describe('tune benchmark goals', () => {
  it('are not applicable where CPU limits are not enforced, whatever the figures', () => {
    const goals = judge(
      results(false, [
        [512, 100, 1e-6],
        [1024, 100, 2e-6],
      ]),
    );
    assert.deepEqual(
      goals.map((g) => g.met),
      ['n/a', 'n/a'],
    );
    assert.match(goals[0]!.detail, /not enforced \(not root\)/);
  });

  it('are met when duration halves as memory doubles (same price, faster)', () => {
    const goals = judge(
      results(true, [
        [512, 400, 3.4e-6],
        [1024, 200, 3.4e-6],
        [1536, 134, 3.5e-6],
        [1769, 118, 3.5e-6],
        [3008, 118, 5.9e-6],
      ]),
    );
    assert.deepEqual(
      goals.map((g) => g.met),
      [true, true],
    );
  });

  it('are not met when a larger size is slower, or when the cost spreads by more than 20%', () => {
    const goals = judge(
      results(true, [
        [512, 400, 3.4e-6],
        [1024, 300, 5.1e-6],
        [1536, 340, 8.7e-6],
      ]),
    );
    assert.deepEqual(
      goals.map((g) => g.met),
      [false, false],
    );
    assert.match(goals[0]!.detail, /slower than the size before: 1536 MB/);
    assert.match(goals[1]!.detail, /156% above lowest/);
  });
});

describe('goal lines in RESULTS.md', () => {
  it('say met, NOT met or n/a', () => {
    const md = goalsMarkdown([
      { goal: 'a', met: true, detail: 'x' },
      { goal: 'b', met: false, detail: 'y' },
      { goal: 'c', met: 'n/a', detail: 'z' },
    ]);
    assert.match(md, /✅ met — a: x/);
    assert.match(md, /❌ NOT met — b: y/);
    assert.match(md, /➖ n\/a — c: z/);
  });
});

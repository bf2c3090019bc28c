// Benchmark: `npm run tune` for the walkthrough's resize function on a generated 12-megapixel
// photo-like JPEG (walkthrough/extras/lib/photo.ts: synthetic, not a camera's), on the project's
// local endpoint, run as a user runs it: the walkthrough is set up in a temp folder with an endpoint
// of its own (its own process, port and data), tuned, and everything is stopped and removed. Goals,
// where CPU limits are enforced: billed duration falls as memory grows up to about 1769 MB, and the
// cost per image stays within 20% across 512-1769 MB ("same price, faster").
//   npx tsx bench/tune.ts            (prints the markdown)
//   import { runTuneBench } from './tune.ts'; const { markdown } = await runTuneBench();
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { isMain, runAlone } from './lib/main.ts';
import { PROJECT, tempDir, TSX, isolatedEnv } from './lib/procs.ts';
import type { Goal, Section } from './lib/report.ts';
import type { SavedResults } from '../walkthrough/extras/tune.ts';

export const BENCH_SIZES = [128, 256, 512, 1024, 1536, 1769, 2048, 3008];

export interface TuneBenchOptions {
  sizes?: number[];
  /** Warm runs per size (one cold run before them is not counted). */
  runs?: number;
  log?: (line: string) => void;
}

export type TuneGoal = Goal;

export interface TuneBenchResult {
  markdown: string;
  goals: TuneGoal[];
  results: SavedResults;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function script(
  rel: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, path.join(PROJECT, rel), ...args], { cwd, env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

function pct(x: number): string {
  return `${(x * 100).toFixed(0)}%`;
}

/** The goals, judged only where durations can depend on memory. */
export function judge(r: SavedResults): TuneGoal[] {
  const ok = r.sizes.filter((s) => s.billedMs !== undefined && s.cost !== undefined);
  const upTo = ok.filter((s) => s.memoryMb <= 1769);
  const band = ok.filter((s) => s.memoryMb >= 512 && s.memoryMb <= 1769);
  const g1 = 'billed duration falls as memory grows, up to 1769 MB';
  const g2 = 'cost per image within 20% across 512-1769 MB';
  if (!r.cpu.enforced) {
    const why = `not applicable: CPU limits were not enforced (${r.cpu.detail})`;
    return [
      { goal: g1, met: 'n/a', detail: why },
      { goal: g2, met: 'n/a', detail: why },
    ];
  }
  // Falls: every step down to 1769 MB is faster than the one before (5% allowed for noise).
  const rises = upTo.slice(1).filter((s, i) => s.billedMs! > upTo[i]!.billedMs! * 1.05);
  const costs = band.map((s) => s.cost!);
  const spread = costs.length ? Math.max(...costs) / Math.min(...costs) - 1 : NaN;
  return [
    {
      goal: g1,
      met: upTo.length >= 2 && rises.length === 0,
      detail:
        upTo.map((s) => `${s.memoryMb} MB ${s.billedMs} ms`).join(' > ') +
        (rises.length ? `; slower than the size before: ${rises.map((s) => `${s.memoryMb} MB`).join(', ')}` : ''),
    },
    {
      goal: g2,
      met: costs.length >= 2 && spread <= 0.2,
      detail:
        band.map((s) => `${s.memoryMb} MB $${(s.cost! * 1e6).toFixed(2)}`).join(', ') +
        ` per 1M images: highest ${pct(spread)} above lowest`,
    },
  ];
}

/** tune's image description, said as what it is: the default image is synthetic, not a real photo. */
export function imageWords(description: string): string {
  const generated = / \(generated\)$/;
  return generated.test(description)
    ? `a generated 12-megapixel photo-like JPEG (${description.replace(generated, '')})`
    : `a ${description}`;
}

export function renderMarkdown(r: SavedResults, runs: number, seconds: number): string {
  const lines: string[] = [];
  // Paragraphs come as one line each: report.ts wraps them.
  lines.push(
    `Function ${r.functionName} (${r.architecture}) resizing ${imageWords(r.image)} to a 200 px thumbnail, ` +
      `on the local endpoint; ${runs} warm invocations per memory size after one cold one ` +
      '(mean without the slowest and fastest 20%).',
  );
  lines.push(
    `Prices: ${r.prices.region}, ${r.architecture}, taken ${r.prices.taken} from ${r.prices.source}. ` +
      `Took ${seconds.toFixed(0)} s.`,
  );
  lines.push('');
  lines.push(`**CPU limits ${r.cpu.enforced ? 'enforced' : 'NOT enforced'}**: ${r.cpu.detail}`);
  lines.push('');
  // The runs of each size are listed below the table: 20 of them would make its rows too long.
  lines.push('| memory | vCPU | billed ms (mean) | max memory | cost per 1M images |');
  lines.push('|---:|---:|---:|---:|---:|');
  for (const s of r.sizes) {
    const vcpu = s.vcpu === undefined ? '-' : s.vcpu.toFixed(2);
    if (s.error || s.billedMs === undefined)
      lines.push(`| ${s.memoryMb} MB | ${vcpu} | ${s.error ? 'failed' : '-'} | - | - |`);
    else
      lines.push(
        `| ${s.memoryMb} MB | ${vcpu} | ${s.billedMs} | ${s.maxMemoryUsedMb} MB | $${(s.cost! * 1e6).toFixed(2)} |`,
      );
  }
  if (r.recommendations) {
    const { fastest, cheapest, balanced } = r.recommendations;
    lines.push('');
    lines.push(`Recommendations: fastest ${fastest} MB, cheapest ${cheapest} MB, balanced ${balanced} MB.`);
  }
  lines.push('', 'Billed ms of each run:');
  for (const s of r.sizes)
    lines.push(
      `- ${s.memoryMb} MB: ${s.error || s.billedMs === undefined ? (s.error ?? 'no runs') : s.billedRuns.join(', ')}`,
    );
  // The goals are rendered above the figures by report.ts, with every section's.
  return lines.join('\n') + '\n';
}

export async function runTuneBench(opts: TuneBenchOptions = {}): Promise<TuneBenchResult> {
  const sizes = opts.sizes ?? BENCH_SIZES;
  const runs = opts.runs ?? 20;
  const log = opts.log ?? ((line: string) => process.stderr.write(`[tune] ${line}\n`));
  const started = performance.now();
  // Removed at the end, or on Ctrl-C with the bench's other temp folders.
  const tmp = tempDir('bench-tune-');
  const cwd = tmp.dir;
  const env: NodeJS.ProcessEnv = isolatedEnv({
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    LOCAL_AWS_PORT: String(await freePort()),
    LOCAL_AWS_DATA: path.join(cwd, '.local-aws'),
    WALKTHROUGH_BUILD_DIR: path.join(PROJECT, 'build'),
  });
  try {
    log('setting up the walkthrough (role, buckets, package, function) on an endpoint of its own');
    const setup = await script('walkthrough/all.ts', ['--until', 'function'], cwd, env);
    if (setup.code !== 0) throw new Error(`walkthrough set-up failed:\n${setup.out}`);
    log(`tuning ${sizes.join(', ')} MB, ${runs} warm runs each`);
    const json = path.join(cwd, 'tune.json');
    const tuned = await script(
      'walkthrough/extras/tune.ts',
      ['--memory', sizes.join(','), '--runs', String(runs), '--save-json', json],
      cwd,
      env,
    );
    if (tuned.code !== 0 || !fs.existsSync(json)) throw new Error(`npm run tune failed:\n${tuned.out}`);
    const results = JSON.parse(fs.readFileSync(json, 'utf8')) as SavedResults;
    const goals = judge(results);
    return { markdown: renderMarkdown(results, runs, (performance.now() - started) / 1000), goals, results };
  } finally {
    await script('local-aws/cli.ts', ['stop'], cwd, env).catch(() => undefined);
    await tmp.remove();
  }
}

export async function tuneSection(): Promise<Section> {
  const startedAt = new Date();
  const r = await runTuneBench();
  return {
    id: 'tune',
    title: 'Memory vs speed and cost: npm run tune on the resize function (issue 5)',
    command: 'npm run bench:tune',
    markdown: r.markdown,
    goals: r.goals,
    startedAt,
    durationMs: Date.now() - startedAt.getTime(),
  };
}

if (isMain(import.meta.url)) await runAlone(tuneSection);

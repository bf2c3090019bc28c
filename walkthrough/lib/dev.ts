// `npm run dev`: the save -> thumbnail loop. It sets up what is missing by running the one-shot's steps
// 1-6, then on each save under the handler's folder: rebuilds the packages as step 4 does (same bytes,
// same state record; the sharp layer only when its inputs changed), updates the function's code as
// step 5 does (only when its CodeSha256 changed, then the SDK's waiter; a changed layer zip runs step 5
// itself: publish, attach, code), tests every image (lib/dev-test.ts) and adds each run to
// out/index.html (lib/gallery.ts). A build error or a failed resize is shown and the loop waits for the next save.
// Ctrl-C never interrupts a code update half-way: a build in progress is not followed by an update,
// an update in progress is finished and recorded first.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Message } from 'esbuild';
import type { Ctx } from './context.ts';
import { watchFolder, type Change, type FolderWatcher } from './dev-watch.ts';
import { recordRun, testImage, uploadImages, type DevImage, type DevRun } from './dev-test.ts';
import { explain } from './errors.ts';
import { buildPackage, builtPackage, handlerDir, reusablePackage, type BuiltPackage } from './package.ts';
import { coreSlot } from './resources/ownership.ts';
import { stepById, stepRef } from './steps.ts';

export interface DevOptions {
  /** --image PATH, in order; none: a generated sample. */
  images: string[];
  /** How long the folder must be quiet before a burst of events counts as one save. */
  quietMs?: number;
  /** Called with each save's runs (after the test's output). */
  onRuns?: (runs: DevRun[]) => void | Promise<void>;
}

type Phase = 'idle' | 'building' | 'updating' | 'testing';

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const size = (bytes: number) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} kB`);

/** esbuild's errors as esbuild prints them (file:line:column, the line, a caret), without colour. */
async function buildErrorText(err: unknown): Promise<string | undefined> {
  const errors = (err as { errors?: Message[] }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const { formatMessages } = await import('esbuild');
  return (await formatMessages(errors, { kind: 'error', color: false, terminalWidth: 120 })).join('').trimEnd();
}

export class DevLoop {
  private phase: Phase = 'idle';
  private stopping = false;
  private busy = false;
  private pending: Change | undefined;
  private saves = 0;
  private images: DevImage[] = [];
  private watcher?: FolderWatcher;
  private stopped!: () => void;
  private finished = false;
  /** CodeSha256 of the last package built: Ctrl-C says when it was not uploaded. */
  private lastBuilt: string | undefined;

  constructor(
    private readonly ctx: Ctx,
    private readonly options: DevOptions,
  ) {}

  /** Runs until Ctrl-C (SIGINT) or SIGTERM; resolves once the function and the state file agree. */
  async run(): Promise<void> {
    const { ctx } = this;
    const { runWalkthrough } = await import('../all.ts');
    await runWalkthrough(ctx, 'trigger');
    ctx.report.heading('Dev loop: test of the current code');
    this.images = await uploadImages(ctx, this.options.images);
    const done = new Promise<void>((resolve) => (this.stopped = resolve));
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => this.onSignal(sig));
    // Watched from before the first test: a save during it is handled right after.
    const dir = handlerDir();
    this.watcher = watchFolder(dir, (change) => this.onChange(change), this.options.quietMs);
    void this.drive(undefined).then(() => {
      if (!this.stopping)
        ctx.report.print(
          `\nWatching ${path.relative(process.cwd(), dir) || '.'} for changes: each save rebuilds, updates the ` +
            'function when its code changed, and tests it. Ctrl-C to stop.',
        );
    });
    await done;
  }

  private onChange(change: Change): void {
    if (this.stopping) return;
    if (!this.busy) return void this.drive(change);
    // A save while one is being handled: one more run after it, with every file named.
    const files = [...new Set([...(this.pending?.files ?? []), ...change.files])].sort();
    this.pending = { files, firstEventAt: this.pending?.firstEventAt ?? change.firstEventAt };
  }

  /** Handles one save (none: tests the code as it is), then the next if one came meanwhile. */
  private async drive(change: Change | undefined): Promise<void> {
    this.busy = true;
    this.pending = undefined;
    try {
      if (change) await this.save(change);
      else await this.test(performance.now(), 'the current code');
    } catch (err) {
      // Anything unforeseen (the endpoint went away): shown, and the loop goes on.
      const { message, hint } = explain(err);
      this.ctx.report.print(`  ✗ ${message}${hint ? `\n    ${hint}` : ''}\n  Waiting for the next save.`);
    } finally {
      this.phase = 'idle';
      this.busy = false;
    }
    if (this.stopping) return this.finish();
    if (this.pending) void this.drive(this.pending);
  }

  private async save(change: Change): Promise<void> {
    const { ctx } = this;
    const { report, settings: s, state } = ctx;
    const n = ++this.saves;
    const files = change.files.length ? change.files.join(', ') : 'a file';
    report.heading(`Save ${n}: ${files} changed`);
    this.phase = 'building';
    const times: string[] = [];
    let t = performance.now();
    const lap = (what: string) => {
      times.push(`${what} ${seconds(performance.now() - t)}`);
      t = performance.now();
    };
    let pkg: BuiltPackage;
    try {
      pkg = reusablePackage(s) ?? (await buildPackage(s));
      this.lastBuilt = pkg.codeSha256;
      lap('build');
    } catch (err) {
      const text = (await buildErrorText(err)) ?? explain(err).message;
      report.print(`  ✗ the build failed:\n${text.replace(/^/gm, '    ')}\n  Waiting for the next save.`);
      return;
    }
    if (this.stopping) return; // not started: the function keeps its code, and the state says so
    this.phase = 'updating';
    const layer = state.data.layer?.versions.at(-1);
    if (layer?.codeSha256 !== pkg.layer.codeSha256) {
      // sharp changed (or its layer version is not ours yet): publish it and attach it, as step 5 does.
      report.info(
        `the sharp layer zip changed (CodeSha256 ${pkg.layer.codeSha256}): doing what step ` +
          `${stepById('function').number} does (publish the layer, attach it, update the code)`,
      );
      const functionStep = await stepById('function').load();
      await functionStep(ctx);
      lap(`layer and function (${size(pkg.layer.size)} layer zip, ${size(pkg.size)} function zip)`);
    } else {
      const slot = coreSlot(ctx, 'function');
      const record = slot.get();
      const { syncCode } = await import('./resources/function.ts');
      const updated = await syncCode(
        ctx,
        { name: s.functionName, zipPath: pkg.zipPath, architecture: s.architecture },
        { zip: fs.readFileSync(pkg.zipPath), codeSha256: pkg.codeSha256 },
        slot,
        { arn: record?.arn ?? '', codeSha256: record?.codeSha256, architecture: s.architecture },
      );
      lap(updated ? `update (${size(pkg.size)} zip)` : 'no update (same CodeSha256)');
    }
    if (this.stopping) return;
    await this.test(change.firstEventAt, `save ${n}`, times);
  }

  /** Tests every image; the closing line says how long since the save (or the start). */
  private async test(since: number, what: string, times: string[] = []): Promise<void> {
    const started = performance.now();
    const { ctx } = this;
    this.phase = 'testing';
    const runs: DevRun[] = [];
    for (const image of this.images) runs.push(await testImage(ctx, image));
    const first = runs.find((r) => r.ok);
    if (first?.thumbnailKey && first.savedTo)
      ctx.state.update(
        (x) =>
          (x.lastTest = {
            key: first.image.key,
            thumbnailKey: first.thumbnailKey!,
            savedTo: path.resolve(first.savedTo!),
            width: first.width ?? 0,
            at: new Date().toISOString(),
          }),
      );
    const tested = performance.now();
    for (const run of runs) await recordRun(ctx, run);
    const page = performance.now() - tested;
    await this.options.onRuns?.(runs);
    const failed = runs.filter((r) => !r.ok).length;
    const init = runs.reduce((sum, r) => sum + (r.initMs ?? 0), 0);
    times.push(`test ${seconds(tested - started)}${init ? ` (cold start ${seconds(init)})` : ''}`);
    times.push(`page ${seconds(page)}`);
    const took = `${seconds(performance.now() - since)}: ${times.join(', ')}`;
    ctx.report.print(
      failed
        ? `✗ ${what}: ${failed} of ${runs.length} image(s) failed (${took}). Waiting for the next save.`
        : `✓ ${what}: thumbnail${runs.length > 1 ? 's' : ''} and log in ${took}`,
    );
  }

  private onSignal(sig: string): void {
    const { report } = this.ctx;
    if (this.stopping) {
      report.print(
        `\n${sig} again: quitting now. If a code update was under way, ${stepRef('function')} ` +
          'brings the state file and the function back in line.',
      );
      process.exit(130);
    }
    this.stopping = true;
    this.watcher?.close();
    if (this.phase === 'building' || this.phase === 'updating')
      report.print(`\n${sig}: stopping once the code update under way is finished and recorded (${sig} again: now).`);
    else if (!this.busy || this.phase === 'testing') this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.watcher?.close();
    const fn = this.ctx.state.data.function;
    const built = this.lastBuilt ?? builtPackage(this.ctx.settings)?.codeSha256;
    this.ctx.report.print(
      `\nStopped. Function ${fn?.name ?? this.ctx.settings.functionName} has CodeSha256 ${fn?.codeSha256 ?? '?'}, ` +
        'as the state file says' +
        (built && built !== fn?.codeSha256
          ? `; the last package (${built}) was not uploaded: ${stepRef('function')} does it.`
          : '.'),
    );
    this.stopped();
  }
}

// The registry of steps (walkthrough/lib/steps.ts) is the only place a step is declared: file names,
// headings, --help, flags, --until, the one-shot's order and the hints all come from it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runWalkthrough, walkthroughHelp } from '../../walkthrough/all.ts';
import type { Ctx } from '../../walkthrough/lib/context.ts';
import { parseArgs, scriptFlags, stepHelp } from '../../walkthrough/lib/main.ts';
import { fileOf, nextStep, oneShotSteps, runFirst, stepRef, STEPS, type StepDef } from '../../walkthrough/lib/steps.ts';
import { Reporter } from '../../walkthrough/lib/ui.ts';
import { PROJECT } from '../support/walkthrough.ts';

describe('the registry of steps', () => {
  it('names every step script, and every step script is in it, numbered as its file says', () => {
    const files = fs.readdirSync(path.join(PROJECT, 'walkthrough')).filter((f) => /^\d\d-.*\.ts$/.test(f));
    assert.deepEqual(files.sort(), STEPS.map(fileOf).sort());
    for (const step of STEPS) {
      const source = fs.readFileSync(path.join(PROJECT, 'walkthrough', fileOf(step)), 'utf8');
      assert.match(
        source,
        new RegExp(`^// Step ${step.number}[. ]`, 'm'),
        `${fileOf(step)}: its comment says step ${step.number}`,
      );
      assert.match(source, /^#!\/usr\/bin\/env -S node --import=tsx\n/, `${fileOf(step)} runs from a shell`);
    }
    assert.deepEqual(
      STEPS.map((s) => s.number),
      STEPS.map((_, i) => i + 1),
    );
  });

  it('a new step declared once appears in help, flags, the one-shot order and the hints', async () => {
    const ran: string[] = [];
    const step = (number: number, id: string, extra: Partial<StepDef> = {}): StepDef => ({
      number,
      id,
      title: `The ${id} step`,
      about: `Does ${id}.`,
      flags: {},
      oneShot: true,
      load: () => Promise.resolve(() => Promise.resolve(void ran.push(id))),
      ...extra,
    });
    const registry = [
      step(1, 'first'),
      step(2, 'fresh', { flags: { string: ['colour'] }, flagHelp: ['--colour C   the colour'] }),
      step(3, 'last'),
      step(4, 'later', { oneShot: false }),
    ];
    const fresh = registry[1]!;
    assert.equal(fileOf(fresh), '10-fresh.ts');
    // --help
    const help = stepHelp(fresh);
    assert.match(help, /^2\. The fresh step\n\nDoes fresh\.\n {2}--colour C {3}the colour\n/);
    assert.match(help, /\.\/walkthrough\/10-fresh\.ts/);
    assert.match(walkthroughHelp(registry), /--until STEP .*\(1 first, 2 fresh, 3 last\)/);
    // flags: accepted by its script and by the one-shot, refused elsewhere
    const flags = scriptFlags(registry);
    assert.equal(parseArgs(['--colour', 'red'], flags['10-fresh.ts']).colour, 'red');
    assert.equal(parseArgs(['--colour', 'red'], flags['all.ts']).colour, 'red');
    assert.throws(() => parseArgs(['--colour', 'red'], flags['00-first.ts']), /Unknown flag --colour/);
    // the one-shot's order, and --until by name or number
    assert.deepEqual(
      oneShotSteps(registry).map((s) => s.id),
      ['first', 'fresh', 'last'],
    );
    const ctx = { report: new Reporter({ cli: false, out: fs.createWriteStream('/dev/null') }), dryRun: false };
    const r = await runWalkthrough(ctx as unknown as Ctx, undefined, registry);
    assert.deepEqual(ran, ['first', 'fresh', 'last']);
    ran.length = 0;
    const stopped = await runWalkthrough(ctx as unknown as Ctx, '2', registry);
    assert.deepEqual([ran, stopped.stoppedAfter], [['first', 'fresh'], 'fresh']);
    assert.equal(r.stoppedAfter, undefined);
    await assert.rejects(runWalkthrough(ctx as unknown as Ctx, 'later', registry), /--until later: no such step/);
    // hints
    assert.equal(nextStep('first', registry)?.id, 'fresh');
    assert.equal(nextStep('last', registry), undefined);
    assert.equal(runFirst('fresh', '', registry), 'Run step 2 first: npx tsx walkthrough/10-fresh.ts');
    assert.equal(stepRef('fresh', registry), 'step 2 (npx tsx walkthrough/10-fresh.ts)');
  });

  it('no script names a step file or number by hand', () => {
    const dir = path.join(PROJECT, 'walkthrough');
    for (const file of fs.readdirSync(dir, { recursive: true }) as string[]) {
      if (!file.endsWith('.ts') || file === path.join('lib', 'steps.ts')) continue;
      const code = fs
        .readFileSync(path.join(dir, file), 'utf8')
        .split('\n')
        .filter((l) => !/^\s*(\/\/|\*|\/\*\*)/.test(l));
      for (const line of code)
        assert.doesNotMatch(line, /walkthrough\/\d\d-[\w-]+\.ts|[Ss]teps? \d/, `${file}: ${line.trim()}`);
    }
  });
});

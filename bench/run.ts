// `npm run bench`: every benchmark, one after the other (never two at once: they would share the
// CPU), into bench/RESULTS.md with a summary of the goals at the top. `--only s3,lambda` runs some.
// A benchmark that fails is reported as failed in the summary; the others still run.
import { devSection } from './dev-loop.ts';
import { lambdaSection } from './lambda.ts';
import { cleanupAll } from './lib/procs.ts';
import { pipelineSection } from './pipeline.ts';
import { progress, RESULTS, writeSections, type Section } from './lib/report.ts';
import { resizeSection } from './resize.ts';
import { s3Section } from './s3.ts';
import { tuneSection } from './tune.ts';
import { walkthroughSection } from './walkthrough.ts';

const ALL: Record<Section['id'], () => Promise<Section>> = {
  s3: s3Section,
  lambda: lambdaSection,
  walkthrough: walkthroughSection,
  resize: resizeSection,
  tune: tuneSection,
  pipeline: pipelineSection,
  dev: devSection,
};

function selected(argv: string[]): Array<Section['id']> {
  const i = argv.indexOf('--only');
  if (i < 0) return Object.keys(ALL) as Array<Section['id']>;
  const names = (argv[i + 1] ?? '').split(',').filter(Boolean);
  const unknown = names.filter((n) => !(n in ALL));
  if (names.length === 0 || unknown.length > 0) {
    const which = unknown.length ? ` (unknown: ${unknown.join(', ')})` : '';
    console.error(`--only takes a comma-separated list of: ${Object.keys(ALL).join(', ')}${which}`);
    process.exit(2);
  }
  return names as Array<Section['id']>;
}

// One list item per goal (benchmark, verdict, goal: figures); report.ts wraps the long ones.
function summary(done: Section[], failed: Array<{ id: string; error: string }>): string {
  const lines = ['## Summary', '', `\`npm run bench\`, ${new Date().toISOString().slice(0, 10)}.`, ''];
  for (const s of done)
    for (const g of s.goals)
      lines.push(`- ${s.id} — ${g.met === 'n/a' ? 'n/a' : g.met ? 'met' : '**NOT met**'} — ${g.goal}: ${g.detail}`);
  for (const f of failed) lines.push(`- ${f.id} — **failed** — ${f.error.split('\n')[0]}`);
  return lines.join('\n') + '\n';
}

const sections: Section[] = [];
const failed: Array<{ id: string; error: string }> = [];
try {
  for (const id of selected(process.argv.slice(2))) {
    progress(`benchmark ${id}`);
    try {
      const s = await ALL[id]();
      sections.push(s);
      writeSections([s]); // each section lands as soon as it is done
    } catch (e) {
      console.error(`benchmark ${id} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      failed.push({ id, error: e instanceof Error ? e.message : String(e) });
    } finally {
      await cleanupAll();
    }
  }
  writeSections(sections, summary(sections, failed));
  progress(`wrote ${RESULTS}`);
} finally {
  await cleanupAll();
}
if (failed.length > 0) process.exitCode = 1;

// What every section of bench/RESULTS.md carries (command, date, machine, goals), and the file
// itself: each benchmark replaces only its own section, so each can also be run alone.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT, run } from './procs.ts';

export const RESULTS = path.join(PROJECT, 'bench', 'RESULTS.md');

export interface Goal {
  goal: string;
  /** 'n/a' when the goal cannot be judged on this machine (and detail says why). */
  met: boolean | 'n/a';
  /** The figure(s) behind the verdict, and why when it is not met. */
  detail: string;
}

export interface Section {
  id: 's3' | 'lambda' | 'walkthrough' | 'resize' | 'tune' | 'pipeline';
  title: string;
  command: string;
  markdown: string;
  goals: Goal[];
  startedAt: Date;
  durationMs: number;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  awsCli: string;
  awsCliV2?: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  const v2 = fs.existsSync('/usr/bin/aws') ? run('/usr/bin/aws', ['--version']) : undefined;
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    awsCli: run('aws', ['--version'])?.split(' ')[0] ?? 'not installed',
    awsCliV2: v2?.split(' ')[0],
  };
}

export function machineLine(m: Machine = machine()): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, aws ${m.awsCli} (PATH)${m.awsCliV2 ? `, ${m.awsCliV2} (/usr/bin/aws)` : ''}`;
}

export function goalsMarkdown(goals: Goal[]): string {
  if (goals.length === 0) return '';
  return (
    '**Goals**\n\n' +
    goals
      .map((g) => `- ${g.met === 'n/a' ? '➖ n/a' : g.met ? '✅ met' : '❌ NOT met'} — ${g.goal}: ${g.detail}`)
      .join('\n') +
    '\n'
  );
}

export function renderSection(s: Section, m: Machine = machine()): string {
  return [
    `<!-- bench:${s.id} -->`,
    `## ${s.title}`,
    '',
    `- Command: \`${s.command}\``,
    `- Date: ${s.startedAt.toISOString().replace(/\.\d+Z$/, 'Z')} (took ${(s.durationMs / 1000).toFixed(0)} s)`,
    `- Machine: ${machineLine(m)}`,
    '',
    goalsMarkdown(s.goals),
    s.markdown.trimEnd(),
    `<!-- /bench:${s.id} -->`,
  ].join('\n');
}

const ORDER: Section['id'][] = ['s3', 'lambda', 'walkthrough', 'resize', 'tune', 'pipeline'];

const HEADER = `# Benchmark results

Written by \`npm run bench\` (all benchmarks) or \`npm run bench:<name>\` (one section). Each section
says the command that produced it, when, and on what machine. Figures are from real runs; nothing
here is a test: performance is never asserted by \`npm test\`.
`;

/** Replaces (or adds) the given sections in RESULTS.md, keeping the others. */
export function writeSections(sections: Section[], summary?: string): void {
  const existing = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, 'utf8') : '';
  const blocks = new Map<string, string>();
  for (const id of ORDER) {
    const m = new RegExp(`<!-- bench:${id} -->[\\s\\S]*?<!-- /bench:${id} -->`).exec(existing);
    if (m) blocks.set(id, m[0]);
  }
  const m = machine();
  for (const s of sections) blocks.set(s.id, renderSection(s, m));
  const oldSummary = /<!-- bench:summary -->[\s\S]*?<!-- \/bench:summary -->/.exec(existing)?.[0];
  const parts = [HEADER];
  const summaryBlock = summary ? `<!-- bench:summary -->\n${summary.trimEnd()}\n<!-- /bench:summary -->` : oldSummary;
  if (summaryBlock) parts.push(summaryBlock);
  for (const id of ORDER) {
    const b = blocks.get(id);
    if (b) parts.push(b);
  }
  fs.writeFileSync(RESULTS, parts.join('\n\n') + '\n');
}

export function progress(line: string): void {
  const t = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[${t}] ${line}\n`);
}

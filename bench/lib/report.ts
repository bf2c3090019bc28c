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
  id: 's3' | 'lambda' | 'walkthrough' | 'resize' | 'tune' | 'pipeline' | 'dev';
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
  const v2 = m.awsCliV2 ? `, ${m.awsCliV2} (/usr/bin/aws)` : '';
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, aws ${m.awsCli} (PATH)${v2}`;
}

/**
 * The longest line RESULTS.md may have, in UTF-8 bytes (what byte-counting tools such as mawk measure:
 * an em dash counts 3); a table row must be kept under it by its generator.
 */
export const MAX_LINE = 120;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

// A word Markdown could read as the start of a block (list item, heading, quote, table row, fence,
// setext underline) if it began a line: a line is never broken before one.
const BLOCK_START = /^(?:[-+*>#|=]|```|~~~|\d+[.)]$)/;
// A unit after a number stays with it ("14.9 ms", "2.8 MB").
const UNIT = /^(?:ms|s|min|MB|KB|GB|MiB|KiB|GiB|bytes|cores?)\b/;

/**
 * One line of Markdown text broken at spaces into lines of at most `width` bytes; a list item's
 * continuation lines are indented under its text. Where it can, it breaks neither inside a code span
 * nor between a number and its unit. Table rows and headings are returned as they are (they cannot
 * be broken), and so is a word longer than the width.
 */
export function wrapLine(line: string, width = MAX_LINE): string {
  if (bytes(line) <= width || /^\s*[|#]/.test(line)) return line;
  const [lead, spaces = '', marker = ''] = /^( *)([-*+] |\d+[.)] )?/.exec(line)!;
  const indent = spaces + ' '.repeat(marker.length);
  const words = line.slice(lead.length).split(' ');
  // inCode[i]: words[i] begins inside a code span (an odd number of backticks before it).
  const inCode: boolean[] = [];
  let ticks = 0;
  for (const word of words) {
    inCode.push(ticks % 2 === 1);
    ticks += word.split('`').length - 1;
  }
  const allowed = (i: number) => words[i] !== '' && words[i - 1] !== '' && !BLOCK_START.test(words[i]!);
  const preferred = (i: number) => !inCode[i] && !(UNIT.test(words[i]!) && /\d$/.test(words[i - 1]!));
  const out: string[] = [];
  let prefix = lead;
  let start = 0;
  for (;;) {
    const rest = words.slice(start).join(' ');
    if (bytes(prefix + rest) <= width) break;
    // The last break that keeps the line within the width (a preferred one if there is), else the
    // first break there is.
    let at = -1;
    let fallback = -1;
    let length = bytes(prefix + words[start]!); // of this line if it ends before words[i]
    for (let i = start + 1; i < words.length; i++) {
      if (length > width && (at >= 0 || fallback >= 0)) break;
      if (allowed(i)) {
        if (preferred(i)) at = i;
        else fallback = i;
        if (length > width) break;
      }
      length += 1 + bytes(words[i]!);
    }
    if (at < 0) at = fallback;
    if (at < 0) break;
    out.push(prefix + words.slice(start, at).join(' '));
    prefix = indent;
    start = at;
  }
  out.push(prefix + words.slice(start).join(' '));
  return out.join('\n');
}

/** Every line of `md` wrapped by wrapLine, except in fenced code blocks. */
export function wrapMarkdown(md: string, width = MAX_LINE): string {
  let fenced = false;
  return md
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        fenced = !fenced;
        return line;
      }
      return fenced ? line : wrapLine(line, width);
    })
    .join('\n');
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

/** A section of RESULTS.md; a long paragraph or list item may come as one line: it is wrapped here. */
export function renderSection(s: Section, m: Machine = machine()): string {
  const lines = [
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
  ];
  return wrapMarkdown(lines.join('\n'));
}

const ORDER: Section['id'][] = ['s3', 'lambda', 'walkthrough', 'resize', 'tune', 'pipeline', 'dev'];

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
  const summaryBlock = summary
    ? `<!-- bench:summary -->\n${wrapMarkdown(summary.trimEnd())}\n<!-- /bench:summary -->`
    : oldSummary;
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

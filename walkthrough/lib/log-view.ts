// `npm run logs`: the function's log events grouped by invocation (request id), newest last. The
// filtering is the service's (FilterLogEvents filterPattern); with a pattern, the START/END/REPORT
// lines of the invocations it matched are fetched too, so each group keeps its frame.
import type { FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { filterLogEvents } from './actions/logs.ts';
import type { ActionCtx } from './actions/run.ts';

export { DEFAULT_SINCE, parseSince } from './tool-args.ts';

export interface LogLine {
  eventId: string;
  timestamp: number;
  stream: string;
  message: string;
}

export function toLine(e: FilteredLogEvent): LogLine {
  return {
    eventId: e.eventId ?? `${e.logStreamName}/${e.timestamp}/${e.message}`,
    timestamp: e.timestamp ?? 0,
    stream: e.logStreamName ?? '',
    message: (e.message ?? '').replace(/\n+$/, ''),
  };
}

const ID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const PLATFORM = new RegExp(`^(START|END|REPORT) RequestId: (${ID})`);
const APP = new RegExp(`^\\S+\\t(${ID})\\t`);
const JSON_ID = new RegExp(`"requestId"\\s*:\\s*"(${ID})"`);

/** The request id a Lambda log line belongs to (platform lines, text format, JSON format). */
export function requestIdOf(message: string): string | undefined {
  return PLATFORM.exec(message)?.[2] ?? APP.exec(message)?.[1] ?? JSON_ID.exec(message)?.[1];
}

export function isPlatformLine(message: string): boolean {
  return PLATFORM.test(message);
}

export interface Invocation {
  /** Undefined for lines of no invocation (INIT_START, a crash before START). */
  requestId?: string;
  lines: LogLine[];
}

const byTime = (a: LogLine, b: LogLine) => a.timestamp - b.timestamp;

/** Groups lines by request id; groups ordered by their first line, oldest first (newest last). */
export function groupByInvocation(lines: LogLine[]): Invocation[] {
  const groups: Invocation[] = [];
  const byId = new Map<string, Invocation>();
  for (const line of [...lines].sort(byTime)) {
    const id = requestIdOf(line.message);
    if (id === undefined) {
      const last = groups.at(-1);
      if (last && last.requestId === undefined) last.lines.push(line);
      else groups.push({ lines: [line] });
      continue;
    }
    let g = byId.get(id);
    if (!g) {
      g = { requestId: id, lines: [] };
      byId.set(id, g);
      groups.push(g);
    }
    g.lines.push(line);
  }
  return groups;
}

const time = (ms: number) => new Date(ms).toISOString().slice(11, 23);

/** A line without what its group header already says (Lambda's timestamp and request id prefix). */
export function shortMessage(message: string): string {
  return message.replace(APP, '').replace(/\t/g, '  ');
}

export function invocationHeader(requestId: string | undefined, first: LogLine): string {
  const when = new Date(first.timestamp).toISOString().replace('T', ' ').slice(0, 19);
  return requestId ? `── ${when} UTC  invocation ${requestId}` : `── ${when} UTC  (no invocation)`;
}

export function formatLine(line: LogLine): string {
  return `  ${time(line.timestamp)}  ${shortMessage(line.message)}`;
}

export function formatInvocations(groups: Invocation[]): string[] {
  return groups.flatMap((g) => [invocationHeader(g.requestId, g.lines[0]!), ...g.lines.map(formatLine)]);
}

/** Matches every START/END/REPORT platform line (each group's frame). */
export const FRAME_PATTERN = '?START ?END ?REPORT';

export interface Fetched {
  matched: LogLine[];
  /** Platform lines of any invocation in the window (empty without a pattern: `matched` has them). */
  frames: LogLine[];
}

export async function fetchWindow(
  ctx: ActionCtx,
  group: string,
  startTime: number,
  filter: string | undefined,
): Promise<Fetched> {
  const matched = (await filterLogEvents(ctx, group, filter ?? '', startTime)).map(toLine);
  if (!filter) return { matched, frames: [] };
  const frames = (await filterLogEvents(ctx, group, FRAME_PATTERN, startTime))
    .map(toLine)
    .filter((l) => isPlatformLine(l.message));
  return { matched, frames };
}

/** The matched lines with the frames of the invocations they belong to, each event once. */
export function withFrames({ matched, frames }: Fetched): LogLine[] {
  const ids = new Set(matched.map((l) => requestIdOf(l.message)).filter((id) => id !== undefined));
  const seen = new Set(matched.map((l) => l.eventId));
  const kept = frames.filter((l) => {
    if (!ids.has(requestIdOf(l.message)!) || seen.has(l.eventId)) return false;
    seen.add(l.eventId);
    return true;
  });
  return [...matched, ...kept];
}

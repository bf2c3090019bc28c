// Reading events: GetLogEvents (one stream, forward/backward tokens) and FilterLogEvents (many streams
// interleaved by time, filter pattern, paging), with AWS's token behaviour
// (docs/local-aws/protocols.md#log-event-tokens).
import type { Json, JsonObject } from '../protocols/json.ts';
import { compileFilter } from './filter.ts';
import { invalidParameter } from './input.ts';
import type { LogStream, StoredEvent } from './store.ts';

/** AWS caps a response at 1 MB of events (message bytes + 26 each). */
const MAX_RESPONSE_BYTES = 1048576;

function eventBytes(e: StoredEvent): number {
  return Buffer.byteLength(e.m) + 26;
}

/** Position between events: (timestamp, n + 1); (0, 0) is before everything. */
interface Position {
  t: number;
  n1: number;
}

const START: Position = { t: 0, n1: 0 };
const END: Position = { t: 99_999_999_999_999, n1: 0 };

function pos(e: StoredEvent): Position {
  return { t: e.t, n1: e.n + 1 };
}

function after(e: StoredEvent, p: Position): boolean {
  return e.t > p.t || (e.t === p.t && e.n + 1 > p.n1);
}

function before(e: StoredEvent, p: Position): boolean {
  return e.t < p.t || (e.t === p.t && e.n + 1 < p.n1);
}

/** AWS-shaped tokens: `f/<56 digits>/s` and `b/<56 digits>/s`. */
function token(dir: 'f' | 'b', p: Position): string {
  return `${dir}/${String(p.t).padStart(20, '0')}${String(p.n1).padStart(36, '0')}/s`;
}

function parseToken(text: string): { dir: 'f' | 'b'; p: Position } {
  const m = /^([fb])\/(\d{20})(\d{36})\/s$/.exec(text);
  if (!m) throw invalidParameter('The specified nextToken is invalid.');
  return { dir: m[1] as 'f' | 'b', p: { t: Number(m[2]), n1: Number(m[3]) } };
}

function takeFirst(events: StoredEvent[], limit: number): StoredEvent[] {
  const out: StoredEvent[] = [];
  let bytes = 0;
  for (const e of events) {
    if (out.length >= limit || (out.length > 0 && bytes + eventBytes(e) > MAX_RESPONSE_BYTES)) break;
    bytes += eventBytes(e);
    out.push(e);
  }
  return out;
}

function takeLast(events: StoredEvent[], limit: number): StoredEvent[] {
  const out: StoredEvent[] = [];
  let bytes = 0;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (out.length >= limit || (out.length > 0 && bytes + eventBytes(e) > MAX_RESPONSE_BYTES)) break;
    bytes += eventBytes(e);
    out.push(e);
  }
  return out.reverse();
}

export interface GetEventsOptions {
  startTime?: number;
  endTime?: number;
  limit: number;
  startFromHead: boolean;
  nextToken?: string;
}

/** One page of GetLogEvents. A forward token that comes back unchanged means "nothing newer". */
export function getLogEvents(stream: LogStream, o: GetEventsOptions): JsonObject {
  const parsed = o.nextToken !== undefined ? parseToken(o.nextToken) : undefined;
  // startTime inclusive, endTime exclusive.
  const inRange = stream
    .all()
    .filter((e) => (o.startTime === undefined || e.t >= o.startTime) && (o.endTime === undefined || e.t < o.endTime));
  let page: StoredEvent[];
  if (parsed?.dir === 'f')
    page = takeFirst(
      inRange.filter((e) => after(e, parsed.p)),
      o.limit,
    );
  else if (parsed?.dir === 'b')
    page = takeLast(
      inRange.filter((e) => before(e, parsed.p)),
      o.limit,
    );
  else page = o.startFromHead ? takeFirst(inRange, o.limit) : takeLast(inRange, o.limit);

  let forward: string;
  let backward: string;
  const first = page[0];
  const last = page[page.length - 1];
  if (first && last) {
    forward = token('f', pos(last));
    backward = token('b', pos(first));
  } else if (parsed) {
    forward = parsed.dir === 'f' ? o.nextToken! : token('f', parsed.p);
    backward = parsed.dir === 'b' ? o.nextToken! : token('b', parsed.p);
  } else {
    forward = token('f', START);
    backward = token('b', END);
  }
  return {
    events: page.map((e) => ({ timestamp: e.t, message: e.m, ingestionTime: e.i })),
    nextForwardToken: forward,
    nextBackwardToken: backward,
  };
}

export interface FilterOptions {
  streams: LogStream[];
  startTime?: number;
  endTime?: number;
  filterPattern?: string;
  limit: number;
  nextToken?: string;
}

/** 56-digit event id: timestamp, stream number, ingestion number. Stable across pages and restarts. */
export function eventId(stream: LogStream, e: StoredEvent): string {
  return `${String(e.t).padStart(20, '0')}${String(stream.meta.seq).padStart(12, '0')}${String(e.n).padStart(24, '0')}`;
}

interface Key {
  t: number;
  s: number;
  n: number;
}

function compareKeys(a: Key, b: Key): number {
  return a.t - b.t || a.s - b.s || a.n - b.n;
}

function parseFilterToken(text: string): Key {
  try {
    const k = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Key>;
    if ([k.t, k.s, k.n].every((x) => typeof x === 'number' && Number.isSafeInteger(x))) return k as Key;
  } catch {
    // fall through
  }
  throw invalidParameter('The specified nextToken is invalid.');
}

/** One page of FilterLogEvents: events of all given streams in time order; no nextToken on the last page. */
export function filterLogEvents(o: FilterOptions): JsonObject {
  const matches = compileFilter(o.filterPattern);
  const from = o.nextToken !== undefined ? parseFilterToken(o.nextToken) : undefined;
  const found: Array<{ key: Key; stream: LogStream; e: StoredEvent }> = [];
  for (const stream of o.streams) {
    for (const e of stream.all()) {
      // startTime and endTime are both inclusive here.
      if ((o.startTime !== undefined && e.t < o.startTime) || (o.endTime !== undefined && e.t > o.endTime)) continue;
      const key = { t: e.t, s: stream.meta.seq, n: e.n };
      if (from && compareKeys(key, from) <= 0) continue;
      if (!matches(e.m)) continue;
      found.push({ key, stream, e });
    }
  }
  found.sort((a, b) => compareKeys(a.key, b.key));
  const page = takeFirst(
    found.map((f) => f.e),
    o.limit,
  ).length;
  const chosen = found.slice(0, page);
  const out: JsonObject = {
    events: chosen.map(({ stream, e }) => ({
      logStreamName: stream.meta.name,
      timestamp: e.t,
      message: e.m,
      ingestionTime: e.i,
      eventId: eventId(stream, e),
    })),
    searchedLogStreams: o.streams.map((s) => ({ logStreamName: s.meta.name, searchedCompletely: true })) as Json,
  };
  const lastChosen = chosen[chosen.length - 1];
  if (page < found.length && lastChosen)
    out.nextToken = Buffer.from(JSON.stringify(lastChosen.key)).toString('base64url');
  return out;
}

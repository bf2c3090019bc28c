// `npm run logs -- --follow`: polls FilterLogEvents for new events until stopped, as `aws logs tail
// --follow` does (repeats dropped by eventId), but with a short interval that backs off while idle.
import type { ActionCtx } from './actions/run.ts';
import { fetchWindow, formatLine, invocationHeader, isPlatformLine, requestIdOf, type LogLine } from './log-view.ts';

export interface FollowOptions {
  group: string;
  startTime: number;
  filter?: string;
  signal: AbortSignal;
  print: (text: string) => void;
  minDelayMs?: number;
  maxDelayMs?: number;
}

/** Events may be ingested a little after their timestamp: each poll looks back this far (repeats dropped). */
const LOOKBACK_MS = 10_000;
/** Frames (START/END/REPORT) kept for invocations the pattern has not matched yet. */
const PENDING_LIMIT = 500;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Prints each new event once, with an invocation header whenever the request id changes. */
export async function follow(ctx: ActionCtx, o: FollowOptions): Promise<void> {
  const minDelay = o.minDelayMs ?? 500;
  const maxDelay = o.maxDelayMs ?? 4000;
  const printed = new Map<string, number>(); // eventId -> timestamp
  const matchedIds = new Set<string>();
  const pending = new Map<string, LogLine[]>(); // frames of invocations not matched (yet)
  let lastId: string | undefined | null = null;
  let newest = o.startTime;
  let delay = minDelay;
  while (!o.signal.aborted) {
    const since = Math.max(o.startTime, newest - LOOKBACK_MS);
    const window = await fetchWindow(ctx, o.group, since, o.filter);
    const fresh: LogLine[] = window.matched.filter((l) => !printed.has(l.eventId));
    // Invocations matched for the first time bring the frames seen before their match.
    const newlyMatched = new Set(fresh.map((l) => requestIdOf(l.message)).filter((id) => id !== undefined));
    for (const id of newlyMatched) {
      if (matchedIds.has(id)) continue;
      matchedIds.add(id);
      fresh.push(...(pending.get(id) ?? []).filter((f) => !printed.has(f.eventId)));
      pending.delete(id);
    }
    for (const f of window.frames) {
      if (printed.has(f.eventId) || !isPlatformLine(f.message)) continue;
      const id = requestIdOf(f.message)!;
      if (matchedIds.has(id)) {
        if (!fresh.some((x) => x.eventId === f.eventId)) fresh.push(f);
      } else {
        const list = pending.get(id) ?? [];
        if (!list.some((x) => x.eventId === f.eventId)) list.push(f);
        pending.set(id, list);
        if (pending.size > PENDING_LIMIT) pending.delete(pending.keys().next().value!);
      }
    }
    fresh.sort((a, b) => a.timestamp - b.timestamp);
    for (const l of fresh) {
      const id = requestIdOf(l.message);
      if (id !== lastId) o.print(invocationHeader(id, l));
      lastId = id;
      o.print(formatLine(l));
      printed.set(l.eventId, l.timestamp);
      newest = Math.max(newest, l.timestamp);
    }
    // Forget what is out of the next window: it cannot come back.
    for (const [eventId, ts] of printed) if (ts < newest - 2 * LOOKBACK_MS) printed.delete(eventId);
    delay = fresh.length > 0 ? minDelay : Math.min(delay * 2, maxDelay);
    await sleep(delay, o.signal);
  }
}

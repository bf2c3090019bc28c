// The async queue's files under `<data>/lambda/queue/`. Events queued while a write is under way are
// written together, as one file (one open, write, fsync, close and rename for all of them: group
// commit), each acknowledged once its file is on disk. A file is removed when none of its events is
// pending any more; a graceful stop rewrites a partly done file with only its pending events, so that
// nothing done runs again. After a crash, done events of a partly done file run again (at least once).
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from '../core/persist.ts';
import type { QueuedEvent } from './model.ts';

/** One file and the events in it still pending (by id). */
export interface QueueFile {
  file: string;
  pending: Map<string, QueuedEvent>;
  /** Events written to it (more than pending: some are done). */
  written: number;
}

interface Waiting {
  ev: QueuedEvent;
  done: (f: QueueFile) => void;
  fail: (e: unknown) => void;
}

/** One event is stored as an object, several as an array. */
function encode(events: QueuedEvent[]): string {
  return JSON.stringify(events.length === 1 ? events[0] : events);
}

export class QueueFiles {
  private waiting: Waiting[] = [];
  private writing = false;
  private seq = 0;
  private readonly files = new Set<QueueFile>();

  constructor(readonly dir: string) {}

  private name(first: QueuedEvent): string {
    const n = (this.seq++).toString().padStart(6, '0');
    return path.join(this.dir, `${first.enqueuedAt.toString().padStart(14, '0')}-${process.pid}-${n}-${first.id}.json`);
  }

  private track(file: string, events: QueuedEvent[]): QueueFile {
    const f: QueueFile = { file, pending: new Map(events.map((e) => [e.id, e])), written: events.length };
    this.files.add(f);
    return f;
  }

  /** Stores an event durably, in a file shared with events queued meanwhile; resolves once it is on disk. */
  add(ev: QueuedEvent): Promise<QueueFile> {
    return new Promise((done, fail) => {
      this.waiting.push({ ev, done, fail });
      if (!this.writing) void this.flush();
    });
  }

  /** Same, alone and synchronously (for callers that cannot wait). */
  addSync(ev: QueuedEvent): QueueFile {
    const file = this.name(ev);
    writeFileAtomicSync(file, encode([ev]));
    return this.track(file, [ev]);
  }

  private async flush(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting;
        this.waiting = [];
        const events = batch.map((w) => w.ev);
        const file = this.name(events[0]!);
        try {
          await writeFileAtomic(file, encode(events), true);
        } catch (e) {
          for (const w of batch) w.fail(e);
          continue;
        }
        const f = this.track(file, events);
        for (const w of batch) w.done(f);
      }
    } finally {
      this.writing = false;
    }
  }

  /** The event is done (or stored elsewhere): its file goes once nothing in it is pending. */
  async release(f: QueueFile, id: string): Promise<void> {
    f.pending.delete(id);
    if (f.pending.size > 0 || !this.files.delete(f)) return;
    // One unlink (rm would lstat first): a file already gone is fine.
    await fsp.unlink(f.file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  /** Graceful stop: partly done files keep only their pending events (as they are now). */
  compact(): void {
    for (const f of this.files) {
      if (f.pending.size === 0 || f.pending.size === f.written) continue;
      writeFileAtomicSync(f.file, encode([...f.pending.values()]));
      f.written = f.pending.size;
    }
  }

  /**
   * What a previous run left, oldest first, each with its file. An event found twice (a retry
   * stored anew before its old file was updated) counts once: the one with more attempts.
   */
  load(): Array<{ ev: QueuedEvent; file: QueueFile }> {
    const byId = new Map<string, { ev: QueuedEvent; file: QueueFile }>();
    const names = fs.readdirSync(this.dir).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
    for (const name of names.sort()) {
      const file = path.join(this.dir, name);
      let events: QueuedEvent[];
      try {
        const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as QueuedEvent | QueuedEvent[];
        events = Array.isArray(parsed) ? parsed : [parsed];
      } catch {
        console.error(`[local-aws] lambda: ignoring unreadable queued event ${name}`);
        continue;
      }
      const f = this.track(file, events);
      for (const ev of events) {
        const seen = byId.get(ev.id);
        const tries = (e: QueuedEvent) => e.attempts + e.serviceFailures;
        if (seen && tries(seen.ev) >= tries(ev)) {
          void this.release(f, ev.id);
          continue;
        }
        if (seen) void this.release(seen.file, ev.id);
        byId.set(ev.id, { ev, file: f });
      }
    }
    return [...byId.values()].sort((a, b) => a.ev.enqueuedAt - b.ev.enqueuedAt);
  }
}

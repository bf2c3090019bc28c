// Typed state of the local CloudWatch Logs: log groups and streams per region, and their events.
// (Contract used by other services; the wire code is in service.ts.)
// Group/stream metadata is one JSON snapshot; each stream's events are an fsynced JSON-lines file named
// by a random id (never by the stream's name), appended to and loaded into memory on first use.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { LocalAwsConfig } from '../config.ts';
import { AwsError } from '../core/errors.ts';
import { AppendLog, JsonFile } from '../core/persist.ts';

export interface InputLogEvent {
  /** epoch ms */
  timestamp: number;
  message: string;
}

/** One stored event. `n` orders events ingested with the same timestamp and makes ids unique. */
export interface StoredEvent {
  t: number;
  m: string;
  /** ingestion time, epoch ms */
  i: number;
  n: number;
}

export interface StreamMeta {
  name: string;
  /** File id of the events (random hex). */
  id: string;
  /** Small number unique across the store, part of event ids. */
  seq: number;
  creationTime: number;
}

export interface GroupMeta {
  region: string;
  name: string;
  creationTime: number;
  retentionInDays?: number;
  tags: Array<[string, string]>;
  streams: StreamMeta[];
}

interface LogsState {
  nextSeq: number;
  groups: GroupMeta[];
}

export interface RejectedInfo {
  tooNewLogEventStartIndex?: number;
  tooOldLogEventEndIndex?: number;
  expiredLogEventEndIndex?: number;
}

export const MAX_EVENT_AGE_MS = 14 * 24 * 3600 * 1000;
export const MAX_EVENT_FUTURE_MS = 2 * 3600 * 1000;

export function compareEvents(a: StoredEvent, b: StoredEvent): number {
  return a.t - b.t || a.n - b.n;
}

export class LogStream {
  private events: StoredEvent[] | undefined;
  private nextN = 0;
  private readonly log: AppendLog<StoredEvent>;
  /** Appends under way (in memory, not yet on disk). */
  private readonly inflight = new Set<Promise<void>>();
  storedBytes = 0;
  lastIngestionTime: number | undefined;

  constructor(
    readonly meta: StreamMeta,
    readonly file: string,
  ) {
    this.log = new AppendLog<StoredEvent>(file);
  }

  /** The events in (timestamp, ingestion) order, read from disk on first use. */
  all(): StoredEvent[] {
    if (!this.events) {
      const loaded = AppendLog.read<StoredEvent>(this.file).sort(compareEvents);
      this.events = loaded;
      for (const e of loaded) this.account(e);
    }
    return this.events;
  }

  private account(e: StoredEvent): void {
    this.nextN = Math.max(this.nextN, e.n + 1);
    this.storedBytes += Buffer.byteLength(e.m) + 26;
    if (this.lastIngestionTime === undefined || e.i > this.lastIngestionTime) this.lastIngestionTime = e.i;
  }

  get firstEventTimestamp(): number | undefined {
    return this.all()[0]?.t;
  }

  get lastEventTimestamp(): number | undefined {
    const events = this.all();
    return events[events.length - 1]?.t;
  }

  /** Appends (in memory at once, on disk before the promise resolves). */
  append(input: InputLogEvent[], ingestionTime: number): Promise<void> {
    const events = this.all();
    const records: StoredEvent[] = [];
    for (const e of input) {
      const rec: StoredEvent = { t: e.timestamp, m: e.message, i: ingestionTime, n: this.nextN };
      this.account(rec);
      records.push(rec);
      const last = events[events.length - 1];
      if (!last || compareEvents(last, rec) <= 0) events.push(rec);
      else events.splice(insertionPoint(events, rec), 0, rec);
    }
    const written = this.log.append(...records);
    this.inflight.add(written);
    const settle = () => this.inflight.delete(written);
    written.then(settle, settle);
    return written;
  }

  /** Waits for appends under way, then closes the file (a deleted stream must not fail a write mid-flight). */
  async retire(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
    this.log.close();
  }

  close(): void {
    this.log.close();
  }
}

function insertionPoint(events: StoredEvent[], rec: StoredEvent): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEvents(events[mid]!, rec) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class LogGroup {
  readonly streams = new Map<string, LogStream>();
  constructor(readonly meta: GroupMeta) {}

  /** Streams sorted by name. */
  sortedStreams(): LogStream[] {
    return [...this.streams.values()].sort((a, b) =>
      a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : 0,
    );
  }
}

export function groupNotFound(): AwsError {
  return new AwsError('ResourceNotFoundException', 'The specified log group does not exist.', 400);
}

export function streamNotFound(): AwsError {
  return new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.', 400);
}

export class LogsStore {
  private readonly file: JsonFile<LogsState>;
  private readonly eventsDir: string;
  /** `<region>|<name>` -> group ('|' is in neither). */
  private readonly groups = new Map<string, LogGroup>();

  constructor(readonly config: LocalAwsConfig) {
    const dir = path.join(config.dataDir, 'logs');
    this.eventsDir = path.join(dir, 'events');
    this.file = new JsonFile<LogsState>(path.join(dir, 'state.json'), () => ({ nextSeq: 1, groups: [] }));
    const known = new Set<string>();
    for (const meta of this.file.data.groups) {
      const group = new LogGroup(meta);
      for (const s of meta.streams) {
        group.streams.set(s.name, new LogStream(s, this.eventsFile(s.id)));
        known.add(`${s.id}.jsonl`);
      }
      this.groups.set(key(meta.region, meta.name), group);
    }
    // Event files of streams deleted while an append was in flight: nobody can read them any more.
    if (fs.existsSync(this.eventsDir))
      for (const f of fs.readdirSync(this.eventsDir))
        if (!known.has(f)) fs.rmSync(path.join(this.eventsDir, f), { force: true });
  }

  private eventsFile(id: string): string {
    return path.join(this.eventsDir, `${id}.jsonl`);
  }

  /** The newest metadata write still in flight (ensure* callers wait for it too). */
  private saving: Promise<void> | undefined;

  private async save(): Promise<void> {
    this.file.data.groups = [...this.groups.values()].map((g) => ({
      ...g.meta,
      streams: [...g.streams.values()].map((s) => s.meta),
    }));
    const p = this.file.save();
    this.saving = p;
    try {
      await p;
    } finally {
      if (this.saving === p) this.saving = undefined;
    }
  }

  group(region: string, name: string): LogGroup | undefined {
    return this.groups.get(key(region, name));
  }

  requireGroup(region: string, name: string): LogGroup {
    const g = this.group(region, name);
    if (!g) throw groupNotFound();
    return g;
  }

  requireStream(region: string, group: string, stream: string): LogStream {
    const s = this.requireGroup(region, group).streams.get(stream);
    if (!s) throw streamNotFound();
    return s;
  }

  /** Groups of a region sorted by name. */
  listGroups(region: string): LogGroup[] {
    return [...this.groups.values()]
      .filter((g) => g.meta.region === region)
      .sort((a, b) => (a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : 0));
  }

  async createGroup(region: string, name: string, tags: Array<[string, string]> = []): Promise<LogGroup> {
    if (this.group(region, name))
      throw new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists', 400);
    const group = new LogGroup({ region, name, creationTime: Date.now(), tags, streams: [] });
    this.groups.set(key(region, name), group);
    await this.save();
    return group;
  }

  async deleteGroup(region: string, name: string): Promise<void> {
    const group = this.requireGroup(region, name);
    this.groups.delete(key(region, name));
    await this.save();
    await Promise.all([...group.streams.values()].map((s) => this.dropFile(s)));
  }

  async updateGroup(group: LogGroup, change: (meta: GroupMeta) => void): Promise<void> {
    change(group.meta);
    await this.save();
  }

  async createStream(region: string, groupName: string, name: string): Promise<LogStream> {
    const group = this.requireGroup(region, groupName);
    if (group.streams.has(name))
      throw new AwsError('ResourceAlreadyExistsException', 'The specified log stream already exists', 400);
    const meta: StreamMeta = {
      name,
      id: randomBytes(12).toString('hex'),
      seq: this.file.data.nextSeq++,
      creationTime: Date.now(),
    };
    const stream = new LogStream(meta, this.eventsFile(meta.id));
    group.streams.set(name, stream);
    await this.save();
    return stream;
  }

  async deleteStream(region: string, groupName: string, name: string): Promise<void> {
    const group = this.requireGroup(region, groupName);
    const stream = group.streams.get(name);
    if (!stream) throw streamNotFound();
    group.streams.delete(name);
    await this.save();
    await this.dropFile(stream);
  }

  private async dropFile(stream: LogStream): Promise<void> {
    await stream.retire();
    await fs.promises.rm(stream.file, { force: true });
  }

  /**
   * Stores a chronological batch, minus events too far in the future, older than 14 days, or older
   * than the group's retention; reports those like AWS's rejectedLogEventsInfo.
   */
  async append(
    region: string,
    groupName: string,
    streamName: string,
    events: InputLogEvent[],
    now = Date.now(),
  ): Promise<RejectedInfo> {
    const group = this.requireGroup(region, groupName);
    const stream = group.streams.get(streamName);
    if (!stream) throw streamNotFound();
    const rejected: RejectedInfo = {};
    let start = 0;
    let end = events.length;
    const tooNew = events.findIndex((e) => e.timestamp > now + MAX_EVENT_FUTURE_MS);
    if (tooNew >= 0) {
      rejected.tooNewLogEventStartIndex = tooNew;
      end = tooNew;
    }
    const tooOld = countBefore(events, now - MAX_EVENT_AGE_MS);
    if (tooOld > 0) {
      rejected.tooOldLogEventEndIndex = tooOld;
      start = tooOld;
    }
    const retention = group.meta.retentionInDays;
    if (retention !== undefined) {
      const expired = countBefore(events, now - retention * 24 * 3600 * 1000);
      if (expired > 0) {
        rejected.expiredLogEventEndIndex = expired;
        start = Math.max(start, expired);
      }
    }
    if (start < end) await stream.append(events.slice(start, end), now);
    return rejected;
  }

  // ---- contract for other services (Lambda writes its function logs here) ----

  hasLogGroup(region: string, group: string): boolean {
    return this.group(region, group) !== undefined;
  }

  /** Creates the group if missing (what Lambda does with the role's logs:CreateLogGroup). */
  async ensureLogGroup(region: string, group: string): Promise<void> {
    if (!this.group(region, group)) await this.createGroup(region, group);
    else if (this.saving) await this.saving; // another caller created it: wait until that is durable
  }

  /** Creates the stream if missing (the group must exist: ResourceNotFoundException otherwise). */
  async ensureLogStream(region: string, group: string, stream: string): Promise<void> {
    if (!this.requireGroup(region, group).streams.has(stream)) await this.createStream(region, group, stream);
    else if (this.saving) await this.saving;
  }

  /** Appends events (sorted here if needed) durably. */
  async putLogEvents(region: string, group: string, stream: string, events: InputLogEvent[]): Promise<void> {
    const sorted = [...events].sort((a, b) => a.timestamp - b.timestamp);
    await this.append(region, group, stream, sorted);
  }

  async close(): Promise<void> {
    for (const g of this.groups.values()) for (const s of g.streams.values()) s.close();
  }
}

function key(region: string, name: string): string {
  return `${region}|${name}`;
}

/** How many of the (chronological) events are older than `limit`. */
function countBefore(events: InputLogEvent[], limit: number): number {
  let i = 0;
  while (i < events.length && events[i]!.timestamp < limit) i++;
  return i;
}

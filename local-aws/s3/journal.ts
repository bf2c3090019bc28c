// Write-ahead journal with group commit: the hot path of small PutObject/DeleteObject. A change is
// appended to the current segment and acknowledged once the segment is fdatasynced; all requests
// waiting at that moment share one sync. Small bodies live only here until their segment is full:
// then it is sealed, its objects are written to their own files (fsynced, off the request path)
// and the segment is deleted. At start, leftover segments are replayed (the newest `seq` wins).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { fsyncDir, fsyncDirSync, type ObjectMeta } from './object-file.ts';

export type JournalRecord =
  | { op: 'put'; bucketId: string; seq: number; meta: ObjectMeta }
  | { op: 'del'; bucketId: string; key: string; seq: number };

/** Where a journaled body is: readable from the segment once written, from `pending` before. */
export interface BodyLocation {
  segment: Segment;
  offset: number;
  length: number;
  pending?: Buffer;
}

export interface JournaledPut {
  bucketId: string;
  meta: ObjectMeta;
  loc: BodyLocation;
}

/** Above this a segment is sealed and a new one started. */
const SEGMENT_BYTES = 16 * 1024 * 1024;
const SEGMENT_NAME = /^(\d{10})\.log$/;
const HEAD = 12;

export class Segment {
  reserved = 0;
  unflushed = 0;
  sealed = false;
  readonly puts: JournaledPut[] = [];
  /** Folders where files were removed: synced when the segment is retired. */
  readonly dirs = new Set<string>();
  constructor(
    readonly number: number,
    readonly file: string,
    readonly fd: number,
  ) {}
}

interface Pending {
  segment: Segment;
  position: number;
  data: Buffer[];
  loc?: BodyLocation;
  done: () => void;
  fail: (e: unknown) => void;
}

function encode(record: JournalRecord, body: Buffer | undefined): { data: Buffer[]; bodyOffset: number; size: number } {
  const json = Buffer.from(JSON.stringify(record), 'utf8');
  const head = Buffer.allocUnsafe(HEAD);
  const bodyLength = body?.length ?? 0;
  head.writeUInt32BE(4 + json.length + bodyLength, 0);
  head.writeUInt32BE(json.length, 8);
  let crc = zlib.crc32(head.subarray(8, 12));
  crc = zlib.crc32(json, crc);
  if (body) crc = zlib.crc32(body, crc);
  head.writeUInt32BE(crc >>> 0, 4);
  return {
    data: body ? [head, json, body] : [head, json],
    bodyOffset: HEAD + json.length,
    size: HEAD + json.length + bodyLength,
  };
}

/** Every intact record of every segment, oldest first; a torn tail (never acknowledged) ends a segment. */
export function readJournal(dir: string, visit: (record: JournalRecord, body: Buffer) => void): string[] {
  if (!fs.existsSync(dir)) return [];
  const files = fs
    .readdirSync(dir)
    .filter((n) => SEGMENT_NAME.test(n))
    .sort()
    .map((n) => path.join(dir, n));
  for (const file of files) {
    const buf = fs.readFileSync(file);
    let pos = 0;
    while (pos + HEAD <= buf.length) {
      const len = buf.readUInt32BE(pos);
      const crc = buf.readUInt32BE(pos + 4);
      if (len < 4 || pos + 8 + len > buf.length) break;
      const payload = buf.subarray(pos + 8, pos + 8 + len);
      if (zlib.crc32(payload) >>> 0 !== crc) break;
      const jsonLength = payload.readUInt32BE(0);
      if (4 + jsonLength > payload.length) break;
      const record = JSON.parse(payload.subarray(4, 4 + jsonLength).toString('utf8')) as JournalRecord;
      visit(record, payload.subarray(4 + jsonLength));
      pos += 8 + len;
    }
  }
  return files;
}

export class Journal {
  private current: Segment;
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private retiring: Promise<void> = Promise.resolve();
  private closed = false;

  /** `retire` makes a sealed segment's objects durable elsewhere; the segment is deleted after it. */
  constructor(
    readonly dir: string,
    private readonly retire: (segment: Segment) => Promise<void>,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    const existing = fs
      .readdirSync(dir)
      .filter((n) => SEGMENT_NAME.test(n))
      .sort();
    const last = existing.length > 0 ? Number(SEGMENT_NAME.exec(existing[existing.length - 1]!)![1]) : 0;
    this.current = this.open(last + 1);
  }

  private open(number: number): Segment {
    const file = path.join(this.dir, `${String(number).padStart(10, '0')}.log`);
    const fd = fs.openSync(file, 'w+', 0o600);
    fsyncDirSync(this.dir);
    return new Segment(number, file, fd);
  }

  /**
   * Queues a record; `durable` resolves once it is on disk. Records are written in call order.
   * A put's body can be read back through `loc` right away.
   */
  append(record: JournalRecord, body?: Buffer, removedFrom?: string): { loc?: BodyLocation; durable: Promise<void> } {
    if (this.closed) return { durable: Promise.reject(new Error('the S3 journal is closed')) };
    if (this.current.reserved >= SEGMENT_BYTES) this.seal();
    const segment = this.current;
    const encoded = encode(record, body);
    const position = segment.reserved;
    segment.reserved += encoded.size;
    segment.unflushed++;
    if (removedFrom) segment.dirs.add(removedFrom);
    let loc: BodyLocation | undefined;
    if (record.op === 'put' && body) {
      loc = { segment, offset: position + encoded.bodyOffset, length: body.length, pending: body };
      segment.puts.push({ bucketId: record.bucketId, meta: record.meta, loc });
    }
    const durable = new Promise<void>((done, fail) => {
      this.queue.push({ segment, position, data: encoded.data, loc, done, fail });
    });
    this.flushing ??= this.flush();
    return { loc, durable };
  }

  /** A journaled body. */
  read(loc: BodyLocation): Buffer {
    if (loc.pending) return loc.pending;
    const buf = Buffer.allocUnsafe(loc.length);
    let done = 0;
    while (done < loc.length) {
      const n = fs.readSync(loc.segment.fd, buf, done, loc.length - done, loc.offset + done);
      if (n === 0) throw new Error('journal segment shorter than expected');
      done += n;
    }
    return buf;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        // Records of one segment were reserved back to back: one write and one sync per segment.
        for (const segment of new Set(batch.map((p) => p.segment))) {
          const mine = batch.filter((p) => p.segment === segment);
          try {
            await new Promise<void>((res, rej) =>
              fs.writev(
                segment.fd,
                mine.flatMap((p) => p.data),
                mine[0]!.position,
                (err) => (err ? rej(err) : res()),
              ),
            );
            await new Promise<void>((res, rej) => fs.fdatasync(segment.fd, (err) => (err ? rej(err) : res())));
            for (const p of mine) {
              if (p.loc) p.loc.pending = undefined;
              p.done();
            }
          } catch (err) {
            for (const p of mine) p.fail(err);
          }
          segment.unflushed -= mine.length;
          if (segment.sealed && segment.unflushed === 0) this.scheduleRetire(segment);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private seal(openNext = true): void {
    const old = this.current;
    old.sealed = true;
    if (openNext) this.current = this.open(old.number + 1);
    if (old.unflushed === 0) this.scheduleRetire(old);
  }

  private scheduleRetire(segment: Segment): void {
    this.retiring = this.retiring
      .then(async () => {
        await this.retire(segment);
        for (const dir of segment.dirs) await fsyncDir(dir).catch(() => undefined); // a bucket's folder may be gone
        fs.closeSync(segment.fd);
        fs.rmSync(segment.file, { force: true });
        await fsyncDir(this.dir);
      })
      .catch((e: unknown) => {
        console.error('[local-aws] s3: retiring a journal segment failed (it is kept and replayed at start):', e);
      });
  }

  /** Waits for pending appends, retires every segment and removes the journal files. */
  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.closed = true;
    if (this.current.reserved > 0) this.seal(false);
    else {
      fs.closeSync(this.current.fd);
      fs.rmSync(this.current.file, { force: true });
    }
    await this.retiring;
  }
}

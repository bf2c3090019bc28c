// Objects of every bucket: the in-memory indexes, the object files, and the journal that makes
// small writes durable with one shared sync (see journal.ts). Writes of one key never interleave.
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import type { Bucket } from './bucket.ts';
import { Journal, type BodyLocation, type Segment } from './journal.ts';
import {
  copyRange,
  decodeHeader,
  encodeHeader,
  fsyncDir,
  keyHash,
  readHeader,
  tmpPath,
  writeDurable,
  type BodyWriter,
  type ObjectMeta,
} from './object-file.ts';
import { replayJournal, scanObjects } from './recovery.ts';

export { Bucket } from './bucket.ts';

/** An object opened for reading: small ones come whole, large ones stream from the file. */
export interface OpenObject {
  meta: ObjectMeta;
  /** The whole body when it was small enough to read at once. */
  bytes?: Buffer;
  /** Bytes [start, end] (inclusive) of the body. */
  stream(start: number, end: number): Readable;
  close(): void;
}

/** Fields a writer provides; the store adds `seq` and (unless given) `lastModified`. */
export type NewObject = Omit<ObjectMeta, 'seq' | 'lastModified'> & { lastModified?: number };

/** Bodies up to this size go through the journal (one shared sync); larger ones are fsynced alone. */
const JOURNALED_BODY = 1024 * 1024;
/** Bodies up to this size are read whole on GET. */
const SMALL_READ = 256 * 1024;

/** Runs work per key one after another (writes of one object file never interleave). */
class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(fn);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

export class ObjectStore {
  private readonly journal: Journal;
  /** Objects whose bytes are still only in the journal (by metadata identity). */
  readonly journaled = new WeakMap<ObjectMeta, BodyLocation>();
  /** Per key file: every write of one key (any version) runs alone. */
  readonly locks = new KeyedLock();
  /** Folders known to exist (not made again). */
  readonly madeDirs = new Set<string>();
  private seq = 0;
  /** Upload ids found in object headers: uploads that were completed (see UploadStore.load). */
  readonly completedUploads = new Set<string>();
  /** Null delete markers found at key paths at start, by bucket id (see versions.ts loadVersions). */
  readonly nullMarkers = new Map<string, ObjectMeta[]>();
  /** Writes in buckets with versioning (versions.ts), set by S3Store; unversioned writes never go there. */
  writeVersioned?: (bucket: Bucket, fields: NewObject, body: Buffer | BodyWriter) => Promise<ObjectMeta>;

  /** Recovers what a crash left (journal replay, temporary files) and indexes every object. */
  constructor(
    readonly root: string,
    private readonly bucketsById: Map<string, Bucket>,
  ) {
    fs.mkdirSync(path.join(root, 'objects'), { recursive: true, mode: 0o700 });
    replayJournal(this, bucketsById);
    scanObjects(this, bucketsById);
    this.journal = new Journal(path.join(root, 'journal'), (segment) => this.materialize(segment));
  }

  nextSeq(): number {
    return ++this.seq;
  }

  /** Records a write found on disk at start: later writes must order after it. */
  noteLoaded(meta: ObjectMeta): void {
    this.noteSeq(meta.seq);
    if (meta.uploadId) this.completedUploads.add(meta.uploadId);
  }

  noteSeq(seq: number): void {
    this.seq = Math.max(this.seq, seq);
  }

  /** Where a version's file is: versions other than null live apart from the key path. */
  fileOf(bucket: Bucket, meta: Pick<ObjectMeta, 'key' | 'versionId'>): string {
    if (meta.versionId === undefined) return this.objectFile(bucket, meta.key);
    return path.join(this.root, 'versions', bucket.meta.id, meta.versionId.slice(0, 2), meta.versionId);
  }

  bucketDir(id: string): string {
    return path.join(this.root, 'objects', id);
  }

  /** Where a key's null version (the only one in an unversioned bucket) lives. */
  objectFile(bucket: Bucket, key: string): string {
    const h = keyHash(key);
    return path.join(bucket.dir, h.slice(0, 2), h.slice(2));
  }

  ensureDir(dir: string): void {
    if (this.madeDirs.has(dir)) return;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.madeDirs.add(dir);
  }

  head(bucket: Bucket, key: string): ObjectMeta | undefined {
    return bucket.index.get(key);
  }

  /** Writes an object from bytes in memory; resolves once it is durable. */
  async put(bucket: Bucket, fields: NewObject, body: Buffer): Promise<ObjectMeta> {
    if (bucket.meta.versioning && this.writeVersioned) return this.writeVersioned(bucket, fields, body);
    const file = this.objectFile(bucket, fields.key);
    this.ensureDir(path.dirname(file));
    if (body.length > JOURNALED_BODY) return this.writeLarge(bucket, fields, body);
    const { meta, durable } = await this.locks.run(file, () => {
      const meta: ObjectMeta = { ...fields, lastModified: fields.lastModified ?? Date.now(), seq: ++this.seq };
      const { loc, durable } = this.journal.append({ op: 'put', bucketId: bucket.meta.id, seq: meta.seq, meta }, body);
      this.journaled.set(meta, loc!);
      bucket.index.set(meta);
      // Returned wrapped so the lock is released before the shared sync.
      return { meta, durable };
    });
    await durable;
    return meta;
  }

  /** Writes an object whose body is produced by `body` (large bodies, copies, multipart assembly). */
  async writeLarge(bucket: Bucket, fields: NewObject, body: Buffer | BodyWriter): Promise<ObjectMeta> {
    if (bucket.meta.versioning && this.writeVersioned) return this.writeVersioned(bucket, fields, body);
    const file = this.objectFile(bucket, fields.key);
    this.ensureDir(path.dirname(file));
    return this.locks.run(file, async () => {
      const meta: ObjectMeta = { ...fields, lastModified: fields.lastModified ?? Date.now(), seq: ++this.seq };
      await writeDurable(file, encodeHeader(meta), body);
      bucket.index.set(meta);
      return meta;
    });
  }

  /** Removes an object; resolves to what was removed (undefined when there was nothing). */
  async delete(bucket: Bucket, key: string): Promise<ObjectMeta | undefined> {
    const file = this.objectFile(bucket, key);
    const done = await this.locks.run(file, () => {
      const old = bucket.index.get(key);
      if (!old) return undefined;
      const seq = ++this.seq;
      fs.rmSync(file, { force: true });
      bucket.index.delete(key, seq);
      this.journaled.delete(old);
      return {
        old,
        durable: this.journal.append({ op: 'del', bucketId: bucket.meta.id, key, seq }, undefined, path.dirname(file))
          .durable,
      };
    });
    if (!done) return undefined;
    await done.durable;
    return done.old;
  }

  /**
   * Removes the file at a key's path (a versioned bucket's null version) as durably as a delete:
   * `update` (the in-memory change) runs first, under the key's lock.
   */
  async removeKeyFile(bucket: Bucket, key: string, update: () => void): Promise<void> {
    const file = this.objectFile(bucket, key);
    const durable = await this.locks.run(file, () => {
      update();
      fs.rmSync(file, { force: true });
      const record = { op: 'del' as const, bucketId: bucket.meta.id, key, seq: ++this.seq };
      return { done: this.journal.append(record, undefined, path.dirname(file)).durable };
    });
    await durable.done;
  }

  /** Opens an object (its current version, or `version`) for reading; undefined when it does not exist (anymore). */
  async open(bucket: Bucket, key: string, version?: ObjectMeta): Promise<OpenObject | undefined> {
    const entry = version ?? bucket.index.get(key);
    if (!entry || entry.deleteMarker) return undefined;
    const loc = this.journaled.get(entry);
    if (loc) return small(entry, this.journal.read(loc));
    const file = this.fileOf(bucket, entry);
    if (entry.size <= SMALL_READ) {
      let whole: Buffer;
      try {
        whole = fs.readFileSync(file);
      } catch {
        return undefined;
      }
      const decoded = decodeHeader<ObjectMeta>(whole);
      if (!decoded) throw new Error(`truncated object file for ${bucket.name}/${key}`);
      return small(decoded.meta, whole.subarray(decoded.bodyOffset));
    }
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(file, 'r');
    } catch {
      return undefined;
    }
    try {
      const { meta, bodyOffset } = await readHeader<ObjectMeta>(handle);
      let owned = true; // until a stream takes the handle over (it closes it at its end)
      return {
        meta,
        stream: (start, end) => {
          owned = false;
          return handle.createReadStream({ start: bodyOffset + start, end: bodyOffset + end, autoClose: true });
        },
        close: () => {
          if (owned) void handle.close().catch(() => undefined);
          owned = false;
        },
      };
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  /**
   * Writes `fields` (a copy's or a rewrite's metadata) with the body of `source` (which the copy
   * consumes; close it only if the write is not attempted).
   */
  async writeFrom(bucket: Bucket, fields: NewObject, source: OpenObject): Promise<ObjectMeta> {
    if (source.bytes) return this.put(bucket, fields, source.bytes);
    return this.writeLarge(bucket, fields, this.bodyWriter(source));
  }

  /** Writes the whole body of `source` (which it consumes) into a file being written. */
  bodyWriter(source: OpenObject): BodyWriter {
    return async (handle, offset) => {
      let at = offset;
      for await (const chunk of source.stream(0, Math.max(source.meta.size - 1, 0))) {
        const bytes = chunk as Buffer;
        await handle.write(bytes, 0, bytes.length, at);
        at += bytes.length;
      }
    };
  }

  /** Assembles parts (files holding bytes at an offset) into one object. */
  writeParts(
    bucket: Bucket,
    fields: NewObject,
    parts: Array<{ file: string; offset: number; size: number }>,
  ): Promise<ObjectMeta> {
    return this.writeLarge(bucket, fields, async (handle, offset) => {
      let at = offset;
      for (const part of parts) {
        const src = await fsp.open(part.file, 'r');
        try {
          await copyRange(src, part.offset, part.size, handle, at);
        } finally {
          await src.close();
        }
        at += part.size;
      }
    });
  }

  /**
   * Gives the objects of a sealed journal segment their own files (unless a newer write or a delete
   * came since), fsyncs them, and from then on serves them from there.
   */
  private async materialize(segment: Segment): Promise<void> {
    const written: Array<{ file: string; meta: ObjectMeta }> = [];
    for (const put of segment.puts) {
      const bucket = this.bucketsById.get(put.bucketId);
      if (!bucket || !isLive(bucket, put.meta)) continue;
      const file = this.objectFile(bucket, put.meta.key);
      await this.locks.run(file, async () => {
        if (!isLive(bucket, put.meta)) return;
        this.ensureDir(path.dirname(file));
        const tmp = tmpPath(file);
        await fsp.writeFile(tmp, [encodeHeader(put.meta), this.journal.read(put.loc)], { mode: 0o600 });
        await fsp.rename(tmp, file);
        written.push({ file, meta: put.meta });
      });
    }
    for (const { file } of written) {
      const handle = await fsp.open(file, 'r').catch(() => undefined); // deleted since: its folder is synced
      if (!handle) continue;
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    for (const dir of new Set(written.map((w) => path.dirname(w.file)))) await fsyncDir(dir).catch(() => undefined);
    for (const { meta } of written) this.journaled.delete(meta);
  }

  async close(): Promise<void> {
    await this.journal.close();
  }
}

/** Whether `meta` is still one of its key's versions (the current one, or a kept older one). */
function isLive(bucket: Bucket, meta: ObjectMeta): boolean {
  return bucket.index.get(meta.key) === meta || (bucket.versions.get(meta.key)?.includes(meta) ?? false);
}

function small(meta: ObjectMeta, bytes: Buffer): OpenObject {
  return {
    meta,
    bytes,
    stream: (start, end) => Readable.from([bytes.subarray(start, end + 1)]),
    close: () => undefined,
  };
}

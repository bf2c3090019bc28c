// Typed state of the local S3: buckets (with their configurations) and objects on disk.
// (Contract used by other services; the wire code is in service.ts.)
// Layout under <dataDir>/s3/: buckets.json (bucket metadata), objects/<bucket id>/<hh>/<sha256(key)>
// (one file per object: header + bytes, see object-file.ts), journal/ (group-commit redo log for
// small writes, see journal.ts), uploads/<upload id>/ (multipart, see multipart.ts).
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { LocalAwsConfig } from '../config.ts';
import { AwsError } from '../core/errors.ts';
import { JsonFile } from '../core/persist.ts';
import { noSuchBucket } from './bucket-name.ts';
import { Journal, readJournal, type BodyLocation, type Segment } from './journal.ts';
import { KeyIndex } from './key-index.ts';
import { UploadStore } from './multipart.ts';
import { EMPTY_NOTIFICATION, targetMatches, type NotificationConfig } from './notifications.ts';
import {
  copyRange,
  decodeHeader,
  encodeHeader,
  fsyncDir,
  fsyncDirSync,
  isTmpName,
  keyHash,
  readHeader,
  tmpPath,
  tryReadHeaderSync,
  writeDurable,
  writeUnsyncedSync,
  type BodyWriter,
  type ObjectMeta,
} from './object-file.ts';

export type { ObjectMeta } from './object-file.ts';

/** One S3 event as the notification machinery needs it (PROTOCOLS.md §6). */
export interface ObjectEvent {
  /** Without the `s3:` prefix, e.g. `ObjectCreated:Put`, `ObjectRemoved:Delete`. */
  eventName: string;
  bucket: string;
  bucketRegion: string;
  key: string;
  size?: number;
  /** Unquoted. */
  eTag?: string;
  sequencer: string;
  eventTime: string;
  requestId: string;
  hostId: string;
  sourceIp: string;
  /** `AWS:<userId>` of the caller */
  principalId: string;
}

export interface LambdaDestination {
  id: string;
  functionArn: string;
  events: string[];
  prefix?: string;
  suffix?: string;
}

/** Checks a bucket's Lambda destinations when a notification configuration is saved; returns the ARNs that fail. */
export type DestinationValidator = (bucket: string, bucketOwnerAccount: string, functionArns: string[]) => string[];

export type ObjectEventListener = (event: ObjectEvent, destinations: LambdaDestination[]) => void;

export interface PublicAccessBlock {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

export interface BucketMeta {
  name: string;
  /** Name of its objects folder: random, never derived from the name. */
  id: string;
  /** As given at creation ('' for us-east-1). */
  locationConstraint: string;
  region: string;
  /** epoch ms */
  creationDate: number;
  tags?: Array<[string, string]>;
  publicAccessBlock?: PublicAccessBlock;
  notification?: NotificationConfig;
}

interface BucketsState {
  buckets: BucketMeta[];
}

export class Bucket {
  readonly index = new KeyIndex();
  constructor(
    readonly meta: BucketMeta,
    readonly dir: string,
  ) {}

  get name(): string {
    return this.meta.name;
  }
}

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

export class S3Store {
  readonly root: string;
  readonly uploads: UploadStore;
  private readonly state: JsonFile<BucketsState>;
  private readonly buckets = new Map<string, Bucket>();
  private readonly bucketsById = new Map<string, Bucket>();
  private readonly journal: Journal;
  /** Objects whose bytes are still only in the journal (by metadata identity). */
  private readonly journaled = new WeakMap<ObjectMeta, BodyLocation>();
  private readonly locks = new KeyedLock();
  private readonly madeDirs = new Set<string>();
  private seq = 0;
  private lastSequencer = 0n;
  private validator: DestinationValidator | undefined;
  private readonly listeners: ObjectEventListener[] = [];

  constructor(readonly config: LocalAwsConfig) {
    this.root = path.join(config.dataDir, 's3');
    fs.mkdirSync(path.join(this.root, 'objects'), { recursive: true, mode: 0o700 });
    this.state = new JsonFile<BucketsState>(path.join(this.root, 'buckets.json'), () => ({ buckets: [] }));
    for (const meta of this.state.data.buckets) this.addBucket(new Bucket(meta, this.bucketDir(meta.id)));
    this.replayJournal();
    const completedUploads = this.scanObjects();
    this.journal = new Journal(path.join(this.root, 'journal'), (segment) => this.materialize(segment));
    this.uploads = new UploadStore(path.join(this.root, 'uploads'));
    this.uploads.load(new Set(this.state.data.buckets.map((b) => b.id)), completedUploads);
  }

  private addBucket(bucket: Bucket): void {
    this.buckets.set(bucket.name, bucket);
    this.bucketsById.set(bucket.meta.id, bucket);
  }

  private bucketDir(id: string): string {
    return path.join(this.root, 'objects', id);
  }

  private objectFile(bucket: Bucket, key: string): string {
    const h = keyHash(key);
    return path.join(bucket.dir, h.slice(0, 2), h.slice(2));
  }

  private ensureDir(dir: string): void {
    if (this.madeDirs.has(dir)) return;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.madeDirs.add(dir);
  }

  // ---- startup -------------------------------------------------------------------------------

  /** Applies journal records newer than the files they name (writes that were not fsynced yet). */
  private replayJournal(): void {
    const touched = new Set<string>();
    const segments = readJournal(path.join(this.root, 'journal'), (record, body) => {
      this.seq = Math.max(this.seq, record.seq);
      const bucket = this.bucketsById.get(record.bucketId);
      if (!bucket) return; // deleted with its bucket
      const file = this.objectFile(bucket, record.op === 'put' ? record.meta.key : record.key);
      const current = tryReadHeaderSync<ObjectMeta>(file);
      if (current && current.meta.seq >= record.seq) return;
      this.ensureDir(path.dirname(file));
      if (record.op === 'put') writeUnsyncedSync(file, [encodeHeader(record.meta), body]);
      else fs.rmSync(file, { force: true });
      touched.add(file);
    });
    for (const file of touched) {
      if (!fs.existsSync(file)) continue;
      const fd = fs.openSync(file, 'r');
      fs.fsyncSync(fd);
      fs.closeSync(fd);
    }
    for (const dir of new Set([...touched].map((f) => path.dirname(f)))) fsyncDirSync(dir);
    for (const segment of segments) fs.rmSync(segment, { force: true });
  }

  /** Builds the in-memory indexes from the object files; returns upload ids already completed. */
  private scanObjects(): Set<string> {
    const completed = new Set<string>();
    const objects = path.join(this.root, 'objects');
    const known = new Set([...this.buckets.values()].map((b) => b.meta.id));
    for (const id of fs.readdirSync(objects)) {
      // A bucket deleted just before a crash leaves its folder behind.
      if (!known.has(id)) fs.rmSync(path.join(objects, id), { recursive: true, force: true });
    }
    for (const bucket of this.buckets.values()) {
      if (!fs.existsSync(bucket.dir)) continue;
      for (const sub of fs.readdirSync(bucket.dir)) {
        const dir = path.join(bucket.dir, sub);
        this.madeDirs.add(dir);
        for (const name of fs.readdirSync(dir)) {
          const file = path.join(dir, name);
          if (isTmpName(name)) {
            fs.rmSync(file, { force: true }); // an interrupted write, never acknowledged
            continue;
          }
          const decoded = tryReadHeaderSync<ObjectMeta>(file);
          if (!decoded || keyHash(decoded.meta.key) !== sub + name) {
            console.error(`[local-aws] s3: ignoring unreadable object file ${file}`);
            continue;
          }
          bucket.index.set(decoded.meta);
          this.seq = Math.max(this.seq, decoded.meta.seq);
          if (decoded.meta.uploadId) completed.add(decoded.meta.uploadId);
        }
      }
    }
    return completed;
  }

  // ---- buckets -------------------------------------------------------------------------------

  listBuckets(): Bucket[] {
    return [...this.buckets.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  findBucket(name: string): Bucket | undefined {
    return this.buckets.get(name);
  }

  bucket(name: string): Bucket {
    const b = this.buckets.get(name);
    if (!b) throw noSuchBucket(name);
    return b;
  }

  async createBucket(name: string, locationConstraint: string, region: string): Promise<Bucket> {
    const meta: BucketMeta = { name, id: randomBytes(8).toString('hex'), locationConstraint, region, creationDate: Date.now() };
    const bucket = new Bucket(meta, this.bucketDir(meta.id));
    this.addBucket(bucket);
    this.state.data.buckets.push(meta);
    await this.state.save();
    return bucket;
  }

  /** Removes a bucket (the caller checked it is empty) with its unfinished multipart uploads. */
  async deleteBucket(bucket: Bucket): Promise<void> {
    this.buckets.delete(bucket.name);
    this.bucketsById.delete(bucket.meta.id);
    this.state.data.buckets = this.state.data.buckets.filter((b) => b !== bucket.meta);
    await this.state.save();
    await fsp.rm(bucket.dir, { recursive: true, force: true });
    await this.uploads.removeBucket(bucket.meta.id);
  }

  /** Persists a change made to a bucket's `meta` (tags, configurations). */
  saveBucket(): Promise<void> {
    return this.state.save();
  }

  // ---- objects -------------------------------------------------------------------------------

  head(bucket: Bucket, key: string): ObjectMeta | undefined {
    return bucket.index.get(key);
  }

  /** Writes an object from bytes in memory; resolves once it is durable. */
  async putObject(bucket: Bucket, fields: NewObject, body: Buffer): Promise<ObjectMeta> {
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
  async deleteObject(bucket: Bucket, key: string): Promise<ObjectMeta | undefined> {
    const file = this.objectFile(bucket, key);
    const done = await this.locks.run(file, () => {
      const old = bucket.index.get(key);
      if (!old) return undefined;
      const seq = ++this.seq;
      fs.rmSync(file, { force: true });
      bucket.index.delete(key, seq);
      this.journaled.delete(old);
      return { old, durable: this.journal.append({ op: 'del', bucketId: bucket.meta.id, key, seq }, undefined, path.dirname(file)).durable };
    });
    if (!done) return undefined;
    await done.durable;
    return done.old;
  }

  /** Opens an object for reading; undefined when it does not exist (anymore). */
  async open(bucket: Bucket, key: string): Promise<OpenObject | undefined> {
    const entry = bucket.index.get(key);
    if (!entry) return undefined;
    const loc = this.journaled.get(entry);
    if (loc) return small(entry, this.journal.read(loc));
    const file = this.objectFile(bucket, key);
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
    if (source.bytes) return this.putObject(bucket, fields, source.bytes);
    return this.writeLarge(bucket, fields, async (handle, offset) => {
      let at = offset;
      for await (const chunk of source.stream(0, Math.max(source.meta.size - 1, 0))) {
        const bytes = chunk as Buffer;
        await handle.write(bytes, 0, bytes.length, at);
        at += bytes.length;
      }
    });
  }

  /** Whole object body; throws AwsError NoSuchBucket / NoSuchKey. */
  async getObjectBytes(bucketName: string, key: string): Promise<Buffer> {
    const bucket = this.bucket(bucketName);
    const opened = await this.open(bucket, key);
    if (!opened) throw noSuchKey(key);
    if (opened.bytes) return opened.bytes;
    const chunks: Buffer[] = [];
    for await (const chunk of opened.stream(0, Math.max(opened.meta.size - 1, 0))) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** Assembles parts (files holding bytes at an offset) into one object. */
  writeParts(bucket: Bucket, fields: NewObject, parts: Array<{ file: string; offset: number; size: number }>): Promise<ObjectMeta> {
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
      if (!bucket || bucket.index.get(put.meta.key) !== put.meta) continue;
      const file = this.objectFile(bucket, put.meta.key);
      await this.locks.run(file, async () => {
        if (bucket.index.get(put.meta.key) !== put.meta) return;
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

  // ---- notifications and Lambda hooks ----------------------------------------------------------

  setDestinationValidator(fn: DestinationValidator | undefined): void {
    this.validator = fn;
  }

  /** ARNs that fail validation (none when no validator is registered). */
  validateDestinations(bucket: string, functionArns: string[]): string[] {
    if (!this.validator || functionArns.length === 0) return [];
    return this.validator(bucket, this.config.accountId, functionArns);
  }

  onObjectEvent(listener: ObjectEventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Monotonic upper-case hex: a later event on a key always compares greater. */
  private nextSequencer(): string {
    const candidate = BigInt(Date.now()) << 16n;
    this.lastSequencer = candidate > this.lastSequencer ? candidate : this.lastSequencer + 1n;
    return this.lastSequencer.toString(16).toUpperCase().padStart(16, '0');
  }

  /** Tells the listeners about an event the bucket's Lambda destinations want. Never throws. */
  emit(bucket: Bucket, event: Omit<ObjectEvent, 'bucket' | 'bucketRegion' | 'sequencer' | 'eventTime'>): void {
    if (this.listeners.length === 0) return;
    const config = bucket.meta.notification ?? EMPTY_NOTIFICATION;
    const destinations: LambdaDestination[] = config.lambdas
      .filter((t) => targetMatches(t, event.eventName, event.key))
      .map((t) => ({
        id: t.id,
        functionArn: t.arn,
        events: t.events,
        prefix: t.filter.find((r) => r.name === 'Prefix')?.value,
        suffix: t.filter.find((r) => r.name === 'Suffix')?.value,
      }));
    if (destinations.length === 0) return;
    const full: ObjectEvent = {
      ...event,
      bucket: bucket.name,
      bucketRegion: bucket.meta.region,
      sequencer: this.nextSequencer(),
      eventTime: new Date().toISOString(),
    };
    for (const listener of this.listeners) {
      try {
        listener(full, destinations);
      } catch (e) {
        console.error('[local-aws] s3 event listener failed:', e);
      }
    }
  }

  async close(): Promise<void> {
    await this.journal.close();
    await this.state.save();
  }
}

function small(meta: ObjectMeta, bytes: Buffer): OpenObject {
  return { meta, bytes, stream: (start, end) => Readable.from([bytes.subarray(start, end + 1)]), close: () => undefined };
}

export function noSuchKey(key: string): AwsError {
  return new AwsError('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
}

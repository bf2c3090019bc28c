// Start-up recovery of the object files: the journal's records newer than the files they name are
// applied (writes acknowledged but not yet in their own files), then every object file is indexed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Bucket } from './bucket.ts';
import { readJournal } from './journal.ts';
import {
  encodeHeader,
  fsyncDirSync,
  isTmpName,
  keyHash,
  tryReadHeaderSync,
  writeUnsyncedSync,
  type ObjectMeta,
} from './object-file.ts';

/** What recovery needs of the object store. */
export interface RecoveringStore {
  readonly root: string;
  readonly madeDirs: Set<string>;
  readonly nullMarkers: Map<string, ObjectMeta[]>;
  objectFile(bucket: Bucket, key: string): string;
  ensureDir(dir: string): void;
  noteSeq(seq: number): void;
  noteLoaded(meta: ObjectMeta): void;
}

/** Applies journal records newer than the files they name (writes that were not fsynced yet). */
export function replayJournal(store: RecoveringStore, bucketsById: Map<string, Bucket>): void {
  const touched = new Set<string>();
  const segments = readJournal(path.join(store.root, 'journal'), (record, body) => {
    store.noteSeq(record.seq);
    const bucket = bucketsById.get(record.bucketId);
    if (!bucket) return; // deleted with its bucket
    const file = store.objectFile(bucket, record.op === 'put' ? record.meta.key : record.key);
    const current = tryReadHeaderSync<ObjectMeta>(file);
    if (current && current.meta.seq >= record.seq) return;
    store.ensureDir(path.dirname(file));
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

/** Builds the in-memory indexes from the object files. */
export function scanObjects(store: RecoveringStore, bucketsById: Map<string, Bucket>): void {
  const objects = path.join(store.root, 'objects');
  const known = new Set(bucketsById.keys());
  for (const id of fs.readdirSync(objects)) {
    // A bucket deleted just before a crash leaves its folder behind.
    if (!known.has(id)) fs.rmSync(path.join(objects, id), { recursive: true, force: true });
  }
  for (const bucket of bucketsById.values()) {
    if (!fs.existsSync(bucket.dir)) continue;
    for (const sub of fs.readdirSync(bucket.dir)) {
      const dir = path.join(bucket.dir, sub);
      store.madeDirs.add(dir);
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
        store.noteLoaded(decoded.meta);
        if (decoded.meta.deleteMarker) {
          const list = store.nullMarkers.get(bucket.meta.id);
          if (list) list.push(decoded.meta);
          else store.nullMarkers.set(bucket.meta.id, [decoded.meta]);
          continue;
        }
        bucket.index.set(decoded.meta);
      }
    }
  }
}

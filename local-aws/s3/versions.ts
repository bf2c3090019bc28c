// Object versions of buckets whose versioning was ever set (Enabled or Suspended). An unversioned
// bucket never comes here: its writes keep the journal's fast path. In a versioned bucket each
// version is a file of its own: the null version at the key's usual path, the others under
// versions/<bucket id>/<hh>/<version id>; a delete marker is a file with a header and no bytes.
// Writes here are fsynced one by one (no journal); a key's versions are ordered by `seq`.
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  encodeHeader,
  fsyncDir,
  isTmpName,
  tryReadHeaderSync,
  writeDurable,
  type BodyWriter,
  type ObjectMeta,
} from './object-file.ts';
import type { Bucket, NewObject, ObjectStore } from './objects.ts';

/** The id S3 shows for a version that has none (written while versioning was off or suspended). */
export const versionIdOf = (meta: ObjectMeta): string => meta.versionId ?? 'null';

/** 32 URL-safe characters, like S3's. */
export const newVersionId = (): string => randomBytes(24).toString('base64url');

export const looksLikeVersionId = (v: string): boolean => v === 'null' || /^[A-Za-z0-9_-]{32}$/.test(v);

/** Every version of a key, newest first. */
export function versionsOf(bucket: Bucket, key: string): ObjectMeta[] {
  const list = bucket.versions.get(key);
  if (list) return list;
  const current = bucket.index.get(key);
  return current ? [current] : [];
}

export function findVersion(bucket: Bucket, key: string, versionId: string): ObjectMeta | undefined {
  return versionsOf(bucket, key).find((v) => versionIdOf(v) === versionId);
}

function setVersions(bucket: Bucket, key: string, list: ObjectMeta[]): void {
  bucket.index.delete(key);
  if (list.length === 0) {
    bucket.versions.delete(key);
    return;
  }
  list.sort((a, b) => b.seq - a.seq);
  bucket.versions.set(key, list);
  if (!list[0]!.deleteMarker) bucket.index.set(list[0]!);
}

/**
 * A new version (or delete marker, `body` undefined): with versioning Enabled it gets a new id;
 * Suspended, it is the null version and replaces the one there was.
 */
export function writeVersion(
  store: ObjectStore,
  bucket: Bucket,
  fields: NewObject & { deleteMarker?: boolean },
  body: Buffer | BodyWriter | undefined,
): Promise<ObjectMeta> {
  const { versionId: _v, ...rest } = fields;
  return store.locks.run(store.objectFile(bucket, fields.key), async () => {
    const meta: ObjectMeta = { ...rest, lastModified: fields.lastModified ?? Date.now(), seq: store.nextSeq() };
    if (bucket.meta.versioning === 'Enabled') meta.versionId = newVersionId();
    const file = store.fileOf(bucket, meta);
    store.ensureDir(path.dirname(file));
    await writeDurable(file, encodeHeader(meta), body ?? Buffer.alloc(0));
    const before = versionsOf(bucket, fields.key);
    const kept = meta.versionId === undefined ? before.filter((v) => v.versionId !== undefined) : before;
    for (const v of before) if (!kept.includes(v)) store.journaled.delete(v); // overwritten at the key path
    setVersions(bucket, fields.key, [meta, ...kept]);
    return meta;
  });
}

/** Rewrites one version in place (new tags): same id, same place in the order. */
export function rewriteVersion(
  store: ObjectStore,
  bucket: Bucket,
  old: ObjectMeta,
  fields: NewObject,
  body: Buffer | BodyWriter,
): Promise<ObjectMeta> {
  return store.locks.run(store.objectFile(bucket, old.key), async () => {
    const meta: ObjectMeta = { ...fields, versionId: old.versionId, lastModified: old.lastModified, seq: old.seq };
    if (meta.versionId === undefined) delete meta.versionId;
    await writeDurable(store.fileOf(bucket, meta), encodeHeader(meta), body);
    store.journaled.delete(old);
    setVersions(
      bucket,
      old.key,
      versionsOf(bucket, old.key).map((v) => (v === old ? meta : v)),
    );
    return meta;
  });
}

/** Removes one version for good (DELETE ?versionId=); undefined when there was no such version. */
export async function deleteVersion(
  store: ObjectStore,
  bucket: Bucket,
  key: string,
  versionId: string,
): Promise<ObjectMeta | undefined> {
  const target = findVersion(bucket, key, versionId);
  if (!target) return undefined;
  const drop = () => {
    store.journaled.delete(target);
    setVersions(
      bucket,
      key,
      versionsOf(bucket, key).filter((v) => v !== target),
    );
  };
  // The null version lives at the key path, which the journal may also know: removed the journal's way.
  if (target.versionId === undefined) {
    if (!bucket.versions.has(key)) return store.delete(bucket, key);
    await store.removeKeyFile(bucket, key, drop);
    return target;
  }
  return store.locks.run(store.objectFile(bucket, key), async () => {
    drop();
    const file = store.fileOf(bucket, target);
    await fsp.rm(file, { force: true });
    await fsyncDir(path.dirname(file));
    return target;
  });
}

/** At start: the version files of a bucket and the null delete markers found at key paths. */
export function loadVersions(store: ObjectStore, bucket: Bucket, nullMarkers: ObjectMeta[]): void {
  const lists = new Map<string, ObjectMeta[]>();
  const add = (m: ObjectMeta) => {
    const list = lists.get(m.key);
    if (list) list.push(m);
    else lists.set(m.key, [m]);
  };
  nullMarkers.forEach(add);
  const dir = path.join(store.root, 'versions', bucket.meta.id);
  if (fs.existsSync(dir)) {
    for (const sub of fs.readdirSync(dir)) {
      for (const name of fs.readdirSync(path.join(dir, sub))) {
        const file = path.join(dir, sub, name);
        if (isTmpName(name)) {
          fs.rmSync(file, { force: true }); // an interrupted write, never acknowledged
          continue;
        }
        const decoded = tryReadHeaderSync<ObjectMeta>(file);
        if (decoded && decoded.meta.versionId === name) {
          store.noteLoaded(decoded.meta);
          add(decoded.meta);
        } else console.error(`[local-aws] s3: ignoring unreadable version file ${file}`);
      }
    }
  }
  for (const [key, list] of lists) {
    const current = bucket.index.get(key);
    if (current && !list.includes(current)) list.push(current);
    setVersions(bucket, key, list);
  }
}

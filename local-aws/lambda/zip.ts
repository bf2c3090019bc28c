// Deployment packages: the zip's central directory is read and checked before the function is
// accepted (a zip at all, sizes, entries that would land outside the function's folder, symlinks
// pointing out); the data is inflated later (zlib), bounded by the declared sizes and CRC-checked.
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { createDigest } from '../core/checksums.ts';
import { invalidParameter } from './input.ts';

export const MAX_ZIPPED = 52_428_800;
export const MAX_UNZIPPED = 262_144_000;
const UNZIP_ERROR = 'Could not unzip uploaded file. Please check your file, then try to upload again.';

export type EntryKind = 'file' | 'dir' | 'symlink';

export interface ZipEntry {
  /** Normalised relative path (no leading `/`, no `.`/`..`, `/` separators). */
  path: string;
  kind: EntryKind;
  method: number;
  compressedSize: number;
  size: number;
  crc: number;
  localOffset: number;
  /** Unix permission bits, when the zip recorded them. */
  mode?: number;
}

class ZipFormatError extends Error {}

function unzipError(detail?: string): Error {
  return invalidParameter(detail ? `${UNZIP_ERROR} (local endpoint: ${detail})` : UNZIP_ERROR);
}

function u16(b: Buffer, o: number): number {
  if (o + 2 > b.length) throw new ZipFormatError('truncated');
  return b.readUInt16LE(o);
}
function u32(b: Buffer, o: number): number {
  if (o + 4 > b.length) throw new ZipFormatError('truncated');
  return b.readUInt32LE(o);
}
function u64(b: Buffer, o: number): number {
  if (o + 8 > b.length) throw new ZipFormatError('truncated');
  const v = b.readBigUInt64LE(o);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError('size out of range');
  return Number(v);
}

/** Finds the end-of-central-directory record (it may be followed by a comment of up to 64 KB). */
function findEocd(zip: Buffer): number {
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65535); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) return i;
  }
  throw new ZipFormatError('no end of central directory');
}

interface RawEntry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  madeBy: number;
  external: number;
}

function readCentralDirectory(zip: Buffer): RawEntry[] {
  const eocd = findEocd(zip);
  let count = u16(zip, eocd + 10);
  let cdOffset = u32(zip, eocd + 16);
  // ZIP64: the locator sits just before the EOCD and points to the ZIP64 EOCD record.
  if ((count === 0xffff || cdOffset === 0xffffffff) && eocd >= 20 && u32(zip, eocd - 20) === 0x07064b50) {
    const z64 = u64(zip, eocd - 12);
    if (u32(zip, z64) !== 0x06064b50) throw new ZipFormatError('bad zip64 record');
    count = u64(zip, z64 + 32);
    cdOffset = u64(zip, z64 + 48);
  }
  const entries: RawEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (u32(zip, p) !== 0x02014b50) throw new ZipFormatError('bad central directory');
    const nameLen = u16(zip, p + 28);
    const extraLen = u16(zip, p + 30);
    const commentLen = u16(zip, p + 32);
    if (p + 46 + nameLen + extraLen > zip.length) throw new ZipFormatError('truncated');
    const e: RawEntry = {
      madeBy: u16(zip, p + 4),
      flags: u16(zip, p + 8),
      method: u16(zip, p + 10),
      crc: u32(zip, p + 16),
      compressedSize: u32(zip, p + 20),
      size: u32(zip, p + 24),
      external: u32(zip, p + 38),
      localOffset: u32(zip, p + 42),
      name: zip.subarray(p + 46, p + 46 + nameLen).toString('utf8'),
    };
    // ZIP64 extended information: the 0xFFFFFFFF fields follow in this order.
    let x = p + 46 + nameLen;
    const end = x + extraLen;
    while (x + 4 <= end) {
      const id = u16(zip, x);
      const len = u16(zip, x + 2);
      if (id === 0x0001) {
        let q = x + 4;
        if (e.size === 0xffffffff) {
          e.size = u64(zip, q);
          q += 8;
        }
        if (e.compressedSize === 0xffffffff) {
          e.compressedSize = u64(zip, q);
          q += 8;
        }
        if (e.localOffset === 0xffffffff) e.localOffset = u64(zip, q);
      }
      x += 4 + len;
    }
    entries.push(e);
    p = end + commentLen;
  }
  return entries;
}

/** `a/./b//c` -> `a/b/c`; undefined when the path is absolute or climbs out of the folder. */
export function normaliseEntryPath(name: string): string | undefined {
  const unified = name.replace(/\\/g, '/');
  if (unified.startsWith('/') || /^[a-zA-Z]:/.test(unified) || unified.includes('\0')) return undefined;
  const out: string[] = [];
  for (const part of unified.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

/**
 * Resolves a path inside the folder the way the file system would, following the zip's own symlinks;
 * undefined when it leaves the folder (or loops).
 */
function resolveInside(links: Map<string, string>, rel: string, budget: { hops: number }): string | undefined {
  const parts = rel.replace(/\\/g, '/').split('/');
  let cur: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (cur.length === 0) return undefined;
      cur.pop();
      continue;
    }
    cur.push(part);
    const target = links.get(cur.join('/'));
    if (target === undefined) continue;
    if (--budget.hops < 0 || target.startsWith('/') || /^[a-zA-Z]:/.test(target)) return undefined;
    const base = cur.slice(0, -1).join('/');
    const resolved = resolveInside(links, base ? `${base}/${target}` : target, budget);
    if (resolved === undefined) return undefined;
    cur = resolved === '' ? [] : resolved.split('/');
  }
  return cur.join('/');
}

function entryData(zip: Buffer, e: { localOffset: number; compressedSize: number }): Buffer {
  if (u32(zip, e.localOffset) !== 0x04034b50) throw new ZipFormatError('bad local header');
  const start = e.localOffset + 30 + u16(zip, e.localOffset + 26) + u16(zip, e.localOffset + 28);
  if (start + e.compressedSize > zip.length) throw new ZipFormatError('truncated entry');
  return zip.subarray(start, start + e.compressedSize);
}

/** Inflates one entry into a buffer of its declared size and checks its CRC-32. */
export function readEntry(zip: Buffer, e: ZipEntry): Buffer {
  const data = entryData(zip, e);
  let out: Buffer;
  if (e.method === 0) out = data;
  else {
    try {
      // Native zlib; never more than the declared size (a zip bomb stops there).
      out = zlib.inflateRawSync(data, { maxOutputLength: Math.max(1, e.size) });
    } catch {
      throw new ZipFormatError(`corrupt data in ${e.path}`);
    }
  }
  const crc = createDigest('crc32');
  crc.update(out);
  if (out.length !== e.size || crc.digest().readUInt32BE(0) !== e.crc)
    throw new ZipFormatError(`corrupt data in ${e.path}`);
  return out;
}

/** Checks a deployment package and lists its entries; throws AWS's InvalidParameterValueException. */
export function inspectZip(zip: Buffer): ZipEntry[] {
  let raw: RawEntry[];
  try {
    raw = readCentralDirectory(zip);
  } catch (e) {
    if (e instanceof ZipFormatError) throw unzipError();
    throw e;
  }
  const entries: ZipEntry[] = [];
  let total = 0;
  for (const r of raw) {
    if (r.flags & 1) throw unzipError(`entry "${r.name}" is encrypted`);
    if (r.method !== 0 && r.method !== 8) throw unzipError(`entry "${r.name}" uses compression method ${r.method}`);
    const unixMode = r.madeBy >> 8 === 3 ? r.external >>> 16 : 0;
    const type = unixMode & 0o170000;
    const kind: EntryKind = type === 0o120000 ? 'symlink' : type === 0o040000 || r.name.endsWith('/') ? 'dir' : 'file';
    const p = normaliseEntryPath(r.name);
    if (p === undefined) throw unzipError(`entry "${r.name}" would be written outside the function's folder`);
    if (p === '' && kind !== 'dir') throw unzipError(`entry "${r.name}" has no name`);
    total += r.size;
    entries.push({
      path: p,
      kind,
      method: r.method,
      compressedSize: r.compressedSize,
      size: r.size,
      crc: r.crc,
      localOffset: r.localOffset,
      mode: unixMode & 0o777 || undefined,
    });
  }
  if (total > MAX_UNZIPPED) throw invalidParameter(`Unzipped size must be smaller than ${MAX_UNZIPPED} bytes`);
  checkTree(entries);
  checkLinks(zip, entries);
  return entries;
}

/** A file (or link) cannot also be a folder of another entry. */
function checkTree(entries: ZipEntry[]): void {
  const leaves = new Set(entries.filter((e) => e.kind !== 'dir').map((e) => e.path));
  for (const e of entries) {
    const parts = e.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (leaves.has(parent)) throw unzipError(`entry "${e.path}" is inside "${parent}", which is a file`);
    }
    if (e.kind === 'dir' && leaves.has(e.path)) throw unzipError(`"${e.path}" is both a file and a folder`);
  }
}

/** Symlinks must resolve inside the folder, and nothing may be written through one. */
function checkLinks(zip: Buffer, entries: ZipEntry[]): void {
  const links = new Map<string, string>();
  for (const e of entries) {
    if (e.kind !== 'symlink') continue;
    if (e.size > 4096) throw unzipError(`symlink "${e.path}" is too long`);
    let target: string;
    try {
      target = readEntry(zip, e).toString('utf8');
    } catch (err) {
      if (err instanceof ZipFormatError) throw unzipError();
      throw err;
    }
    links.set(e.path, target);
  }
  if (links.size === 0) return;
  for (const [link, target] of links) {
    const base = link.split('/').slice(0, -1).join('/');
    if (resolveInside(links, base ? `${base}/${target}` : target, { hops: 40 }) === undefined)
      throw unzipError(`symlink "${link}" points outside the function's folder`);
  }
  for (const e of entries) {
    const parts = e.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      if (links.has(parts.slice(0, i).join('/')))
        throw unzipError(`entry "${e.path}" would be written through a symlink`);
    }
  }
}

/** Unpacks into `dest` (created fresh), yielding between entries; throws on corrupt data. */
export async function unpackZip(zip: Buffer, entries: ZipEntry[], dest: string): Promise<void> {
  await fsp.mkdir(dest, { recursive: true, mode: 0o755 });
  const links: ZipEntry[] = [];
  for (const e of entries) {
    const target = path.join(dest, e.path);
    if (e.kind === 'dir') {
      await fsp.mkdir(target, { recursive: true, mode: 0o755 });
      continue;
    }
    if (e.kind === 'symlink') {
      links.push(e);
      continue;
    }
    let data: Buffer;
    try {
      data = readEntry(zip, e);
    } catch (err) {
      throw err instanceof ZipFormatError ? unzipError(err.message) : err;
    }
    await fsp.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    // Owner-writable only so the folder can be removed; executables keep their x bits.
    const mode = e.mode !== undefined && e.mode & 0o111 ? 0o755 : 0o644;
    await fsp.writeFile(target, data, { mode });
    await new Promise<void>((r) => setImmediate(r));
  }
  for (const e of links) {
    const target = path.join(dest, e.path);
    await fsp.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    fs.rmSync(target, { force: true, recursive: true });
    await fsp.symlink(readEntry(zip, e).toString('utf8'), target);
  }
}

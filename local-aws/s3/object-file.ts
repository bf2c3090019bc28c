// One object = one file: an 8-byte preamble (magic, header length), a JSON header (the object's
// metadata), then the bytes. Files are named by a hash of the key, never by the key itself.
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { ChecksumAlgorithm } from '../core/checksums.ts';

const MAGIC = 0x4c533301; // "LS3" + format version 1
const PREAMBLE = 8;
/** A first read this large usually holds the whole header (user metadata is at most 2 KB). */
const FIRST_READ = 16 * 1024;

export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  /** base64; composite values end in `-<parts>` */
  value: string;
  type: ChecksumType;
}

export type SseAlgorithm = 'AES256' | 'aws:kms' | 'aws:kms:dsse';

/** Server-side encryption asked for by the writer (see sse.ts); absent = SSE-S3 (AES256). */
export interface Encryption {
  algorithm: SseAlgorithm;
  /** Full key ARN (aws:kms, aws:kms:dsse). */
  kmsKeyId?: string;
  bucketKeyEnabled?: boolean;
  /** x-amz-server-side-encryption-context as sent (base64 JSON). */
  context?: string;
}

/** The HTTP headers S3 stores with an object and returns on GET/HEAD. */
export interface ObjectHeaders {
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  expires?: string;
  storageClass?: string;
  websiteRedirectLocation?: string;
  /** `x-amz-meta-*` without the prefix, names lower-case. */
  metadata: Record<string, string>;
}

export interface ObjectMeta extends ObjectHeaders {
  key: string;
  size: number;
  /** Unquoted: hex MD5, or `<hex>-<parts>` for multipart objects. */
  etag: string;
  /** epoch ms */
  lastModified: number;
  /** Store-wide write order: the newest write of a key wins at recovery. */
  seq: number;
  checksum?: StoredChecksum;
  tags?: Array<[string, string]>;
  /** Multipart objects: number of parts, their sizes (for partNumber reads) and the upload they came from. */
  parts?: number;
  partSizes?: number[];
  uploadId?: string;
  sse?: Encryption;
  /** Absent = the null version (written while versioning was off or suspended). */
  versionId?: string;
  /** A delete marker: no bytes, hides the key while it is the newest version. */
  deleteMarker?: boolean;
}

export function encodeHeader(meta: object): Buffer {
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const out = Buffer.allocUnsafe(PREAMBLE + json.length);
  out.writeUInt32BE(MAGIC, 0);
  out.writeUInt32BE(json.length, 4);
  json.copy(out, PREAMBLE);
  return out;
}

export interface Decoded<T> {
  meta: T;
  bodyOffset: number;
}

/** Parses the header at the start of `buf`; undefined when the buffer is too short for it. Throws on garbage. */
export function decodeHeader<T>(buf: Buffer): Decoded<T> | undefined {
  if (buf.length < PREAMBLE) return undefined;
  if (buf.readUInt32BE(0) !== MAGIC) throw new Error('not an object file');
  const len = buf.readUInt32BE(4);
  if (buf.length < PREAMBLE + len) return undefined;
  return { meta: JSON.parse(buf.subarray(PREAMBLE, PREAMBLE + len).toString('utf8')) as T, bodyOffset: PREAMBLE + len };
}

export function readHeaderSync<T>(fd: number): Decoded<T> {
  let buf = Buffer.allocUnsafe(FIRST_READ);
  let n = fs.readSync(fd, buf, 0, buf.length, 0);
  let decoded = decodeHeader<T>(buf.subarray(0, n));
  if (!decoded && n >= PREAMBLE) {
    buf = Buffer.allocUnsafe(PREAMBLE + buf.readUInt32BE(4));
    n = fs.readSync(fd, buf, 0, buf.length, 0);
    decoded = decodeHeader<T>(buf.subarray(0, n));
  }
  if (!decoded) throw new Error('truncated object file');
  return decoded;
}

export async function readHeader<T>(handle: fsp.FileHandle): Promise<Decoded<T> & { head: Buffer }> {
  let buf = Buffer.allocUnsafe(FIRST_READ);
  let { bytesRead } = await handle.read(buf, 0, buf.length, 0);
  let decoded = decodeHeader<T>(buf.subarray(0, bytesRead));
  if (!decoded && bytesRead >= PREAMBLE) {
    buf = Buffer.allocUnsafe(PREAMBLE + buf.readUInt32BE(4));
    ({ bytesRead } = await handle.read(buf, 0, buf.length, 0));
    decoded = decodeHeader<T>(buf.subarray(0, bytesRead));
  }
  if (!decoded) throw new Error('truncated object file');
  return { ...decoded, head: buf.subarray(0, bytesRead) };
}

/** Header of a file, or undefined when it is missing or unreadable. */
export function tryReadHeaderSync<T>(file: string): Decoded<T> | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    return readHeaderSync<T>(fd);
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

export function keyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function tmpPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
}

export function isTmpName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

/**
 * Replaces `file` with `chunks` without fsync: used when a journal record makes the write durable.
 * Synchronous on purpose: for small bodies a few syscalls on the page cache are cheaper than
 * thread-pool round trips.
 */
export function writeUnsyncedSync(file: string, chunks: Buffer[]): void {
  const tmp = tmpPath(file);
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writevSync(fd, chunks);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function fsyncDirSync(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Something that writes the body into an open file after the header (positions are file offsets). */
export type BodyWriter = (handle: fsp.FileHandle, offset: number) => Promise<void>;

/**
 * Durable atomic replace: tmp file, fsync, rename, fsync of the folder. `body` is bytes already in
 * memory, or a writer that streams them (multipart assembly, large copies).
 */
export async function writeDurable(file: string, header: Buffer, body: Buffer | BodyWriter): Promise<void> {
  const tmp = tmpPath(file);
  const handle = await fsp.open(tmp, 'w', 0o600);
  try {
    if (Buffer.isBuffer(body)) await handle.writev([header, body], 0);
    else {
      await handle.write(header, 0, header.length, 0);
      await body(handle, header.length);
    }
    await handle.sync();
  } catch (e) {
    await handle.close();
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  await fsp.rename(tmp, file);
  await fsyncDir(path.dirname(file));
}

/** Copies `length` bytes from `source` at `from` into `target` at `to`, 1 MiB at a time. */
export async function copyRange(
  source: fsp.FileHandle,
  from: number,
  length: number,
  target: fsp.FileHandle,
  to: number,
  onChunk?: (chunk: Buffer) => void,
): Promise<void> {
  const buf = Buffer.allocUnsafe(Math.min(length, 1024 * 1024) || 1);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await source.read(buf, 0, Math.min(buf.length, length - done), from + done);
    if (bytesRead === 0) throw new Error('object file shorter than its header says');
    const chunk = buf.subarray(0, bytesRead);
    onChunk?.(chunk);
    await target.write(chunk, 0, bytesRead, to + done);
    done += bytesRead;
  }
}

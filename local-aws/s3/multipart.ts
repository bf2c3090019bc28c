// Unfinished multipart uploads: uploads/<upload id>/upload.json (what CreateMultipartUpload said)
// and one file per part (header + bytes, like object files). Upload ids are random and looked up in
// memory, so a client-supplied id never reaches the file system.
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ChecksumAlgorithm } from '../core/checksums.ts';
import { writeFileAtomic } from '../core/persist.ts';
import { compareKeys } from './key-index.ts';
import {
  encodeHeader,
  isTmpName,
  tryReadHeaderSync,
  writeDurable,
  type BodyWriter,
  type ChecksumType,
  type Encryption,
  type ObjectHeaders,
} from './object-file.ts';

export interface UploadMeta extends ObjectHeaders {
  uploadId: string;
  bucket: string;
  bucketId: string;
  key: string;
  /** epoch ms */
  initiated: number;
  /** ARN of the caller who started it. */
  initiator: string;
  tags?: Array<[string, string]>;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: ChecksumType;
  sse?: Encryption;
}

export interface PartMeta {
  partNumber: number;
  size: number;
  /** Unquoted hex MD5. */
  etag: string;
  lastModified: number;
  /** base64 checksum of the part (sent by the client or, when the upload names an algorithm, computed). */
  checksum?: string;
  checksumAlgorithm?: ChecksumAlgorithm;
}

export class Upload {
  readonly parts = new Map<number, PartMeta>();
  /** Set while CompleteMultipartUpload assembles it: other calls see it as gone. */
  completing = false;
  constructor(
    readonly meta: UploadMeta,
    readonly dir: string,
  ) {}

  partFile(partNumber: number): string {
    return path.join(this.dir, `part-${partNumber}`);
  }
}

const META_FILE = 'upload.json';

export class UploadStore {
  private readonly uploads = new Map<string, Upload>();

  constructor(readonly root: string) {}

  /** Reads the uploads left on disk; drops those of deleted buckets and those already completed. */
  load(bucketIds: Set<string>, completed: Set<string>): void {
    if (!fs.existsSync(this.root)) return;
    for (const id of fs.readdirSync(this.root)) {
      const dir = path.join(this.root, id);
      let meta: UploadMeta;
      try {
        meta = JSON.parse(fs.readFileSync(path.join(dir, META_FILE), 'utf8')) as UploadMeta;
      } catch {
        fs.rmSync(dir, { recursive: true, force: true }); // creation interrupted before it was acknowledged
        continue;
      }
      if (meta.uploadId !== id || !bucketIds.has(meta.bucketId) || completed.has(id)) {
        fs.rmSync(dir, { recursive: true, force: true });
        continue;
      }
      const upload = new Upload(meta, dir);
      for (const name of fs.readdirSync(dir)) {
        if (isTmpName(name)) fs.rmSync(path.join(dir, name), { force: true });
        else if (name.startsWith('part-')) {
          const part = tryReadHeaderSync<PartMeta>(path.join(dir, name));
          if (part) upload.parts.set(part.meta.partNumber, part.meta);
        }
      }
      this.uploads.set(id, upload);
    }
  }

  async create(fields: Omit<UploadMeta, 'uploadId' | 'initiated'>): Promise<Upload> {
    const uploadId = randomBytes(30).toString('base64url');
    const meta: UploadMeta = { ...fields, uploadId, initiated: Date.now() };
    const dir = path.join(this.root, uploadId);
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(path.join(dir, META_FILE), JSON.stringify(meta));
    const upload = new Upload(meta, dir);
    this.uploads.set(uploadId, upload);
    return upload;
  }

  /** The upload, if it exists for this bucket and key and is not being completed. */
  find(uploadId: string, bucketId: string, key: string): Upload | undefined {
    const u = this.uploads.get(uploadId);
    if (!u || u.completing || u.meta.bucketId !== bucketId || u.meta.key !== key) return undefined;
    return u;
  }

  async putPart(upload: Upload, part: PartMeta, body: Buffer | BodyWriter): Promise<void> {
    await writeDurable(upload.partFile(part.partNumber), encodeHeader(part), body);
    const newer = upload.parts.get(part.partNumber);
    if (!newer || newer.lastModified <= part.lastModified) upload.parts.set(part.partNumber, part);
  }

  /** Unfinished uploads of a bucket, by key then initiation time. */
  list(bucketId: string): Upload[] {
    return [...this.uploads.values()]
      .filter((u) => u.meta.bucketId === bucketId && !u.completing)
      .sort((a, b) => compareKeys(a.meta.key, b.meta.key) || a.meta.initiated - b.meta.initiated);
  }

  hasUploads(bucketId: string): boolean {
    for (const u of this.uploads.values()) if (u.meta.bucketId === bucketId) return true;
    return false;
  }

  async remove(upload: Upload): Promise<void> {
    this.uploads.delete(upload.meta.uploadId);
    // The metadata first: a folder without it is an upload that no longer exists.
    await fsp.rm(path.join(upload.dir, META_FILE), { force: true });
    await fsp.rm(upload.dir, { recursive: true, force: true });
  }

  async removeBucket(bucketId: string): Promise<void> {
    for (const u of [...this.uploads.values()]) if (u.meta.bucketId === bucketId) await this.remove(u);
  }
}

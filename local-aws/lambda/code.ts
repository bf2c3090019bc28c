// Function code on disk: each distinct zip is kept once (`<data>/lambda/zips/<hex>.zip`) and unpacked
// once (`<data>/lambda/code/<hex>/`, read-only use by the execution engine), named by its SHA-256.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../core/persist.ts';
import { tooLarge } from './input.ts';
import { inspectZip, MAX_ZIPPED, unpackZip, type ZipEntry } from './zip.ts';

export interface CodePackage {
  zip: Buffer;
  entries: ZipEntry[];
  /** base64 SHA-256 (AWS's CodeSha256) */
  sha256: string;
  hex: string;
  size: number;
}

/** A deployment package as the request gave it: uploaded in the request, or read from S3. */
export interface CodeInput {
  zip: Buffer;
  source: 'ZipFile' | 'S3';
}

/**
 * Checks a zip and computes its identity; throws AWS's errors. The 50 MB zipped limit is the one of
 * direct uploads; a package from S3 is bounded by the 250 MB unzipped limit only (inspectZip).
 */
export function preparePackage({ zip, source }: CodeInput): CodePackage {
  if (source === 'ZipFile' && zip.length > MAX_ZIPPED)
    throw tooLarge(`Zipped size must be smaller than ${MAX_ZIPPED} bytes`);
  const entries = inspectZip(zip);
  const digest = createHash('sha256').update(zip).digest();
  return { zip, entries, sha256: digest.toString('base64'), hex: digest.toString('hex'), size: zip.length };
}

export class CodeStore {
  private readonly unpacking = new Map<string, Promise<string>>();
  /** Saves and garbage collection take turns, so a collection never removes a zip being saved. */
  private lock: Promise<void> = Promise.resolve();

  private exclusive(work: () => Promise<void>): Promise<void> {
    const run = this.lock.then(work);
    this.lock = run.catch(() => undefined);
    return run;
  }

  constructor(private readonly root: string) {
    fs.mkdirSync(path.join(root, 'zips'), { recursive: true });
    fs.mkdirSync(path.join(root, 'code'), { recursive: true });
    // Half-unpacked folders of an interrupted run are never used: drop them.
    for (const name of fs.readdirSync(path.join(root, 'code')))
      if (name.startsWith('.')) fs.rmSync(path.join(root, 'code', name), { recursive: true, force: true });
  }

  zipFile(hex: string): string {
    return path.join(this.root, 'zips', `${hex}.zip`);
  }

  codeDir(hex: string): string {
    return path.join(this.root, 'code', hex);
  }

  /** Keeps the zip durably (needed to unpack after a restart, and for GetFunction's Code.Location). */
  save(pkg: CodePackage): Promise<void> {
    return this.exclusive(async () => {
      if (!fs.existsSync(this.zipFile(pkg.hex))) await writeFileAtomic(this.zipFile(pkg.hex), pkg.zip);
    });
  }

  isUnpacked(hex: string): boolean {
    return fs.existsSync(this.codeDir(hex));
  }

  /** Unpacks a saved zip once (concurrent callers share the work); resolves to the code folder. */
  unpack(hex: string): Promise<string> {
    const dir = this.codeDir(hex);
    if (fs.existsSync(dir)) return Promise.resolve(dir);
    let job = this.unpacking.get(hex);
    if (!job) {
      job = this.doUnpack(hex, dir).finally(() => this.unpacking.delete(hex));
      this.unpacking.set(hex, job);
    }
    return job;
  }

  private async doUnpack(hex: string, dir: string): Promise<string> {
    const zip = await fsp.readFile(this.zipFile(hex));
    const tmp = path.join(this.root, 'code', `.${hex}.${randomBytes(4).toString('hex')}`);
    try {
      await unpackZip(zip, inspectZip(zip), tmp);
      // The folder appears whole or not at all.
      await fsp.rename(tmp, dir);
    } catch (e) {
      await fsp.rm(tmp, { recursive: true, force: true });
      if (fs.existsSync(dir)) return dir;
      throw e;
    }
    return dir;
  }

  /** Removes zips and folders no function refers to any more (asked at the moment of removal). */
  gc(referenced: (hex: string) => boolean): Promise<void> {
    return this.exclusive(() => this.collect(referenced));
  }

  private async collect(referenced: (hex: string) => boolean): Promise<void> {
    for (const name of await fsp.readdir(path.join(this.root, 'zips'))) {
      const hex = name.replace(/\.zip$/, '');
      if (!name.startsWith('.') && !referenced(hex)) await fsp.rm(path.join(this.root, 'zips', name), { force: true });
    }
    for (const name of await fsp.readdir(path.join(this.root, 'code'))) {
      if (!name.startsWith('.') && !referenced(name) && !this.unpacking.has(name))
        await fsp.rm(path.join(this.root, 'code', name), { recursive: true, force: true });
    }
  }
}

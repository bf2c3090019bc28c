// Function code on disk: each distinct zip is kept once (`<data>/lambda/zips/<hex>.zip`) and unpacked
// once (`<data>/lambda/code/<hex>/`, read-only use by the execution engine), named by its SHA-256.
// Layer zips are kept the same way; a function's layers are extracted in order into one folder
// (`<data>/lambda/opt/<key>/`, its /opt), named by the list of their digests.
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

/** The name of the /opt folder of an ordered list of layer zips. */
export function optKey(hexes: string[]): string {
  return createHash('sha256').update(hexes.join('\n')).digest('hex');
}

export class CodeStore {
  private readonly unpacking = new Map<string, Promise<string>>();
  private readonly assembling = new Map<string, Promise<string>>();
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
    fs.mkdirSync(path.join(root, 'opt'), { recursive: true });
    // Half-unpacked folders of an interrupted run are never used: drop them.
    for (const folder of ['code', 'opt'])
      for (const name of fs.readdirSync(path.join(root, folder)))
        if (name.startsWith('.')) fs.rmSync(path.join(root, folder, name), { recursive: true, force: true });
  }

  zipFile(hex: string): string {
    return path.join(this.root, 'zips', `${hex}.zip`);
  }

  codeDir(hex: string): string {
    return path.join(this.root, 'code', hex);
  }

  optDir(key: string): string {
    return path.join(this.root, 'opt', key);
  }

  /** Extracts saved layer zips in order into one folder (later ones overwrite), once; resolves to it. */
  assembleOpt(hexes: string[]): Promise<string> {
    const key = optKey(hexes);
    const dir = this.optDir(key);
    if (fs.existsSync(dir)) return Promise.resolve(dir);
    let job = this.assembling.get(key);
    if (!job) {
      job = this.doAssemble(hexes, key, dir).finally(() => this.assembling.delete(key));
      this.assembling.set(key, job);
    }
    return job;
  }

  private doAssemble(hexes: string[], key: string, dir: string): Promise<string> {
    return wholeOrNothing(dir, path.join(this.root, 'opt', `.${key}`), async (tmp) => {
      await fsp.mkdir(tmp, { recursive: true });
      for (const hex of hexes) {
        const zip = await fsp.readFile(this.zipFile(hex));
        await unpackZip(zip, inspectZip(zip), tmp);
      }
    });
  }

  /** The size of a saved zip's content once extracted. */
  async unzippedSize(hex: string): Promise<number> {
    const entries = inspectZip(await fsp.readFile(this.zipFile(hex)));
    return entries.reduce((n, e) => n + e.size, 0);
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
    return wholeOrNothing(dir, path.join(this.root, 'code', `.${hex}`), (tmp) => unpackZip(zip, inspectZip(zip), tmp));
  }

  /**
   * Removes zips and folders no function (or layer version) refers to any more, and /opt folders no
   * function uses (asked at the moment of removal).
   */
  gc(referenced: (hex: string) => boolean, optUsed: (key: string) => boolean = () => false): Promise<void> {
    return this.exclusive(() => this.collect(referenced, optUsed));
  }

  private async collect(referenced: (hex: string) => boolean, optUsed: (key: string) => boolean): Promise<void> {
    for (const name of await fsp.readdir(path.join(this.root, 'opt'))) {
      if (!name.startsWith('.') && !optUsed(name) && !this.assembling.has(name))
        await fsp.rm(path.join(this.root, 'opt', name), { recursive: true, force: true });
    }
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

/**
 * Fills a scratch folder beside `dir` (`scratch` + a random suffix), then renames it to `dir`: the folder
 * appears whole or not at all. When another job made `dir` meanwhile, that one is used.
 */
async function wholeOrNothing(dir: string, scratch: string, fill: (tmp: string) => Promise<unknown>): Promise<string> {
  const tmp = `${scratch}.${randomBytes(4).toString('hex')}`;
  try {
    await fill(tmp);
    await fsp.rename(tmp, dir);
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true });
    if (fs.existsSync(dir)) return dir;
    throw e;
  }
  return dir;
}

// Durable state on disk. Every acknowledged write must survive `kill -9`: write a temporary file,
// fsync it, rename it over the old one. Appends are fsynced before they are acknowledged.
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

function tmpName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** `folderExists`: the caller made the folder: no mkdir per write on hot paths (unless it is gone). */
export async function writeFileAtomic(
  file: string,
  data: string | Buffer | Buffer[],
  folderExists = false,
): Promise<void> {
  if (!folderExists) await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = tmpName(file);
  const handle = await fsp.open(tmp, 'w', 0o600).catch(async (e: NodeJS.ErrnoException) => {
    if (!folderExists || e.code !== 'ENOENT') throw e;
    await fsp.mkdir(path.dirname(file), { recursive: true });
    return fsp.open(tmp, 'w', 0o600);
  });
  try {
    if (Array.isArray(data)) await handle.writev(data);
    else await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsp.rename(tmp, file);
}

export function writeFileAtomicSync(file: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tmpName(file);
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** Removes temporary files left by a write that was interrupted (they were never acknowledged). */
export function removeStaleTempFiles(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir)) {
    if (name.startsWith('.') && name.endsWith('.tmp')) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/**
 * A typed JSON snapshot: state in memory, saved whole and atomically. Concurrent saves coalesce,
 * and each `save()` resolves only once a write that includes the caller's change is on disk.
 */
export class JsonFile<T> {
  data: T;
  private writing: Promise<void> | undefined;
  private pending: Promise<void> | undefined;

  constructor(
    readonly file: string,
    initial: () => T,
  ) {
    removeStaleTempFiles(path.dirname(file));
    this.data = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as T) : initial();
  }

  save(): Promise<void> {
    if (this.pending) return this.pending;
    if (!this.writing) {
      this.writing = this.write().finally(() => (this.writing = undefined));
      return this.writing;
    }
    // A write is in flight with older data: queue exactly one more after it.
    this.pending = this.writing.then(() => {
      this.pending = undefined;
      this.writing = this.write().finally(() => (this.writing = undefined));
      return this.writing;
    });
    return this.pending;
  }

  private write(): Promise<void> {
    return writeFileAtomic(this.file, JSON.stringify(this.data));
  }
}

/**
 * An append-only JSON-lines file (logs, queues). Lines appended together share one fsync.
 * On load a torn last line (a crash mid-write, never acknowledged) is ignored.
 */
export class AppendLog<T> {
  private fd: number | undefined;
  private queue: Array<{ line: string; done: () => void; fail: (e: unknown) => void }> = [];
  private flushing = false;

  constructor(readonly file: string) {}

  static read<T>(file: string): T[] {
    if (!fs.existsSync(file)) return [];
    const out: T[] = [];
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as T);
      } catch {
        // torn write at the end: it was never acknowledged
      }
    }
    return out;
  }

  append(...records: T[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const line = records.map((r) => JSON.stringify(r) + '\n').join('');
    return new Promise((done, fail) => {
      this.queue.push({ line, done, fail });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          if (this.fd === undefined) {
            await fsp.mkdir(path.dirname(this.file), { recursive: true });
            this.fd = fs.openSync(this.file, 'a', 0o600);
          }
          const fd = this.fd;
          const data = batch.map((b) => b.line).join('');
          await new Promise<void>((res, rej) => fs.write(fd, data, (err) => (err ? rej(err) : res())));
          await new Promise<void>((res, rej) => fs.fsync(fd, (err) => (err ? rej(err) : res())));
          for (const b of batch) b.done();
        } catch (err) {
          for (const b of batch) b.fail(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

// Shared pieces of the Lambda control-plane tests: deployment zips built with fflate (good ones and
// hostile ones), execution roles, and polling with a deadline.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { zipSync, type Zippable } from 'fflate';

const HANDLER_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'lambda', 'handler.mjs');

export const HANDLER_SOURCE = fs.readFileSync(HANDLER_FILE, 'utf8');

/** The test handlers as `index.mjs` (handlers `index.echo`, `index.boom`, ...), plus extra files. */
export function handlerZip(extra: Record<string, string> = {}): Buffer {
  const files: Zippable = { 'index.mjs': Buffer.from(HANDLER_SOURCE) };
  for (const [name, text] of Object.entries(extra)) files[name] = Buffer.from(text);
  return Buffer.from(zipSync(files, { mtime: new Date('2024-01-01T00:00:00Z') }));
}

/** A zip with one entry whose name is taken verbatim (e.g. `../evil.js`). */
export function zipWithEntry(name: string, content = 'x'): Buffer {
  return Buffer.from(zipSync({ [name]: Buffer.from(content) }, { mtime: new Date('2024-01-01T00:00:00Z') }));
}

/** A zip of the given entries, names verbatim. */
export function zipWithEntries(entries: Record<string, string>): Buffer {
  const files: Zippable = {};
  for (const [name, text] of Object.entries(entries)) files[name] = Buffer.from(text);
  return Buffer.from(zipSync(files, { mtime: new Date('2024-01-01T00:00:00Z') }));
}

/** A zip holding index.mjs and a Unix symlink `link` -> `target`. */
export function zipWithSymlink(target: string): Buffer {
  return Buffer.from(
    zipSync({
      'index.mjs': Buffer.from(HANDLER_SOURCE),
      link: [Buffer.from(target), { os: 3, attrs: (0o120777 << 16) >>> 0 }],
    }),
  );
}

export const EC2_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

// Roles as the benches make them: one helper for both.
export { createRole, LAMBDA_TRUST } from '../../bench/lambda/kit.ts';

/** Polls `probe` until it returns a value other than undefined, or fails after `ms`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 20_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A real zip with one entry of `size` zero bytes, built from independently deflated 1 MiB chunks
 * (each ends on a byte boundary without the final bit, so they concatenate): small, fast to build.
 */
export function zeroBombZip(size: number): Buffer {
  const MiB = 1024 * 1024;
  const chunk = zlib.deflateRawSync(Buffer.alloc(MiB), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const parts: Buffer[] = [];
  let crc = 0;
  const zeros = Buffer.alloc(MiB);
  let left = size;
  while (left > 0) {
    const n = Math.min(MiB, left);
    parts.push(n === MiB ? chunk : zlib.deflateRawSync(Buffer.alloc(n), { finishFlush: zlib.constants.Z_SYNC_FLUSH }));
    crc = zlib.crc32(zeros.subarray(0, n), crc);
    left -= n;
  }
  parts.push(Buffer.from([0x03, 0x00])); // final, empty fixed-Huffman block
  const data = Buffer.concat(parts);
  const name = Buffer.from('zeros.bin');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc >>> 0, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc >>> 0, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(name.length, 28);
  const cdOffset = local.length + name.length + data.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(central.length + name.length, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, name, data, central, name, eocd]);
}

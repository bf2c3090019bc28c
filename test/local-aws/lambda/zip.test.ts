// The local Lambda's unzip, on packages that lie: the declared size bounds what is inflated.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspectZip, readEntry } from '../../../local-aws/lambda/zip.ts';
import { zipEntries } from '../../../walkthrough/lib/zip.ts';

/** Rewrites the uncompressed size of the only entry, in its local header and the central directory. */
function withDeclaredSize(zip: Buffer, size: number): Buffer {
  const out = Buffer.from(zip);
  out.writeUInt32LE(size, 22);
  const cd = out.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  out.writeUInt32LE(size, cd + 24);
  return out;
}

describe('local Lambda unzip', () => {
  it('reads back what a zip tool wrote', async () => {
    const zip = await zipEntries([
      { name: 'index.mjs', data: Buffer.from('export const handler = async () => 42;\n'.repeat(50)) },
    ]);
    const [entry] = inspectZip(zip);
    assert.equal(readEntry(zip, entry!).toString(), 'export const handler = async () => 42;\n'.repeat(50));
  });

  it('reads back big files deflated in 1 MiB pieces, and empty and incompressible files stored', async () => {
    // Compressible but not trivially (a repeating pattern would hide a piece primed wrongly).
    const big = Buffer.alloc(3 * 1024 * 1024 + 12345);
    let x = 1;
    for (let i = 0; i < big.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      big[i] = 97 + ((x >>> 16) % 8);
    }
    const noise = randomBytes(1024 * 1024 + 1);
    const files = {
      'big.txt': big,
      'empty.txt': Buffer.alloc(0),
      'noise.bin': noise,
      'exactly-one-piece.txt': big.subarray(0, 1024 * 1024),
    };
    const zip = await zipEntries(Object.entries(files).map(([name, data]) => ({ name, data })));
    const entries = inspectZip(zip);
    assert.deepEqual(
      entries.map((e) => e.path),
      Object.keys(files),
    );
    for (const e of entries) assert.ok(readEntry(zip, e).equals(files[e.path as keyof typeof files]), e.path);
    assert.deepEqual(
      entries.map((e) => e.method),
      [8, 0, 0, 8],
      'deflated, except the empty file and the noise (stored)',
    );
    assert.ok(entries[0]!.compressedSize < big.length / 2, 'the text is compressed');
    assert.ok(
      (await zipEntries([{ name: 'big.txt', data: big }])).equals(await zipEntries([{ name: 'big.txt', data: big }])),
      'same bytes every time',
    );
  });

  it(
    'stops inflating at the declared size: a small declared ' +
      'size over 10 MB of data is corrupt, not 10 MB in memory',
    async () => {
      const zip = withDeclaredSize(
        await zipEntries([{ name: 'index.mjs', data: Buffer.alloc(10 * 1024 * 1024) }]),
        100,
      );
      const [entry] = inspectZip(zip);
      assert.equal(entry!.size, 100);
      assert.throws(() => readEntry(zip, entry!), /corrupt data in index\.mjs/);
    },
  );

  it('refuses data shorter than declared, or with a wrong CRC', async () => {
    const zip = withDeclaredSize(
      await zipEntries([{ name: 'a.txt', data: Buffer.from('hello hello hello hello') }]),
      1000,
    );
    assert.throws(() => readEntry(zip, inspectZip(zip)[0]!), /corrupt data in a\.txt/);
    const crcBroken = Buffer.from(await zipEntries([{ name: 'a.txt', data: Buffer.from('hello hello hello hello') }]));
    crcBroken.writeUInt32LE(0xdeadbeef, 14);
    const cd = crcBroken.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    crcBroken.writeUInt32LE(0xdeadbeef, cd + 16);
    assert.throws(() => readEntry(crcBroken, inspectZip(crcBroken)[0]!), /corrupt data in a\.txt/);
  });
});

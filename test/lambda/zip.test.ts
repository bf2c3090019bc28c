// The local Lambda's unzip, on packages that lie: the declared size bounds what is inflated.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspectZip, readEntry } from '../../local-aws/lambda/zip.ts';
import { zipEntries } from '../../walkthrough/lib/zip.ts';

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
    const zip = await zipEntries([{ name: 'index.mjs', data: Buffer.from('export const handler = async () => 42;\n'.repeat(50)) }]);
    const [entry] = inspectZip(zip);
    assert.equal(readEntry(zip, entry!).toString(), 'export const handler = async () => 42;\n'.repeat(50));
  });

  it('stops inflating at the declared size: a small declared size over 10 MB of data is corrupt, not 10 MB in memory', async () => {
    const zip = withDeclaredSize(await zipEntries([{ name: 'index.mjs', data: Buffer.alloc(10 * 1024 * 1024) }]), 100);
    const [entry] = inspectZip(zip);
    assert.equal(entry!.size, 100);
    assert.throws(() => readEntry(zip, entry!), /corrupt data in index\.mjs/);
  });

  it('refuses data shorter than declared, or with a wrong CRC', async () => {
    const zip = withDeclaredSize(await zipEntries([{ name: 'a.txt', data: Buffer.from('hello hello hello hello') }]), 1000);
    assert.throws(() => readEntry(zip, inspectZip(zip)[0]!), /corrupt data in a\.txt/);
    const crcBroken = Buffer.from(await zipEntries([{ name: 'a.txt', data: Buffer.from('hello hello hello hello') }]));
    crcBroken.writeUInt32LE(0xdeadbeef, 14);
    const cd = crcBroken.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    crcBroken.writeUInt32LE(0xdeadbeef, cd + 16);
    assert.throws(() => readEntry(crcBroken, inspectZip(crcBroken)[0]!), /corrupt data in a\.txt/);
  });
});

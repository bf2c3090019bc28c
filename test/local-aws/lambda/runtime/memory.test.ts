// The watchdog's memory reader: one open /proc/<pid>/status, re-read for every sample.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { MemoryReader, readMemory } from '../../../../local-aws/lambda/runtime/memory.ts';

const linux = process.platform === 'linux';

/** A child that touches 200 MB when told to, and says so. */
const GROWER = `
process.stdin.once('data', () => {
  globalThis.keep = Buffer.alloc(200 * 1024 * 1024, 1);
  process.stdout.write('grown\\n');
});
process.stdout.write('ready\\n');
`;

describe('MemoryReader', { skip: !linux && 'needs /proc' }, () => {
  it('sees a process grow between two reads of the same open file, as readMemory does', async () => {
    const child = spawn(process.execPath, ['-e', GROWER], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = child.stdout.setEncoding('utf8');
    await once(lines, 'data');
    const reader = new MemoryReader(child.pid!);
    try {
      const before = reader.read();
      assert.ok(before && before.rssKb > 0 && before.hwmKb >= before.rssKb);
      child.stdin.write('grow\n');
      await once(lines, 'data');
      const after = reader.read();
      assert.ok(after, 'a sample after growing');
      assert.ok(after.rssKb > before.rssKb + 150 * 1024, `rss ${before.rssKb} -> ${after.rssKb} kB`);
      assert.ok(after.hwmKb >= after.rssKb);
      const fresh = readMemory(child.pid!);
      assert.ok(fresh && Math.abs(fresh.hwmKb - after.hwmKb) < 50 * 1024);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'close');
    }
    // Reaped: the open file now names no process, and the reader says so rather than throwing.
    assert.equal(reader.read(), undefined);
    reader.close();
  });

  it('answers undefined for a process that does not exist', () => {
    const reader = new MemoryReader(2 ** 22 + 1);
    assert.equal(reader.read(), undefined);
    reader.close();
  });
});

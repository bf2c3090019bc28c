// The async queue's files: events queued together share a file (group commit), a file goes when
// none of its events is pending, a graceful stop keeps only pending events, and an event stored
// twice (a retry) is loaded once, with its later attempts.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { QueuedEvent } from '../../../local-aws/lambda/model.ts';
import { QueueFiles } from '../../../local-aws/lambda/queue-files.ts';
import { tempDir } from '../../support/local-aws.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function queueDir(): string {
  const dir = tempDir('queue-files-');
  dirs.push(dir);
  return dir;
}

function event(id: string, attempts = 0): QueuedEvent {
  return {
    id,
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
    invokedArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
    payload: JSON.stringify({ id }),
    enqueuedAt: Date.now(),
    attempts,
    serviceFailures: 0,
    notBefore: 0,
  };
}

const jsonFiles = (dir: string) => fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
const loadedIds = (dir: string) =>
  new QueueFiles(dir)
    .load()
    .map((e) => e.ev.id)
    .sort();

describe('async queue files', () => {
  it('writes events queued at once into fewer files, all on disk when acknowledged', async () => {
    const dir = queueDir();
    const files = new QueueFiles(dir);
    const ids = Array.from({ length: 20 }, (_, i) => `e${String(i).padStart(2, '0')}`);
    const held = await Promise.all(ids.map((id) => files.add(event(id))));
    assert.ok(jsonFiles(dir).length < ids.length, `${jsonFiles(dir).length} files for ${ids.length} events`);
    assert.deepEqual(loadedIds(dir), ids);
    // Done events leave; the last one of a file removes it.
    await Promise.all(held.map((f, i) => files.release(f, ids[i]!)));
    assert.deepEqual(jsonFiles(dir), []);
  });

  it('a graceful stop keeps only the pending events of a partly done file', async () => {
    const dir = queueDir();
    const files = new QueueFiles(dir);
    // x starts a write; y and z, queued meanwhile, share the next file.
    const [x, y, z] = await Promise.all(['x', 'y', 'z'].map((id) => files.add(event(id))));
    assert.equal(y, z);
    await files.release(x!, 'x');
    await files.release(y!, 'y');
    assert.deepEqual(loadedIds(dir), ['y', 'z']); // after a crash, y would run again
    files.compact();
    assert.deepEqual(loadedIds(dir), ['z']);
  });

  it('loads an event stored twice once, with its later attempts', async () => {
    const dir = queueDir();
    const files = new QueueFiles(dir);
    await files.add(event('r', 0));
    await files.add(event('r', 1)); // a retry stored anew; the old file not yet let go (a crash)
    const loaded = new QueueFiles(dir).load();
    assert.equal(loaded.length, 1);
    assert.equal(loaded[0]!.ev.attempts, 1);
  });
});

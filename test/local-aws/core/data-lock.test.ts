// The data-folder lock after `kill -9` of the endpoint: a holder that is dead, a zombie (killed, not
// yet reaped by its parent) or another process with a reused pid does not keep the folder.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lockDataFolder, processAlive } from '../../../local-aws/core/data-lock.ts';
import { freePort, localCli, tempDir } from '../../support/local-aws.ts';

const CLI = path.resolve('local-aws/cli.ts');
const TSX = import.meta.resolve('tsx');

function state(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

describe('data folder lock', { skip: !fs.existsSync('/proc/self/stat') && 'needs /proc (Linux)' }, () => {
  const dir = tempDir('data-lock-');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('npm run local:start works while the killed endpoint is still a zombie', async () => {
    const data = path.join(dir, 'zombie');
    const env = { LOCAL_AWS_PORT: String(await freePort()), LOCAL_AWS_DATA: data };
    // The endpoint's parent is `sleep`, which never waits for it: once killed, it stays a zombie.
    const parent = spawn(
      'sh',
      ['-c', `(exec "$0" --import "$1" "$2" serve) & exec sleep 60`, process.execPath, TSX, CLI],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    parent.stdout.on('data', (d: Buffer) => (out += d));
    parent.stderr.on('data', (d: Buffer) => (out += d));
    try {
      const pid = await until('the endpoint to start', () => {
        const m = /listening on .*pid (\d+)\)/.exec(out);
        return m ? Number(m[1]) : undefined;
      });
      assert.equal(fs.readFileSync(path.join(data, 'server.lock'), 'utf8').split(' ')[0], String(pid));
      process.kill(pid, 'SIGKILL');
      await until('the killed endpoint to be a zombie', () => (state(pid) === 'Z' ? true : undefined));
      assert.doesNotThrow(() => process.kill(pid, 0), 'kill(pid, 0) still succeeds for the zombie');
      assert.equal(processAlive(pid), false);

      const started = await localCli(['start'], env);
      assert.equal(started.code, 0, started.out);
      assert.match(started.out, /started at/);
      assert.equal(state(pid), 'Z', 'the old endpoint was still a zombie while the new one started');
    } finally {
      await localCli(['stop'], env);
      parent.kill('SIGKILL');
    }
  });

  it('a lock naming a running process refuses; the same pid with another start time is stale', () => {
    const data = path.join(dir, 'reused');
    fs.mkdirSync(data);
    const lock = path.join(data, 'server.lock');
    fs.writeFileSync(lock, `${process.pid}\n`);
    assert.throws(() => lockDataFolder(data), /Another local endpoint \(pid \d+\) uses the data folder/);
    // This process's pid, but a start time it does not have: a process that is gone, its pid reused.
    fs.writeFileSync(lock, `${process.pid} 1\n`);
    const release = lockDataFolder(data);
    assert.match(fs.readFileSync(lock, 'utf8'), new RegExp(`^${process.pid} \\d+\\n$`));
    release();
    assert.equal(fs.existsSync(lock), false);
  });
});

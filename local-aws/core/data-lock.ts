// One endpoint per data folder: two servers writing the same files would corrupt each other's state.
import * as fs from 'node:fs';
import * as path from 'node:path';

export class DataFolderInUse extends Error {}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `<dir>/server.lock` for this process; a lock left by a dead process is taken over. */
export function lockDataFolder(dir: string): () => void {
  const file = path.join(dir, 'server.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        fs.rmSync(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder))
        throw new DataFolderInUse(
          `Another local endpoint (pid ${holder}) uses the data folder ${dir}. ` +
            'Stop it (npm run local:stop), or give this one its own folder with LOCAL_AWS_DATA.',
        );
      fs.rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new DataFolderInUse(`Could not take the lock ${file}.`);
}

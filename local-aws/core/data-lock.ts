// One endpoint per data folder: two servers writing the same files would corrupt each other's state.
// Node has no flock, so the lock is a file naming its holder; a holder counts only while it runs:
// kill(pid, 0) alone also succeeds for a zombie (killed, not yet reaped by its parent) and for an
// unrelated process that got the pid later, so on Linux /proc tells the state and the start time.
import * as fs from 'node:fs';
import * as path from 'node:path';

export class DataFolderInUse extends Error {}

interface ProcStat {
  state: string;
  /** Clock ticks after boot: with the pid, identifies one process for good. */
  startTime: string;
}

/** State and start time from `/proc/<pid>/stat`; undefined without /proc or when the process is gone. */
function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0]!, startTime: fields[19]! };
}

const HAS_PROC = fs.existsSync('/proc/self/stat');

/**
 * Whether a process with this pid runs (EPERM: it does, owned by someone else). A zombie or dead
 * process does not; with `startTime` (from the lock) neither does a later process with the same pid.
 */
export function processAlive(pid: number, startTime?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!HAS_PROC) return true;
  const stat = procStat(pid);
  if (!stat) return false;
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return startTime === undefined || stat.startTime === startTime;
}

/** The lock's text: pid, and on Linux the start time that tells this process from a later one with its pid. */
function lockText(): string {
  const start = procStat(process.pid)?.startTime;
  return start ? `${process.pid} ${start}\n` : `${process.pid}\n`;
}

/** Takes `<dir>/server.lock` for this process; a lock left by a dead or zombie process is taken over. */
export function lockDataFolder(dir: string): () => void {
  const file = path.join(dir, 'server.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, lockText(), { flag: 'wx', mode: 0o600 });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        fs.rmSync(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
        throw err;
      }
      const [pidText, startTime] = text.trim().split(/\s+/);
      const holder = Number(pidText);
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder, startTime))
        throw new DataFolderInUse(
          `Another local endpoint (pid ${holder}) uses the data folder ${dir}. ` +
            'Stop it (npm run local:stop), or give this one its own folder with LOCAL_AWS_DATA.',
        );
      fs.rmSync(file, { force: true }); // stale: its process is gone, a zombie, or another one
    }
  }
  throw new DataFolderInUse(`Could not take the lock ${file}.`);
}

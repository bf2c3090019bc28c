// Runs one command with `/bin/sh -c -- <command>` (`--`: a command starting with a dash is not an
// option of sh), its stdout and stderr written straight into files (any size, any bytes, no memory
// held), in a process group of its own so a timeout kills all it started.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CommandRun {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  stdoutFile: string;
  stderrFile: string;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is already gone
  }
}

/** Runs `command` in `dir` (stdin is /dev/null); kills it and its process group after `timeoutMs`. */
export async function runCommand(
  command: string,
  opts: { dir: string; timeoutMs: number; cwd?: string },
): Promise<CommandRun> {
  const stdoutFile = path.join(opts.dir, 'stdout');
  const stderrFile = path.join(opts.dir, 'stderr');
  const out = fs.openSync(stdoutFile, 'w');
  const err = fs.openSync(stderrFile, 'w');
  const started = performance.now();
  try {
    const child = spawn('/bin/sh', ['-c', '--', command], {
      cwd: opts.cwd,
      stdio: ['ignore', out, err],
      // Its own process group: `sleep 100 | cat` or `cmd &` are killed as a whole.
      detached: true,
    });
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        killGroup(child.pid);
      },
      Math.max(0, opts.timeoutMs),
    );
    const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    clearTimeout(timer);
    // What it left running in the background would be frozen with the environment and write into
    // the next invocation's time: end it now.
    killGroup(child.pid);
    return {
      exitCode: exit.code,
      signal: exit.signal,
      timedOut,
      durationMs: Math.round(performance.now() - started),
      stdoutFile,
      stderrFile,
    };
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
  }
}

// Runs the walkthrough's scripts as a user would (`npx tsx walkthrough/...`), in a scratch folder
// of their own, against a given endpoint.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AWS_CLI, ROOT } from './local-aws.ts';
import { tempDir } from './temp.ts';

export const PROJECT = fileURLToPath(new URL('../../', import.meta.url));

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Environment for the scripts: nothing of the developer's AWS setup leaks in. */
export function scriptEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    FORCE_COLOR: '0',
    NO_COLOR: '1',
    // Packages are built once in the project's build/ folder and reused by every test.
    WALKTHROUGH_BUILD_DIR: path.join(PROJECT, 'build'),
    ...extra,
  };
}

/** Settings that point the walkthrough at a test server. */
export function endpointEnv(url: string): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: ROOT.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ROOT.secretAccessKey,
    AWS_REGION: 'us-east-1',
  };
}

export function runScript(
  script: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; onOutput?: (text: string, kill: () => void) => void },
): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), path.join(PROJECT, 'walkthrough', script), ...args],
      {
        cwd: opts.cwd,
        env: opts.env,
      },
    );
    let stdout = '';
    let stderr = '';
    const kill = () => child.kill('SIGKILL');
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      opts.onOutput?.(stdout, kill);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr }));
  });
}

/** Lines a step reported with the given outcome mark (e.g. "+ created"). */
export function reported(
  output: string,
  mark: 'created' | 'changed' | 'removed' | 'found' | 'same' | 'gone' | 'kept' | 'would',
): string[] {
  const sign =
    mark === 'created'
      ? '+'
      : mark === 'removed' || mark === 'gone'
        ? '-'
        : mark === 'changed'
          ? '~'
          : mark === 'would'
            ? '?'
            : '=';
  return output.split('\n').filter((l) => l.trimStart().startsWith(`${sign} ${mark}`));
}

let cliBin: string | undefined;
/** A folder whose `aws` is the aws-cli under test, for PATH: printed commands say `aws`, also inside `$(...)`. */
function awsCliBin(): string {
  if (cliBin) return cliBin;
  cliBin = tempDir('aws-cli-bin-');
  fs.symlinkSync(path.resolve(AWS_CLI), path.join(cliBin, 'aws'));
  return cliBin;
}

/**
 * Runs aws-cli commands exactly as a script printed them, one after the other in one shell (as pasted into a
 * terminal: a variable one sets, such as LAYER_ARN, is there for the next), with the aws-cli under test; fails
 * at the first that fails, with the shell's trace and its stderr.
 */
export async function runAsPrinted(
  commands: string | string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<void> {
  const script = ['set -ex', ...(Array.isArray(commands) ? commands : [commands])].join('\n');
  const PATH = `${awsCliBin()}${path.delimiter}${opts.env.PATH ?? process.env.PATH ?? ''}`;
  const env = { ...opts.env, PATH, AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1' };
  await promisify(execFile)('sh', ['-c', script], { cwd: opts.cwd, env }).catch((e: { stderr?: string }) => {
    throw new Error(`${script}\n${e.stderr}`);
  });
}

/** A script's exit code and output, for assertion messages. */
export function said(r: ScriptResult): string {
  return `exit ${r.code}\n${r.stdout}\n${r.stderr}`;
}

/** A long-running script (`npm run dev`): its output so far, and waits on it with deadlines. */
export interface RunningScript {
  child: ChildProcess;
  output(): string;
  /**
   * Resolves with the output from `from` on, once a line there matches `pattern`; rejects at the
   * deadline or when the script exits first, with what it printed.
   */
  waitFor(pattern: RegExp, deadlineMs: number, from?: number): Promise<string>;
  /** Resolves with the exit code once the script has exited (128 + n for a signal). */
  exited: Promise<number>;
}

export function startScript(
  script: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): RunningScript {
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), path.join(PROJECT, 'walkthrough', script), ...args],
    { cwd: opts.cwd, env: opts.env },
  );
  let out = '';
  const listeners = new Set<() => void>();
  const heard = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout.on('data', heard);
  child.stderr.on('data', heard);
  const exited = new Promise<number>((resolve) =>
    child.on('close', (code, signal) => {
      for (const l of listeners) l();
      resolve(code ?? (signal ? 128 : -1));
    }),
  );
  const waitFor = (pattern: RegExp, deadlineMs: number, from = 0) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const text = out.slice(from);
        if (pattern.test(text)) return finish(() => resolve(text));
        if (child.exitCode !== null || child.signalCode !== null)
          finish(() => reject(new Error(`${script} exited before printing ${pattern}:\n${out}`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`no ${pattern} within ${deadlineMs / 1000} s:\n${out}`))),
        deadlineMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        listeners.delete(check);
        settle();
      };
      listeners.add(check);
      check();
    });
  return { child, output: () => out, waitFor, exited };
}

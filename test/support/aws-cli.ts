// Finding the aws-cli the tests drive: `AWS_CLI` (a path, or a name looked up on PATH), else `aws` on
// PATH; an `AWS_CLI` that names no file counts as absent. Without it, aws-cli tests are skipped with a
// reason starting "aws-cli not found" (counted once for the whole run by `aws-cli-reporter.mjs`), unless
// REQUIRE_AWS_CLI=1 (CI), where a missing aws-cli is a failure.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const INSTALL_HINT = 'install it with `apt-get install awscli` (or set AWS_CLI to its path)';

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The pyenv versions a shim would pick: PYENV_VERSION, else the nearest .python-version, else the global one. */
function pyenvVersions(root: string, env: NodeJS.ProcessEnv): string[] {
  const read = (file: string) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  };
  let text = env.PYENV_VERSION;
  for (let dir = process.cwd(); text === undefined; dir = path.dirname(dir)) {
    text = read(path.join(dir, '.python-version'));
    if (dir === path.dirname(dir)) break;
  }
  text ??= read(path.join(root, 'version'));
  return (text ?? '').split(/[\s:]+/).filter((v) => v && v !== 'system');
}

/**
 * A pyenv shim is a shell script that starts pyenv to find the real program: ~0.4 s of CPU on every
 * command, a third of an aws-cli v1 call. The tests run the program the shim would have run; anything
 * unusual (no such version, `system`) keeps the shim.
 */
function withoutPyenvShim(file: string, env: NodeJS.ProcessEnv): string {
  const shims = path.dirname(file);
  if (path.basename(shims) !== 'shims') return file;
  const root = env.PYENV_ROOT || path.dirname(shims);
  for (const version of pyenvVersions(root, env)) {
    const real = path.join(root, 'versions', version, 'bin', path.basename(file));
    if (executable(real)) return real;
  }
  return file;
}

/** The aws-cli's path, or undefined when there is none. */
export function findAwsCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const wanted = env.AWS_CLI || 'aws';
  if (wanted.includes('/')) return executable(wanted) ? withoutPyenvShim(wanted, env) : undefined;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir || '.', wanted);
    if (dir && executable(candidate)) return withoutPyenvShim(candidate, env);
  }
  return undefined;
}

export function awsCliRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.REQUIRE_AWS_CLI === '1' || env.REQUIRE_AWS_CLI === 'true';
}

const FOUND = findAwsCli();
/** The aws-cli under test (`aws` when there is none: then its tests are skipped). */
export const AWS_CLI = FOUND ?? 'aws';
export const HAS_AWS_CLI = FOUND !== undefined;

/**
 * The `skip` option of a test or suite that needs the aws-cli: false when it is there; else the reason
 * (the reporter counts skips by its first words); throws under REQUIRE_AWS_CLI=1, failing the file.
 */
export function needsAwsCli(what: string): string | false {
  if (FOUND) return false;
  const named = process.env.AWS_CLI ? `AWS_CLI=${process.env.AWS_CLI}` : '`aws` on PATH';
  if (awsCliRequired())
    throw new Error(`REQUIRE_AWS_CLI=1 but there is no aws-cli (${named}): ${INSTALL_HINT}. Needed by: ${what}`);
  return `aws-cli not found (${named}): ${INSTALL_HINT}`;
}

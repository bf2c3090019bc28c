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

/** The aws-cli's path, or undefined when there is none. */
export function findAwsCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const wanted = env.AWS_CLI || 'aws';
  if (wanted.includes('/')) return executable(wanted) ? wanted : undefined;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir || '.', wanted);
    if (dir && executable(candidate)) return candidate;
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

// Runs one test file as `npm test` runs it (spec reporter on stdout, the skip-counting reporter on
// stderr), as a test run of its own: for tests of the suite's own rules.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export interface TestRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runTestFile(file: string, env: NodeJS.ProcessEnv): Promise<TestRun> {
  const args = ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-reporter-destination=stdout'];
  args.push('--test-reporter=./test/support/aws-cli-reporter.mjs', '--test-reporter-destination=stderr', file);
  // NODE_TEST_CONTEXT unset: the child is a test run of its own, not a file of the calling one.
  return promisify(execFile)(process.execPath, args, { env: { ...process.env, NODE_TEST_CONTEXT: undefined, ...env } })
    .then((r) => ({ code: 0, ...r }))
    .catch((e: TestRun) => e);
}

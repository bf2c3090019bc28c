// The suite's own rules for the aws-cli it drives: found as AWS_CLI or `aws` on PATH (a pyenv shim is
// read through to the program it runs); without one its tests are skipped and counted once, loudly;
// with REQUIRE_AWS_CLI=1 a missing aws-cli fails the run.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findAwsCli } from './support/aws-cli.ts';
import { tempDir } from './support/temp.ts';
import { runTestFile } from './support/test-run.ts';

function fakeProgram(file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '#!/bin/sh\necho fake\n', { mode: 0o755 });
  return file;
}

describe('finding the aws-cli', () => {
  it('takes AWS_CLI, else `aws` on PATH; an AWS_CLI naming no file is none', () => {
    const dir = tempDir('cli-find-');
    const onPath = fakeProgram(path.join(dir, 'bin', 'aws'));
    const named = fakeProgram(path.join(dir, 'other', 'my-aws'));
    assert.equal(findAwsCli({ PATH: `/nonexistent:${path.dirname(onPath)}` }), onPath);
    assert.equal(findAwsCli({ PATH: path.dirname(onPath), AWS_CLI: named }), named);
    assert.equal(findAwsCli({ PATH: path.dirname(onPath), AWS_CLI: '/nonexistent/aws' }), undefined);
    assert.equal(findAwsCli({ PATH: '/nonexistent' }), undefined);
  });

  it('reads a pyenv shim through to the version it would run, and keeps it when it cannot', () => {
    const root = tempDir('pyenv-');
    const shim = fakeProgram(path.join(root, 'shims', 'aws'));
    const real = fakeProgram(path.join(root, 'versions', '3.11.7', 'bin', 'aws'));
    const env = { PATH: path.dirname(shim), PYENV_ROOT: root };
    assert.equal(findAwsCli({ ...env, PYENV_VERSION: '3.11.7' }), real);
    fs.writeFileSync(path.join(root, 'version'), '3.11.7\n');
    assert.equal(findAwsCli(env), real, 'the global version file');
    assert.equal(findAwsCli({ ...env, PYENV_VERSION: 'system' }), shim);
    assert.equal(findAwsCli({ ...env, PYENV_VERSION: '2.7.18' }), shim, 'a version without the aws-cli');
  });
});

describe('a run without the aws-cli', () => {
  // A small file whose suite needs the aws-cli, run as npm test runs it, beside the counting reporter.
  const run = (extra: NodeJS.ProcessEnv) =>
    runTestFile('test/local-aws/s3/cli.test.ts', { AWS_CLI: '/nonexistent/aws', REQUIRE_AWS_CLI: '', ...extra });

  it('passes, saying once how many aws-cli tests were skipped and how to install it', async () => {
    const r = await run({});
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /!! 1 aws-cli test\(s\) or suite\(s\) SKIPPED: aws-cli not found .*apt-get install awscli/);
  });

  it('fails under REQUIRE_AWS_CLI=1', async () => {
    const r = await run({ REQUIRE_AWS_CLI: '1' });
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /REQUIRE_AWS_CLI=1 but there is no aws-cli/);
  });
});

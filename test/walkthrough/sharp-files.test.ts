// Where the package's sharp comes from: on a machine of Lambda's platform it is copied from the
// project's node_modules, and that gives the very bytes (the same CodeSha256) npm's install for Lambda
// gives; elsewhere npm installs it (test/walkthrough/package.test.ts builds for the other CPU).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fitsLambda, hostIsLambdaPlatform, installedSharp } from '../../walkthrough/lib/sharp-files.ts';
import { tempDir } from '../support/local-aws.ts';
import { PROJECT } from '../support/walkthrough.ts';

const cpu = process.arch === 'arm64' ? 'arm64' : 'x64';
const architecture = cpu === 'arm64' ? 'arm64' : 'x86_64';
const onLambdaPlatform = hostIsLambdaPlatform(cpu);

describe('sharp for the package', () => {
  let build: string;
  let previous: string | undefined;
  before(() => {
    build = tempDir('sharp-files-');
    previous = process.env.WALKTHROUGH_BUILD_DIR;
    process.env.WALKTHROUGH_BUILD_DIR = build;
  });
  after(() => {
    if (previous === undefined) delete process.env.WALKTHROUGH_BUILD_DIR;
    else process.env.WALKTHROUGH_BUILD_DIR = previous;
    fs.rmSync(build, { recursive: true, force: true });
  });

  it("npm's os/cpu/libc rules, for Lambda's platform", () => {
    assert.ok(fitsLambda({}, 'x64'));
    assert.ok(fitsLambda({ os: ['linux'], cpu: ['x64'], libc: ['glibc'] }, 'x64'));
    assert.ok(!fitsLambda({ os: ['linux'], cpu: ['arm64'], libc: ['glibc'] }, 'x64'));
    assert.ok(!fitsLambda({ os: ['linux'], cpu: ['x64'], libc: ['musl'] }, 'x64'));
    assert.ok(!fitsLambda({ os: ['darwin'] }, 'x64'));
    assert.ok(!fitsLambda({ os: ['!linux'] }, 'x64'));
    assert.ok(fitsLambda({ os: ['!win32'] }, 'x64'));
  });

  it(
    'the copied packages are sharp, its dependencies and its native packages for this platform only',
    {
      skip: !onLambdaPlatform && "this machine is not of Lambda's platform (linux, glibc)",
    },
    () => {
      const names = [...installedSharp(PROJECT, cpu)!.keys()].sort();
      assert.ok(names.includes('sharp') && names.includes('semver') && names.includes('detect-libc'), names.join());
      assert.ok(names.includes(`@img/sharp-linux-${cpu}`) && names.includes(`@img/sharp-libvips-linux-${cpu}`));
      assert.ok(!names.some((n) => /musl|darwin|win32|wasm/.test(n)), names.join());
    },
  );

  it(
    'copying from node_modules gives the same layer zip, byte for byte, as npm installing for Lambda',
    {
      skip: !onLambdaPlatform && "this machine is not of Lambda's platform (linux, glibc)",
    },
    async () => {
      const { buildLayer } = await import('../../walkthrough/lib/package.ts');
      const logs: string[] = [];
      const copied = await buildLayer(architecture, { log: (l) => logs.push(l), sharpFrom: 'auto' });
      assert.ok(
        logs.some((l) => l.startsWith('copy sharp')),
        `auto copies on this platform: ${logs.join('; ')}`,
      );
      const copiedZip = fs.readFileSync(copied.zipPath);
      const installed = await buildLayer(architecture, { log: (l) => logs.push(l), sharpFrom: 'npm' });
      assert.ok(logs.some((l) => l.startsWith('install sharp')));
      assert.equal(path.dirname(installed.zipPath), build);
      assert.equal(installed.codeSha256, copied.codeSha256);
      assert.ok(fs.readFileSync(installed.zipPath).equals(copiedZip));
    },
  );
});

// The deployment package as step 4 builds it, for the other architecture than the tests' default:
// sharp's native packages for linux-arm64 (whatever this machine is), and the same bytes (the same
// CodeSha256) from two builds in fresh folders, so Lambda sees no change when nothing changed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { startTestServer, tempDir, type TestServer } from '../support/local-aws.ts';
import { endpointEnv, PROJECT, reported, runScript, scriptEnv } from '../support/walkthrough.ts';

let server: TestServer;
let cwd: string;
const builds: string[] = [];

before(async () => {
  server = await startTestServer();
  cwd = tempDir('package-');
});
after(async () => {
  await server.stopAndRemove();
  for (const dir of [cwd, ...builds]) fs.rmSync(dir, { recursive: true, force: true });
});

async function buildArm64(
  build = tempDir('build-arm64-'),
  extra: NodeJS.ProcessEnv = {},
): Promise<{ sha: string; zip: Buffer; stdout: string }> {
  builds.push(build);
  const env = scriptEnv({ ...endpointEnv(server.url), WALKTHROUGH_BUILD_DIR: build, ...extra });
  const r = await runScript('30-package.ts', ['--architecture', 'arm64'], { cwd, env });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const line = reported(r.stdout, 'created').find((l) => l.includes('resize-arm64.zip'));
  const sha = line && /CodeSha256 ([A-Za-z0-9+/=]{44})/.exec(line)?.[1];
  assert.ok(sha, r.stdout);
  return { sha, zip: fs.readFileSync(path.join(build, 'resize-arm64.zip')), stdout: r.stdout };
}

describe('deployment package for arm64', () => {
  it("holds sharp for linux-arm64 (not this machine's), and two fresh builds give the same bytes", async () => {
    const first = await buildArm64();
    const names = Object.keys(
      unzipSync(first.zip, { filter: (f) => !f.name.endsWith('/') && f.size >= 0 && !/\.so|\.node$/.test(f.name) }),
    );
    assert.ok(names.includes('index.mjs'));
    assert.ok(
      names.includes('node_modules/@img/sharp-linux-arm64/package.json'),
      names.filter((n) => n.includes('@img')).join('\n'),
    );
    assert.ok(names.includes('node_modules/@img/sharp-libvips-linux-arm64/package.json'));
    assert.ok(
      !names.some((n) => n.includes('sharp-linux-x64') || n.includes('sharp-libvips-linux-x64')),
      'no x64 binaries',
    );
    assert.ok(!names.some((n) => n.startsWith('node_modules/@aws-sdk/')), 'the SDK is left to the runtime');
    // sharp's dependencies at this project's installed versions, not the newest in their ranges.
    const files = unzipSync(first.zip, {
      filter: (f) => /^node_modules\/(semver|detect-libc|@img\/colour)\/package\.json$/.test(f.name),
    });
    const installed = (name: string) =>
      (JSON.parse(fs.readFileSync(path.join('node_modules', name, 'package.json'), 'utf8')) as { version: string })
        .version;
    for (const name of ['semver', 'detect-libc', '@img/colour']) {
      const packaged = files[`node_modules/${name}/package.json`];
      assert.ok(packaged, `${name} is in the package`);
      assert.equal(
        (JSON.parse(Buffer.from(packaged).toString('utf8')) as { version: string }).version,
        installed(name),
        name,
      );
    }
    const manifest = JSON.parse(
      Buffer.from(unzipSync(first.zip, { filter: (f) => f.name === 'package.json' })['package.json']!).toString('utf8'),
    ) as { overrides: Record<string, string> };
    assert.equal(manifest.overrides.semver, installed('semver'));
    const second = await buildArm64();
    assert.equal(second.sha, first.sha);
    assert.ok(second.zip.equals(first.zip));
  });

  const reuse = "a change to the handler alone reuses the last zip's sharp (no npm install): a fresh build's bytes";
  it(reuse, async () => {
    const handler = path.join(tempDir('package-handler-'), 'resize');
    fs.cpSync(path.join(PROJECT, 'handlers', 'resize'), handler, { recursive: true });
    const extra = { WALKTHROUGH_HANDLER_DIR: handler };
    const build = tempDir('build-arm64-');
    const before = await buildArm64(build, extra);
    const config = path.join(handler, 'config.ts');
    fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('DEFAULT_WIDTH = 200', 'DEFAULT_WIDTH = 201'));
    const quick = await buildArm64(build, extra);
    assert.match(quick.stdout, /as in the last package \(same dependencies\): only the bundle is new/);
    assert.doesNotMatch(quick.stdout, /install sharp/);
    assert.notEqual(quick.sha, before.sha, 'the new bundle is in it');
    const fresh = await buildArm64(tempDir('build-arm64-'), extra);
    assert.match(fresh.stdout, /install sharp/);
    assert.equal(fresh.sha, quick.sha);
    assert.ok(fresh.zip.equals(quick.zip));
  });
});

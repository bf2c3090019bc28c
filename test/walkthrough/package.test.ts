// The deployment packages as step 4 builds them, for the other architecture than the tests' default:
// the sharp layer holds sharp's native packages for linux-arm64 (whatever this machine is) under
// nodejs/node_modules, the function zip only the handler bundle; two builds in fresh folders give the
// same bytes (the same CodeSha256), so Lambda sees no change when nothing changed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { startTestServer, tempDir, type TestServer } from '../support/local-aws.ts';
import { endpointEnv, reported, runScript, scriptEnv } from '../support/walkthrough.ts';

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

interface Built {
  sha: string;
  layerSha: string;
  zip: Buffer;
  layer: Buffer;
}

async function buildArm64(): Promise<Built> {
  const build = tempDir('build-arm64-');
  builds.push(build);
  const env = scriptEnv({ ...endpointEnv(server.url), WALKTHROUGH_BUILD_DIR: build });
  const r = await runScript('30-package.ts', ['--architecture', 'arm64'], { cwd, env });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const shaOf = (file: string) => {
    const line = reported(r.stdout, 'created').find((l) => l.includes(file));
    const sha = line && /CodeSha256 ([A-Za-z0-9+/=]{44})/.exec(line)?.[1];
    assert.ok(sha, r.stdout);
    return sha;
  };
  return {
    sha: shaOf('resize-arm64.zip'),
    layerSha: shaOf('sharp-layer-arm64.zip'),
    zip: fs.readFileSync(path.join(build, 'resize-arm64.zip')),
    layer: fs.readFileSync(path.join(build, 'sharp-layer-arm64.zip')),
  };
}

const namesIn = (zip: Buffer) =>
  Object.keys(unzipSync(zip, { filter: (f) => !f.name.endsWith('/') && f.size >= 0 && !/\.so|\.node$/.test(f.name) }));

describe('deployment packages for arm64', () => {
  const title = "put sharp for linux-arm64 (not this machine's) in the layer, and two fresh builds give the same bytes";
  it(title, async () => {
    const first = await buildArm64();
    assert.deepEqual(namesIn(first.zip).sort(), ['index.mjs', 'package.json'], 'the function zip is the bundle only');
    assert.ok(first.zip.length < 100_000, `function zip ${first.zip.length} bytes`);
    const names = namesIn(first.layer);
    const modules = 'nodejs/node_modules';
    assert.ok(
      names.includes(`${modules}/@img/sharp-linux-arm64/package.json`),
      names.filter((n) => n.includes('@img')).join('\n'),
    );
    assert.ok(names.includes(`${modules}/@img/sharp-libvips-linux-arm64/package.json`));
    assert.ok(names.includes(`${modules}/sharp/package.json`));
    assert.ok(
      !names.some((n) => n.includes('sharp-linux-x64') || n.includes('sharp-libvips-linux-x64')),
      'no x64 binaries',
    );
    assert.ok(!names.some((n) => n.includes('/@aws-sdk/')), 'the SDK is left to the runtime');
    // sharp's dependencies at this project's installed versions, not the newest in their ranges.
    const files = unzipSync(first.layer, {
      filter: (f) => /^nodejs\/node_modules\/(semver|detect-libc|@img\/colour)\/package\.json$/.test(f.name),
    });
    const installed = (name: string) =>
      (JSON.parse(fs.readFileSync(path.join('node_modules', name, 'package.json'), 'utf8')) as { version: string })
        .version;
    for (const name of ['semver', 'detect-libc', '@img/colour']) {
      const packaged = files[`${modules}/${name}/package.json`];
      assert.ok(packaged, `${name} is in the layer`);
      assert.equal(
        (JSON.parse(Buffer.from(packaged).toString('utf8')) as { version: string }).version,
        installed(name),
        name,
      );
    }
    const manifest = JSON.parse(
      Buffer.from(
        unzipSync(first.layer, { filter: (f) => f.name === 'nodejs/package.json' })['nodejs/package.json']!,
      ).toString('utf8'),
    ) as { overrides: Record<string, string> };
    assert.equal(manifest.overrides.semver, installed('semver'));
    // The bundle loads sharp with require(), which reads NODE_PATH (/opt/nodejs/node_modules).
    const bundle = Buffer.from(unzipSync(first.zip)['index.mjs']!).toString('utf8');
    assert.match(bundle, /createRequire\(import\.meta\.url\)\("sharp"\)/);
    const second = await buildArm64();
    assert.equal(second.sha, first.sha);
    assert.equal(second.layerSha, first.layerSha);
    assert.ok(second.zip.equals(first.zip));
    assert.ok(second.layer.equals(first.layer));
  });
});

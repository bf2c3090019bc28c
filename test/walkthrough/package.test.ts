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

interface Built {
  sha: string;
  /** Undefined when the layer was reused, not built. */
  layerSha?: string;
  zip: Buffer;
  layer: Buffer;
  stdout: string;
}

async function buildArm64(build = tempDir('build-arm64-'), extra: NodeJS.ProcessEnv = {}): Promise<Built> {
  builds.push(build);
  const env = scriptEnv({ ...endpointEnv(server.url), WALKTHROUGH_BUILD_DIR: build, ...extra });
  const r = await runScript('30-package.ts', ['--architecture', 'arm64'], { cwd, env });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const shaOf = (file: string) => {
    const line = reported(r.stdout, 'created').find((l) => l.includes(file));
    return line && /CodeSha256 ([A-Za-z0-9+/=]{44})/.exec(line)?.[1];
  };
  const sha = shaOf('resize-arm64.zip');
  assert.ok(sha, r.stdout);
  return {
    sha,
    layerSha: shaOf('sharp-layer-arm64.zip'),
    zip: fs.readFileSync(path.join(build, 'resize-arm64.zip')),
    layer: fs.readFileSync(path.join(build, 'sharp-layer-arm64.zip')),
    stdout: r.stdout,
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
    assert.ok(first.layerSha, first.stdout);
    const second = await buildArm64();
    assert.equal(second.sha, first.sha);
    assert.equal(second.layerSha, first.layerSha);
    assert.ok(second.zip.equals(first.zip));
    assert.ok(second.layer.equals(first.layer));
  });

  const reuse = "a change to the handler alone rebuilds the function zip only (no sharp): a fresh build's bytes";
  it(reuse, async () => {
    const handler = path.join(tempDir('package-handler-'), 'resize');
    fs.cpSync(path.join(PROJECT, 'handlers', 'resize'), handler, { recursive: true });
    const extra = { WALKTHROUGH_HANDLER_DIR: handler };
    const build = tempDir('build-arm64-');
    const before = await buildArm64(build, extra);
    const config = path.join(handler, 'config.ts');
    fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('DEFAULT_WIDTH = 200', 'DEFAULT_WIDTH = 201'));
    const quick = await buildArm64(build, extra);
    assert.doesNotMatch(quick.stdout, /install sharp/);
    assert.equal(quick.layerSha, undefined, 'the layer is reused, not built');
    assert.ok(quick.layer.equals(before.layer));
    assert.notEqual(quick.sha, before.sha, 'the new bundle is in it');
    // From another folder too: the bundle's bytes do not depend on where it is built from.
    const fresh = await buildArm64(tempDir('build-arm64-'), extra);
    assert.equal(fresh.sha, quick.sha);
    assert.ok(fresh.zip.equals(quick.zip));
  });
});

describe('where the package goes', () => {
  it('needs no AWS: with no credentials and no endpoint, the same zips as for the endpoint', async () => {
    const forAws = tempDir('build-aws-');
    const forEndpoint = tempDir('build-endpoint-');
    builds.push(forAws, forEndpoint);
    // No credentials, no endpoint: the step makes no AWS call.
    const offline = await runScript('30-package.ts', [], {
      cwd,
      env: scriptEnv({ TARGET: 'aws', WALKTHROUGH_BUILD_DIR: forAws }),
    });
    assert.equal(offline.code, 0, offline.stderr + offline.stdout);
    const local = await runScript('30-package.ts', [], {
      cwd,
      env: scriptEnv({ ...endpointEnv(server.url), WALKTHROUGH_BUILD_DIR: forEndpoint }),
    });
    assert.equal(local.code, 0, local.stderr + local.stdout);
    for (const zip of ['resize-x86_64.zip', 'sharp-layer-x86_64.zip'])
      assert.ok(fs.readFileSync(path.join(forAws, zip)).equals(fs.readFileSync(path.join(forEndpoint, zip))), zip);
  });

  it('step 5 refuses a package older than the handler sources, and says to run step 4', async () => {
    const handler = path.join(tempDir('package-handler-'), 'resize');
    fs.cpSync(path.join(PROJECT, 'handlers', 'resize'), handler, { recursive: true });
    const build = tempDir('build-stale-');
    builds.push(build, path.dirname(handler));
    const env = scriptEnv({
      ...endpointEnv(server.url),
      WALKTHROUGH_BUILD_DIR: build,
      WALKTHROUGH_HANDLER_DIR: handler,
    });
    assert.equal((await runScript('30-package.ts', [], { cwd, env })).code, 0);
    fs.appendFileSync(path.join(handler, 'config.ts'), '\n// edited after step 4\n');
    const r = await runScript('40-function.ts', [], { cwd, env });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /No deployment package for x86_64 in build\/ from the current sources yet/);
    assert.match(r.stderr, /30-package\.ts/);
  });
});

// `npm run dev` as a user runs it, against the local endpoint, on a copy of the handler: the first test,
// a save that changes the thumbnail's width (only the function zip goes up; the run on the results
// page), a syntax error reported while the loop keeps running, the fix, a changed sharp layer zip
// (published and attached as step 5 does), and Ctrl-C leaving the function's code and the state file in
// agreement (also mid-save). Every wait is on the script's output, with a deadline.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { unzipSync, zipSync } from 'fflate';
import sharp from 'sharp';
import { readResults } from '../../walkthrough/lib/gallery.ts';
import { codeSha256Of } from '../../walkthrough/lib/package.ts';
import { startTestServer, tempDir, type TestServer } from '../support/local-aws.ts';
import {
  endpointEnv,
  PROJECT,
  reported,
  runScript,
  scriptEnv,
  startScript,
  type RunningScript,
} from '../support/walkthrough.ts';

let server: TestServer;
let env: NodeJS.ProcessEnv;
let cwd: string;
let handler: string;
let build: string;

/** Set-up from nothing builds a package: minutes on a loaded machine. */
const SETUP_MS = 300_000;
const SAVE_MS = 90_000;

before(async () => {
  server = await startTestServer();
  cwd = tempDir('dev-');
  handler = path.join(tempDir('dev-handler-'), 'resize');
  fs.cpSync(path.join(PROJECT, 'handlers', 'resize'), handler, { recursive: true });
  // A build folder of its own (the copy's packages stay out of the project's), seeded with the
  // project's last packages when there are some: then the sharp layer is not built again.
  build = tempDir('dev-build-');
  for (const name of ['resize', 'sharp-layer'])
    for (const ext of ['zip', 'json']) {
      const file = path.join(PROJECT, 'build', `${name}-x86_64.${ext}`);
      if (fs.existsSync(file)) fs.copyFileSync(file, path.join(build, path.basename(file)));
    }
  // The steps run below build the same copy (npm run dev is also given it by its flag, below).
  env = scriptEnv({ ...endpointEnv(server.url), WALKTHROUGH_BUILD_DIR: build, WALKTHROUGH_HANDLER_DIR: handler });
});
after(() => server.stopAndRemove()); // the scratch folders go with the test process

const lambda = () => new LambdaClient(server.clientConfig());

interface State {
  function?: { codeSha256?: string };
  layer?: { versions: Array<{ version: number; codeSha256: string }> };
  package?: { codeSha256: string };
}

function state(): State {
  const dir = path.join(cwd, '.walkthrough');
  const file = fs.readdirSync(dir).find((f) => f.startsWith('state-') && f.endsWith('.json'));
  assert.ok(file, 'a state file');
  return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as State;
}

async function deployedSha(): Promise<string | undefined> {
  return (await lambda().send(new GetFunctionCommand({ FunctionName: 'CreateThumbnail' }))).Configuration?.CodeSha256;
}

/** The layer zip as a change of sharp's files would leave it: other bytes, its manifest saying so. */
function changeLayerZip(): string {
  const zipPath = path.join(build, 'sharp-layer-x86_64.zip');
  const files = unzipSync(fs.readFileSync(zipPath));
  files['nodejs/CHANGED.txt'] = Buffer.from('another sharp\n');
  const zip = Buffer.from(zipSync(files));
  fs.writeFileSync(zipPath, zip);
  const manifestPath = path.join(build, 'sharp-layer-x86_64.json');
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  const codeSha256 = codeSha256Of(zip);
  fs.writeFileSync(manifestPath, JSON.stringify({ ...manifest, codeSha256, size: zip.length }));
  return codeSha256;
}

function edit(file: string, change: (text: string) => string): void {
  const full = path.join(handler, file);
  const text = fs.readFileSync(full, 'utf8');
  const next = change(text);
  assert.notEqual(next, text, `the edit of ${file} changes it`);
  // As many editors save: a new file renamed over the old one.
  const tmp = path.join(path.dirname(full), `.${path.basename(full)}.tmp`);
  fs.writeFileSync(tmp, next);
  fs.renameSync(tmp, full);
}

const SAVED = /✓ save (\d+): thumbnail and log in/;

async function widthOf(file: string): Promise<number | undefined> {
  return (await sharp(fs.readFileSync(path.join(cwd, file))).metadata()).width;
}

describe('npm run dev', () => {
  let dev: RunningScript;
  after(() => {
    // A failed test leaves no dev loop running.
    if (dev?.child.exitCode === null) dev.child.kill('SIGKILL');
  });

  it('sets up what is missing and tests the current code', async () => {
    dev = startScript('dev.ts', ['--handler-dir', handler], { cwd, env: { ...env, WALKTHROUGH_HANDLER_DIR: '' } });
    const out = await dev.waitFor(/Watching .* for changes/, SETUP_MS);
    assert.match(out, /\+ created layer CreateThumbnail-sharp version \d+/);
    assert.match(out, /\+ created function CreateThumbnail/);
    assert.match(
      out,
      /sample\.jpg: s3:\/\/\S+\/resized-dev\/sample\.jpg is a 200x125 jpeg; saved to out\/resized-sample\.jpg/,
    );
    assert.match(out, /REPORT RequestId: \S+\tDuration: /);
    assert.equal(await widthOf('out/resized-sample.jpg'), 200);
  });

  it('a save that changes the width: the function is updated, the new thumbnail and its log are shown', async () => {
    const from = dev.output().length;
    const before = await deployedSha();
    // The width no longer comes from THUMBNAIL_WIDTH (set to 200 by step 5) but from a new default.
    edit('config.ts', (t) =>
      t
        .replace('DEFAULT_WIDTH = 200', 'DEFAULT_WIDTH = 120')
        .replace("positiveInt(env, 'THUMBNAIL_WIDTH',", "positiveInt(env, 'DEV_TEST_WIDTH',"),
    );
    const out = await dev.waitFor(SAVED, SAVE_MS, from);
    assert.match(out, /Save \d+: config\.ts changed/);
    assert.match(out, /~ changed code of CreateThumbnail \(CodeSha256 (\S+)\)/);
    // Only the handler's zip went up (kilobytes): sharp stays in its layer, which is not published again.
    assert.match(out, /update \([\d.]+ kB zip\)/);
    assert.doesNotMatch(out, /layer/);
    assert.match(out, /is a 120x75 jpeg \(THUMBNAIL_WIDTH 200 would give 200\); saved to out\/resized-sample\.jpg/);
    assert.match(out, /"width":120,"height":75/, 'the handler log line of that run');
    assert.match(out, /REPORT RequestId: /);
    assert.equal(await widthOf('out/resized-sample.jpg'), 120);
    // The run is on the results page, newest first, as the test step's and invoke's are.
    assert.match(out, /results page: out\/index\.html/);
    const [newest] = readResults(path.join(cwd, 'out'));
    assert.equal(newest?.via, 'dev');
    assert.equal(newest?.name, 'dev/sample.jpg');
    assert.equal(newest?.thumbnail?.width, 120);
    assert.ok(fs.existsSync(path.join(cwd, 'out', 'index.html')));
    const now = await deployedSha();
    assert.notEqual(now, before);
    assert.equal(state().function?.codeSha256, now);
  });

  it('a syntax error is reported with its place, the function is left alone, and the loop goes on', async () => {
    const from = dev.output().length;
    const before = await deployedSha();
    edit('config.ts', (t) => `${t}\nexport const broken = ;\n`);
    const out = await dev.waitFor(/Waiting for the next save/, SAVE_MS, from);
    assert.match(out, /✗ the build failed:/);
    assert.match(out, /config\.ts:\d+:\d+:/);
    assert.equal(dev.child.exitCode, null, 'still running');
    assert.equal(await deployedSha(), before);
    assert.equal(state().function?.codeSha256, before);

    const fixedFrom = dev.output().length;
    edit('config.ts', (t) => t.replace('\nexport const broken = ;\n', ''));
    const fixed = await dev.waitFor(SAVED, SAVE_MS, fixedFrom);
    // Back to the code the function already has: nothing is uploaded.
    assert.match(fixed, /= same {4}code of CreateThumbnail/);
    assert.match(fixed, /is a 120x75 jpeg/);
  });

  it('a changed sharp layer zip: the save publishes a layer version and attaches it, as step 5 does', async () => {
    const from = dev.output().length;
    const layerSha = changeLayerZip();
    edit('config.ts', (t) => `${t}// a comment: the bundle stays the same\n`);
    const out = await dev.waitFor(SAVED, SAVE_MS, from);
    assert.match(out, /the sharp layer zip changed/);
    assert.match(out, /\+ created layer CreateThumbnail-sharp version 2 /);
    assert.match(
      out,
      /~ changed configuration of CreateThumbnail: layers \(CreateThumbnail-sharp:1 -> CreateThumbnail-sharp:2\)/,
    );
    assert.match(out, /= same {4}code of CreateThumbnail/);
    assert.match(out, /is a 120x75 jpeg/, 'sharp loads from the new layer version');
    const fn = await lambda().send(new GetFunctionCommand({ FunctionName: 'CreateThumbnail' }));
    assert.match(fn.Configuration?.Layers?.[0]?.Arn ?? '', /:layer:CreateThumbnail-sharp:2$/);
    assert.equal(state().layer?.versions.at(-1)?.codeSha256, layerSha);
  });

  it('Ctrl-C stops it; the function has the code the state file records, and steps 4 and 5 agree', async () => {
    dev.child.kill('SIGINT');
    assert.equal(await dev.exited, 0, dev.output());
    assert.match(dev.output(), /Stopped\. Function CreateThumbnail has CodeSha256 \S+, as the state file says\./);
    const s = state();
    assert.equal(s.function?.codeSha256, await deployedSha());
    // The dev loop's package is step 4's own: re-running steps 4 and 5 changes nothing.
    for (const step of ['30-package.ts', '40-function.ts']) {
      const r = await runScript(step, [], { cwd, env });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.deepEqual(reported(r.stdout, 'changed'), [], r.stdout);
      assert.deepEqual(reported(r.stdout, 'created'), [], r.stdout);
      if (step === '30-package.ts') {
        const line = r.stdout.split('\n').find((l) => /^= same\s+package /.test(l)) ?? '';
        assert.ok(line.includes(`CodeSha256 ${s.function?.codeSha256})`), r.stdout);
      }
    }
  });

  it('Ctrl-C in the middle of a save leaves no half-update: the state records what the function has', async () => {
    dev = startScript('dev.ts', [], { cwd, env }); // the handler from WALKTHROUGH_HANDLER_DIR this time
    await dev.waitFor(/Watching .* for changes/, SETUP_MS);
    const from = dev.output().length;
    edit('config.ts', (t) => t.replace('DEFAULT_WIDTH = 120', 'DEFAULT_WIDTH = 96'));
    await dev.waitFor(/Save \d+: config\.ts changed/, SAVE_MS, from);
    dev.child.kill('SIGINT');
    assert.equal(await dev.exited, 0, dev.output());
    assert.match(dev.output(), /Stopped\./);
    assert.equal(state().function?.codeSha256, await deployedSha(), dev.output());
  });
});

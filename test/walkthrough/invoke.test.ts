// `npm run invoke` against a walkthrough set up on the local endpoint: each kind of input (--key,
// --image, --event), exit status 1 on a function error, clear messages on bad input; then the results
// page those runs and the test step wrote, in headless Chromium.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { sampleImage } from '../../walkthrough/lib/events.ts';
import { readResults } from '../../walkthrough/lib/gallery.ts';
import { assertNotBlank, Chromium, inspectPage, needsChromium } from '../support/chromium.ts';
import { startTestServer, tempDir, type TestServer } from '../support/local-aws.ts';
import { endpointEnv, runScript, said, scriptEnv } from '../support/walkthrough.ts';

const SRC = 's3-thumbnail-src-000000000000-us-east-1';
const DEST = `${SRC}-resized`;
let server: TestServer;
let env: NodeJS.ProcessEnv;
let cwd: string;
let s3: S3Client;
before(async () => {
  server = await startTestServer();
  env = scriptEnv(endpointEnv(server.url));
  cwd = tempDir('invoke-');
  s3 = new S3Client(server.clientConfig());
  const setup = await runScript('all.ts', [], { cwd, env });
  assert.equal(setup.code, 0, said(setup));
});
after(async () => {
  await server.stopAndRemove();
  fs.rmSync(cwd, { recursive: true, force: true });
});

const invoke = (...args: string[]) => runScript('invoke.ts', args, { cwd, env });

function assertPrintsRun(stdout: string): void {
  assert.match(stdout, /Result:\n {4}\{\n {6}"processed": 1,/);
  assert.match(stdout, /Log tail:\n {4}START RequestId: /);
  assert.match(stdout, /REPORT RequestId: \S+\tDuration: /);
  assert.match(stdout, /REPORT: [\d.]+ ms \(billed \d+ ms\), \d+ of \d+ MB used/);
}

const noStack = (stderr: string) => assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');

describe('npm run invoke', () => {
  it('--key invokes with an S3 event for an object already in the source bucket', async () => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: SRC, Prefix: 'images/' }));
    const key = listed.Contents?.[0]?.Key;
    assert.ok(key, 'the test step uploaded an image');
    const r = await invoke('--key', key);
    assert.equal(r.code, 0, said(r));
    assertPrintsRun(r.stdout);
    assert.ok(r.stdout.includes(`"resized-${key}"`), r.stdout);
  });

  it('--image uploads the image first, then invokes for it', async () => {
    const file = path.join(cwd, 'mine é.png');
    fs.writeFileSync(
      file,
      await sharp(await sampleImage('mine'))
        .png()
        .toBuffer(),
    );
    const r = await invoke('--image', file);
    assert.equal(r.code, 0, said(r));
    assertPrintsRun(r.stdout);
    assert.match(
      r.stdout,
      /uploaded .*mine é\.png to s3:\/\/s3-thumbnail-src-000000000000-us-east-1\/invoke\/mine é\.png/,
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: DEST, Key: 'resized-invoke/mine é.png' }));
    assert.equal(head.ContentType, 'image/png');
  });

  it('--event sends an event file as it is (the test step’s out/event.json)', async () => {
    const r = await invoke('--event', 'out/event.json');
    assert.equal(r.code, 0, said(r));
    assertPrintsRun(r.stdout);
  });

  it('exits 1 when the function fails, after printing its log and REPORT', async () => {
    const event = JSON.parse(fs.readFileSync(path.join(cwd, 'out', 'event.json'), 'utf8')) as {
      Records: Array<{ s3: { bucket: { name: string; arn: string } } }>;
    };
    // A bucket the role may not read: a transient AccessDenied, so the handler fails the invocation.
    event.Records[0]!.s3.bucket = { name: 'not-the-source-bucket', arn: 'arn:aws:s3:::not-the-source-bucket' };
    fs.writeFileSync(path.join(cwd, 'denied.json'), JSON.stringify(event));
    const r = await invoke('--event', 'denied.json');
    assert.equal(r.code, 1, said(r));
    assert.match(r.stdout, /Result \(function error: Unhandled\):/);
    assert.match(r.stdout, /RetryableInvocationError/);
    assert.match(r.stdout, /REPORT: [\d.]+ ms/);
    assert.match(r.stderr, /The function failed \(Unhandled\)\./);
    noStack(r.stderr);
  });

  it('refuses bad input with a clear message', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [[], 2, /Say what to invoke the function with: --key KEY, --image PATH or --event FILE\./],
      [['--key', 'a', '--event', 'b'], 2, /Give only one of --key, --image and --event \(got --key and --event\)/],
      [['--key', 'images/nothing-here.jpg'], 1, /There is no object s3:\/\/\S+\/images\/nothing-here\.jpg\./],
      [['--image', 'no-such.jpg'], 1, /--image no-such\.jpg: no such file\./],
      [['--event', 'no-such.json'], 1, /--event no-such\.json: no such file\./],
    ];
    fs.writeFileSync(path.join(cwd, 'not-json.json'), 'hello');
    cases.push([['--event', 'not-json.json'], 1, /--event not-json\.json is not a JSON object/]);
    fs.writeFileSync(path.join(cwd, 'not-an-image.jpg'), 'hello');
    cases.push([['--image', 'not-an-image.jpg'], 1, /--image not-an-image\.jpg is not an image sharp can read/]);
    for (const [args, code, message] of cases) {
      const r = await invoke(...args);
      assert.equal(r.code, code, `${args.join(' ')}: ${said(r)}`);
      assert.match(r.stderr, message);
      noStack(r.stderr);
    }
  });

  it('--dry-run uploads and invokes nothing, and says what it would do', async () => {
    const file = path.join(cwd, 'dry.jpg');
    fs.writeFileSync(file, await sampleImage('dry'));
    const r = await invoke('--image', file, '--dry-run');
    assert.equal(r.code, 0, said(r));
    assert.match(r.stdout, /would {3}upload .*dry\.jpg/);
    assert.match(r.stdout, /would {3}invoke CreateThumbnail/);
    assert.doesNotMatch(r.stdout, /Result:/);
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: SRC, Key: 'invoke/dry.jpg' })), { name: 'NotFound' });
  });

  it('the function’s name is checked before anything is uploaded', async () => {
    const r = await invoke('--function-name', 'NotThere', '--key', 'x');
    assert.equal(r.code, 1, said(r));
    assert.match(r.stderr, /The function NotThere does not exist yet\.\n {2}Run step 5 first/);
  });
});

describe('the results page after the test step and invoke', () => {
  it('lists every run, newest first, with durations and the refusal', () => {
    const results = readResults(path.join(cwd, 'out'));
    assert.deepEqual(
      results.map((r) => r.via),
      ['invoke', 'invoke', 'invoke', 'invoke', 'test'],
    );
    assert.ok(results.every((r, i) => i === 0 || results[i - 1]!.at >= r.at));
    assert.match(results[0]!.refusal ?? '', /^function error: RetryableInvocationError/);
    assert.ok(results.slice(1).every((r) => r.durationMs! > 0 && r.thumbnail?.width === 200));
  });

  it('loads in headless Chromium with every image decoded', { skip: needsChromium('the results page') }, async () => {
    const browser = Chromium.launch();
    try {
      const page = await inspectPage(browser, pathToFileURL(path.join(cwd, 'out', 'index.html')).href);
      // Four runs with a source and a thumbnail; the failed one had no image to show.
      assert.equal(page.images.length, 8, JSON.stringify(page.images));
      for (const img of page.images) assert.ok(img.naturalWidth > 0, `${img.src} does not decode`);
      for (const name of [
        'invoke/mine é.png',
        'resized-invoke/mine é.png',
        '-upload.jpg',
        '-invoke Happy Face +été.jpg',
      ])
        assert.ok(page.text.includes(name), `the page names ${name}`);
      assert.match(page.text, /Not resized: function error: RetryableInvocationError/);
      await assertNotBlank(page.screenshot);
    } finally {
      await browser.close();
    }
  });
});

// The suite's rules for the Chromium the page tests drive: CHROMIUM or `chromium` on PATH; without
// one the page tests are skipped and counted once, loudly (aws-cli-reporter.mjs); with
// REQUIRE_CHROMIUM=1 a missing Chromium fails the run.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findChromium } from './support/chromium.ts';
import { tempDir } from './support/temp.ts';
import { runTestFile } from './support/test-run.ts';

describe('finding Chromium', () => {
  it('takes CHROMIUM, else chromium (or chromium-browser, google-chrome) on PATH', () => {
    const dir = tempDir('chromium-find-');
    const fake = (name: string) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, '#!/bin/sh\n', { mode: 0o755 });
      return file;
    };
    const browser = fake('chromium-browser');
    assert.equal(findChromium({ PATH: `/nonexistent:${dir}` }), browser);
    const named = fake('my-chrome');
    assert.equal(findChromium({ PATH: dir, CHROMIUM: named }), named);
    assert.equal(findChromium({ PATH: dir, CHROMIUM: '/nonexistent/chromium' }), undefined);
    assert.equal(findChromium({ PATH: '/nonexistent' }), undefined);
  });
});

describe('a run without Chromium', () => {
  const run = (extra: NodeJS.ProcessEnv) =>
    runTestFile('test/walkthrough/gallery.test.ts', {
      CHROMIUM: '/nonexistent/chromium',
      REQUIRE_CHROMIUM: '',
      ...extra,
    });

  it('passes, saying once how many Chromium tests were skipped and how to install it', async () => {
    const r = await run({});
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /!! 1 Chromium test\(s\) or suite\(s\) SKIPPED: chromium not found .*apt-get install chromium/,
    );
    assert.match(r.stderr, /!! Set REQUIRE_CHROMIUM=1 to make a missing Chromium fail the run/);
  });

  it('fails under REQUIRE_CHROMIUM=1', async () => {
    const r = await run({ REQUIRE_CHROMIUM: '1' });
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /REQUIRE_CHROMIUM=1 but there is no Chromium/);
  });
});

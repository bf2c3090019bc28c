// The results page on its own (no endpoint): recordResult's files and its cap of 50, escaping, and
// the page in headless Chromium: every image decodes, the text names the files, the tune chart is
// shown, and a screenshot is not blank.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { tuneChartSvg } from '../../walkthrough/extras/lib/svg-chart.ts';
import { sampleImage } from '../../walkthrough/lib/events.ts';
import { readResults, recordResult, RESULTS_KEPT } from '../../walkthrough/lib/gallery.ts';
import { assertNotBlank, Chromium, inspectPage, needsChromium } from '../support/chromium.ts';
import { tempDir } from '../support/local-aws.ts';

const dirs: string[] = [];
const scratch = () => {
  const d = tempDir('gallery-');
  dirs.push(d);
  return d;
};
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const HOSTILE = `images/<img src=x onerror="document.title='pwned'"> & "quotes".jpg`;

async function thumbnailOf(image: Buffer, format: 'jpeg' | 'png' | 'webp' = 'jpeg'): Promise<Buffer> {
  return sharp(image).resize({ width: 200 }).toFormat(format).toBuffer();
}

/** A page with a JPEG pair, a WebP pair, a TIFF source (shown through a PNG preview), a refusal and a chart. */
async function samplePage(out: string): Promise<void> {
  const photo = await sampleImage('gallery test');
  await recordResult(
    { via: 'test', name: 'images/photo one.jpg', source: photo, thumbnail: await thumbnailOf(photo), durationMs: 91.2 },
    out,
  );
  const webp = await sharp(photo).webp().toBuffer();
  await recordResult(
    { via: 'invoke', name: 'invoke/two.webp', source: webp, thumbnail: await thumbnailOf(photo, 'webp') },
    out,
  );
  const tiff = await sharp(photo).resize({ width: 400 }).tiff().toBuffer();
  await recordResult({ via: 'dev', name: 'images/three.tiff', source: tiff, thumbnail: await thumbnailOf(tiff) }, out);
  await recordResult(
    { via: 'invoke', name: HOSTILE, source: Buffer.from('not an image'), refusal: 'unsupported_format <b>' },
    out,
  );
  const sizes = [128, 512, 1024].map((memoryMb, i) => ({
    memoryMb,
    runs: [],
    billedMs: [900, 250, 120][i]!,
    durationMs: 1,
    maxMemoryUsedMb: 90,
    cost: [2e-6, 2.3e-6, 2.2e-6][i]!,
  }));
  fs.writeFileSync(path.join(out, 'tune-20240101-000000.svg'), tuneChartSvg({ title: 'old', subtitle: '', sizes }));
  fs.writeFileSync(path.join(out, 'tune-20250101-000000.svg'), tuneChartSvg({ title: 'new', subtitle: '', sizes }));
  // The chart is picked up at the next render.
  await recordResult({ via: 'test', name: 'images/last.jpg', source: photo, thumbnail: await thumbnailOf(photo) }, out);
}

describe('the results page', () => {
  it('keeps results.json newest first and escapes every string', async () => {
    const out = scratch();
    await samplePage(out);
    const results = readResults(out);
    assert.deepEqual(
      results.map((r) => r.name),
      ['images/last.jpg', HOSTILE, 'images/three.tiff', 'invoke/two.webp', 'images/photo one.jpg'],
    );
    assert.equal(results[2]!.source?.format, 'tiff');
    assert.match(results[2]!.source?.file ?? '', /\.preview\.png$/);
    assert.equal(results[1]!.source?.file, undefined, 'no picture for bytes that are not an image');
    const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
    assert.ok(!html.includes('<img src=x'), 'the key is escaped');
    assert.ok(html.includes('&lt;img src=x onerror=&quot;'), html);
    assert.ok(html.includes('unsupported_format &lt;b&gt;'));
    assert.ok(html.includes('src="tune-20250101-000000.svg"'), 'the latest chart');
    assert.ok(!html.includes('tune-20240101'), 'only the latest chart');
  });

  it(`keeps the last ${RESULTS_KEPT} results and removes the images of older ones`, async () => {
    const out = scratch();
    const tiny = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f80' } })
      .png()
      .toBuffer();
    const first = await recordResult({ via: 'test', name: 'k0', source: tiny, at: new Date(1000) }, out);
    for (let i = 1; i <= RESULTS_KEPT; i++)
      await recordResult({ via: 'test', name: `k${i}`, source: tiny, at: new Date(1000 + i * 1000) }, out);
    const results = readResults(out);
    assert.equal(results.length, RESULTS_KEPT);
    assert.equal(results[0]!.name, `k${RESULTS_KEPT}`);
    assert.ok(!results.some((r) => r.name === 'k0'));
    assert.ok(!fs.existsSync(path.join(out, first.source!.file!)), 'the dropped result’s image is removed');
    assert.equal(fs.readdirSync(path.join(out, 'gallery')).length, RESULTS_KEPT);
  });

  it(
    'loads in headless Chromium: every image decodes, the text names the files',
    { skip: needsChromium('the results page') },
    async () => {
      const out = scratch();
      await samplePage(out);
      const browser = Chromium.launch();
      try {
        const page = await inspectPage(browser, pathToFileURL(path.join(out, 'index.html')).href);
        assert.equal(page.title, 'Thumbnails', 'no script of a key ran');
        // 4 results with pictures (source and thumbnail each) and the chart; the refused one has none.
        assert.equal(page.images.length, 9, JSON.stringify(page.images));
        for (const img of page.images) assert.ok(img.naturalWidth > 0, `${img.src} does not decode`);
        assert.ok(page.images.some((i) => i.src === 'tune-20250101-000000.svg'));
        for (const name of ['images/last.jpg', HOSTILE, 'images/three.tiff', 'invoke/two.webp', 'images/photo one.jpg'])
          assert.ok(page.text.includes(name), `the page names ${name}`);
        assert.match(page.text, /Not resized: unsupported_format <b>/);
        assert.match(page.text, /91\.2 ms/);
        await assertNotBlank(page.screenshot);
      } finally {
        await browser.close();
      }
    },
  );
});

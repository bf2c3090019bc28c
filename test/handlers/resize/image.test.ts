// The pure image logic over every fixture; outputs are checked by decoding them with sharp, not by
// trusting makeThumbnail's own description of them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { detectImageType } from '../../../handlers/resize/detect.ts';
import { ImageError } from '../../../handlers/resize/errors.ts';
import { makeThumbnail, type ThumbnailOptions } from '../../../handlers/resize/image.ts';
import { BAD, GOOD, MIME_OF_DECODED, fixture, fixtureFiles } from '../../support/image-fixtures.ts';

const OPTS: ThumbnailOptions = { width: 200, maxInputPixels: 40_000_000, maxInputBytes: 50 * 1024 * 1024 };

async function decode(data: Buffer) {
  return sharp(data, { animated: true }).metadata();
}

async function rejectsWith(p: Promise<unknown>, reason: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ImageError, `expected an ImageError, got ${String(err)}`);
    assert.equal(err.permanent, true);
    assert.equal(err.reason, reason, err.message);
    return true;
  });
}

/** Mean absolute difference of two images' pixels after bringing both to the same raw size. */
async function pixelDistance(a: Buffer, b: Buffer, width: number, height: number): Promise<number> {
  const raw = (x: Buffer) => sharp(x).resize(width, height, { fit: 'fill' }).removeAlpha().raw().toBuffer();
  const [ra, rb] = await Promise.all([raw(a), raw(b)]);
  let sum = 0;
  for (let i = 0; i < ra.length; i++) sum += Math.abs((ra[i] ?? 0) - (rb[i] ?? 0));
  return sum / ra.length;
}

describe('makeThumbnail', () => {
  it('has an expectation for every fixture file', () => {
    const covered = [...GOOD.map((c) => c.file), ...BAD.map((c) => c.file)].sort();
    assert.deepEqual(covered, fixtureFiles());
  });

  for (const c of GOOD) {
    it(`${c.file} -> ${c.contentType} ${c.width}x${c.height}`, async () => {
      const thumb = await makeThumbnail(fixture(c.file), OPTS);
      const m = await decode(thumb.data);
      assert.equal(MIME_OF_DECODED[m.format], c.contentType, `decoded as ${m.format}`);
      if (m.format === 'heif') assert.equal(m.compression, 'av1');
      assert.equal(thumb.contentType, c.contentType);
      const pages = m.pages ?? 1;
      assert.equal(pages, c.pages ?? 1);
      assert.equal(m.width, c.width);
      assert.equal(pages > 1 ? m.pageHeight : m.height, c.height);
      assert.equal(m.space, 'srgb');
      assert.equal(m.orientation, undefined, 'no orientation tag left');
      assert.equal(m.exif, undefined, 'EXIF (GPS, camera data) stripped');
      if (c.alpha) assert.equal(m.hasAlpha, true);
      assert.equal(thumb.width, c.width);
      assert.equal(thumb.height, c.height);
    });
  }

  for (const c of BAD) {
    it(`${c.file} is refused: ${c.reason}`, async () => {
      await rejectsWith(makeThumbnail(fixture(c.file), OPTS), c.reason);
    });
  }

  it('refuses a bomb from its header, without decoding it', async () => {
    const started = performance.now();
    await rejectsWith(makeThumbnail(fixture('bomb.png'), OPTS), 'too_many_pixels');
    // Decoding 400 MP would take seconds and 400 MB; reading the header takes milliseconds.
    assert.ok(performance.now() - started < 500, `took ${performance.now() - started} ms`);
  });

  it('keeps real transparency in PNG output', async () => {
    const thumb = await makeThumbnail(fixture('alpha.png'), OPTS);
    const stats = await sharp(thumb.data).stats();
    const alpha = stats.channels[3];
    assert.ok(alpha, 'has a fourth channel');
    assert.ok(alpha.min < 255, 'some pixels are (partly) transparent');
  });

  it('turns CMYK input into 3-channel sRGB output', async () => {
    assert.equal((await sharp(fixture('cmyk.jpg')).metadata()).space, 'cmyk');
    const m = await decode((await makeThumbnail(fixture('cmyk.jpg'), OPTS)).data);
    assert.equal(m.space, 'srgb');
    assert.equal(m.channels, 3);
  });

  it('applies EXIF orientation 6 as a 90 degree clockwise rotation', async () => {
    const input = fixture('exif-rotated-6.jpg');
    assert.equal((await sharp(input).metadata()).orientation, 6);
    const thumb = await makeThumbnail(input, OPTS);
    // References rotated by explicit angles (which ignore the EXIF tag).
    const cw = await sharp(input).rotate(90).png().toBuffer();
    const ccw = await sharp(input).rotate(270).png().toBuffer();
    const dCw = await pixelDistance(thumb.data, cw, 200, 300);
    const dCcw = await pixelDistance(thumb.data, ccw, 200, 300);
    assert.ok(dCw < 8 && dCw * 3 < dCcw, `distance to clockwise ${dCw}, to counter-clockwise ${dCcw}`);
  });

  it('never enlarges, at any requested width', async () => {
    const m = await decode((await makeThumbnail(fixture('tiny-150px.jpg'), { ...OPTS, width: 1000 })).data);
    assert.deepEqual([m.width, m.height], [150, 100]);
    const n = await decode((await makeThumbnail(fixture('photo-landscape.jpg'), { ...OPTS, width: 64 })).data);
    assert.deepEqual([n.width, n.height], [64, 43]);
  });

  it('applies a configurable pixel limit (1920x1280 = 2,457,600 pixels)', async () => {
    await rejectsWith(
      makeThumbnail(fixture('photo-landscape.jpg'), { ...OPTS, maxInputPixels: 2_457_599 }),
      'too_many_pixels',
    );
    const ok = await makeThumbnail(fixture('photo-landscape.jpg'), { ...OPTS, maxInputPixels: 2_457_600 });
    assert.equal((await decode(ok.data)).width, 200);
    // An animation counts all its frames: 4 x 400x300 = 480,000.
    await rejectsWith(makeThumbnail(fixture('animated.gif'), { ...OPTS, maxInputPixels: 479_999 }), 'too_many_pixels');
  });

  it('applies a byte limit', async () => {
    const input = fixture('photo-landscape.jpg');
    await rejectsWith(makeThumbnail(input, { ...OPTS, maxInputBytes: input.length - 1 }), 'too_large');
    assert.ok(await makeThumbnail(input, { ...OPTS, maxInputBytes: input.length }));
  });
});

describe('detectImageType', () => {
  const bytes = (...parts: Array<string | number[]>) =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
  const cases: Array<[string, Buffer, string]> = [
    [
      'SVG after a BOM and whitespace',
      bytes([0xef, 0xbb, 0xbf], '\n  <svg width="1" height="1"></svg>'),
      'unsupported:svg',
    ],
    [
      'SVG with a doctype',
      bytes('<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x">'),
      'unsupported:svg',
    ],
    ['HTML is not an image', bytes('<!doctype html><html><body>hi</body></html>'), 'unknown'],
    ['BigTIFF', bytes([0x49, 0x49, 0x2b, 0x00, 8, 0, 0, 0]), 'raster:tiff'],
    ['big-endian TIFF', bytes([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]), 'raster:tiff'],
    ['an MP4 video', bytes([0, 0, 0, 24], 'ftypisom', [0, 0, 2, 0], 'isomiso2mp41'), 'unsupported:isobmff'],
    [
      'AVIF as a compatible brand',
      bytes([0, 0, 0, 28], 'ftypmif1', [0, 0, 0, 0], 'mif1avifmiaf', [0, 0, 0, 0]),
      'raster:avif',
    ],
    ['BMP', bytes('BM', [0x36, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0, 40, 0]), 'unsupported:bmp'],
    ['text starting with BM', bytes('BMW owners club newsletter'), 'unknown'],
    ['three bytes', bytes([0xff, 0xd8]), 'unknown'],
  ];
  for (const [name, buf, want] of cases) {
    it(name, () => {
      const d = detectImageType(buf);
      assert.equal(d.kind === 'unknown' ? 'unknown' : `${d.kind}:${d.type}`, want);
    });
  }
});

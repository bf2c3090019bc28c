// Generates the extra image fixtures in test/fixtures/images/ from the committed ones there (deterministic; the
// outputs are committed too, so tests never run this). Run: npx tsx test/support/generate-images.ts
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import sharp, { type Sharp } from 'sharp';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'images');
const read = (name: string): Buffer => fs.readFileSync(path.join(DIR, name));
function write(name: string, data: Buffer | string): void {
  fs.writeFileSync(path.join(DIR, name), data);
  console.log(`${name}: ${Buffer.byteLength(data)} bytes`);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** A real, valid 20000x20000 (400 MP) 1-bit greyscale PNG of ~48 KB: a decompression bomb. */
function pngBomb(size: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const rows = Buffer.alloc((1 + size / 8) * size); // filter byte 0 + all-black pixels per row
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(rows, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A small JPEG whose SOF header is rewritten to claim width x height. */
function jpegWithDimensions(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i + 9 < out.length;) {
    if (out[i] !== 0xff) throw new Error('bad JPEG marker walk');
    const marker = out[i + 1] ?? 0;
    const len = out.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc2) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return out;
    }
    i += 2 + len;
  }
  throw new Error('no SOF marker');
}

/** Raw RGB frames of distinct colours stacked vertically (libvips' animation layout). */
function frames(width: number, height: number, count: number, colour: (i: number) => [number, number, number]): Buffer {
  const raw = Buffer.alloc(width * height * count * 3);
  for (let f = 0; f < count; f++) {
    const [r, g, b] = colour(f);
    for (let p = f * width * height; p < (f + 1) * width * height; p++) {
      raw[p * 3] = r;
      raw[p * 3 + 1] = g;
      raw[p * 3 + 2] = b;
    }
    // A moving square so no two frames are identical (encoders merge identical frames).
    for (let y = 0; y < Math.min(20, height); y++) {
      for (let x = f * 4; x < Math.min(f * 4 + 20, width); x++)
        raw.fill(255, ((f * height + y) * width + x) * 3, ((f * height + y) * width + x) * 3 + 3);
    }
  }
  return raw;
}

function animation(
  width: number,
  height: number,
  count: number,
  colour: (i: number) => [number, number, number],
): Sharp {
  return sharp(frames(width, height, count, colour), {
    raw: { width, height: height * count, channels: 3, pageHeight: height },
  });
}

const ftyp = (major: string, brands: string[]): Buffer => {
  const body = Buffer.concat([
    Buffer.from(major, 'latin1'),
    Buffer.alloc(4),
    ...brands.map((b) => Buffer.from(b, 'latin1')),
  ]);
  const size = Buffer.alloc(4);
  size.writeUInt32BE(8 + body.length);
  return Buffer.concat([size, Buffer.from('ftyp', 'latin1'), body, Buffer.alloc(64)]);
};

async function main(): Promise<void> {
  const landscape = read('photo-landscape.jpg');
  const alpha = read('alpha.png');

  write('bomb.png', pngBomb(20000));
  write('bomb-header.jpg', jpegWithDimensions(read('tiny-150px.jpg'), 60000, 60000));
  // 50 frames of 1000x1000: each frame is small, together 50 MP (over the 40 MP budget).
  write(
    'animated-bomb.gif',
    await animation(1000, 1000, 50, (i) => [i * 5, 100, 200])
      .gif()
      .toBuffer(),
  );
  write(
    'animated.gif',
    await animation(400, 300, 4, (i) => [60 * i, 120, 255 - 60 * i])
      .gif({ delay: 100, loop: 0 })
      .toBuffer(),
  );
  write(
    'animated.webp',
    await animation(400, 300, 3, (i) => [200, 80 * i, 40])
      .webp({ delay: 100, loop: 0 })
      .toBuffer(),
  );

  const svg =
    '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" ' +
    'width="800" height="600"><rect width="800" height="600" fill="#3366cc"/></svg>\n';
  write('vector.svg', svg);
  write(
    'svg-named.png',
    '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300"><circle cx="200" cy="150" r="100"/></svg>\n',
  );
  write(
    'document.pdf',
    '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type ' +
      '/Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
  );
  write('heic-header.heic', ftyp('heic', ['mif1', 'heic']));

  write(
    'photo.tiff',
    await sharp(landscape).resize({ width: 640 }).tiff({ compression: 'deflate', predictor: 'horizontal' }).toBuffer(),
  );
  write(
    'alpha.tiff',
    await sharp(alpha).resize({ width: 320 }).tiff({ compression: 'deflate', predictor: 'horizontal' }).toBuffer(),
  );
  write('photo.avif', await sharp(landscape).resize({ width: 800 }).avif({ quality: 50 }).toBuffer());
  write('png-named.jpg', await sharp(alpha).resize({ width: 400 }).png().toBuffer());
  write(
    'Photo.JPEG',
    await sharp(read('photo-portrait-progressive.jpg')).resize({ width: 600 }).jpeg({ quality: 85 }).toBuffer(),
  );
  write(
    '100% juice + café 日本 🍊.jpg',
    await sharp(landscape).resize({ width: 480 }).jpeg({ quality: 85 }).toBuffer(),
  );

  const png = await sharp(alpha).resize({ width: 400 }).png().toBuffer();
  write('truncated.png', png.subarray(0, Math.floor(png.length * 0.6)));
}

await main();

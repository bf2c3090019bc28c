// What each image fixture must give, worked out by hand from the fixture itself (not from the
// handler): every file in test/fixtures/images/ has an entry, checked by image.test.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImageReason } from '../../handlers/resize/errors.ts';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'images');

export function fixture(name: string): Buffer {
  return fs.readFileSync(path.join(FIXTURES, name));
}

/** Every file in the fixture folder (images only: the generator is test/support/generate-images.ts). */
export function fixtureFiles(): string[] {
  return fs.readdirSync(FIXTURES).sort();
}

/** Decoded container format as sharp names it -> MIME type. AVIF decodes as 'heif' (av1). */
export const MIME_OF_DECODED: Readonly<Record<string, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  heif: 'image/avif',
};

export interface GoodCase {
  file: string;
  /** Expected output MIME type. */
  contentType: string;
  /** Expected thumbnail size at width 200. */
  width: number;
  height: number;
  pages?: number;
  alpha?: boolean;
}

export const GOOD: readonly GoodCase[] = [
  { file: '100% juice + café 日本 🍊.jpg', contentType: 'image/jpeg', width: 200, height: 133 }, // 480x320
  { file: 'Happy Face (1) +été.jpg', contentType: 'image/jpeg', width: 200, height: 133 }, // 1920x1280
  { file: 'Photo.JPEG', contentType: 'image/jpeg', width: 200, height: 300 }, // 600x900
  { file: 'UPPER.PNG', contentType: 'image/png', width: 200, height: 150 }, // 800x600
  { file: 'alpha.png', contentType: 'image/png', width: 200, height: 150, alpha: true }, // 640x480 RGBA
  { file: 'alpha.tiff', contentType: 'image/png', width: 200, height: 150, alpha: true }, // TIFF with alpha -> PNG
  { file: 'animated.gif', contentType: 'image/gif', width: 200, height: 150, pages: 4 }, // 4 x 400x300
  { file: 'animated.webp', contentType: 'image/webp', width: 200, height: 150, pages: 3 }, // 3 x 400x300
  { file: 'cmyk.jpg', contentType: 'image/jpeg', width: 200, height: 133 }, // 1920x1280 CMYK
  { file: 'diagram.png', contentType: 'image/png', width: 200, height: 150 },
  { file: 'exif-rotated-6.jpg', contentType: 'image/jpeg', width: 200, height: 300 }, // stored 1200x800, shown 800x1200
  { file: 'photo-landscape.jpg', contentType: 'image/jpeg', width: 200, height: 133 },
  { file: 'photo-portrait-progressive.jpg', contentType: 'image/jpeg', width: 200, height: 300 }, // 1280x1920
  { file: 'photo.avif', contentType: 'image/avif', width: 200, height: 133 }, // 800x533
  { file: 'photo.tiff', contentType: 'image/jpeg', width: 200, height: 133 }, // TIFF without alpha -> JPEG
  { file: 'photo.webp', contentType: 'image/webp', width: 200, height: 150 }, // 1024x768
  { file: 'png-named.jpg', contentType: 'image/png', width: 200, height: 150, alpha: true }, // PNG content, .jpg name
  { file: 'small.gif', contentType: 'image/gif', width: 200, height: 133, pages: 1 }, // 300x200 static
  { file: 'tiny-150px.jpg', contentType: 'image/jpeg', width: 150, height: 100 }, // narrower: not enlarged
];

export const BAD: ReadonlyArray<{ file: string; reason: ImageReason }> = [
  { file: 'animated-bomb.gif', reason: 'too_many_pixels' }, // 50 frames x 1000x1000 = 50 MP in 47 KB
  { file: 'bomb-header.jpg', reason: 'too_many_pixels' }, // 3 KB JPEG whose header claims 60000x60000
  { file: 'bomb.png', reason: 'too_many_pixels' }, // valid 20000x20000 PNG in 48 KB
  { file: 'document.pdf', reason: 'unsupported_type' },
  { file: 'empty.jpg', reason: 'empty' },
  { file: 'heic-header.heic', reason: 'unsupported_type' },
  { file: 'not-an-image.jpg', reason: 'not_an_image' },
  { file: 'svg-named.png', reason: 'unsupported_type' },
  { file: 'truncated.jpg', reason: 'corrupt' },
  { file: 'truncated.png', reason: 'corrupt' },
  { file: 'vector.svg', reason: 'unsupported_type' },
];

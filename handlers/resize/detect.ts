// Decides the image type from the content's signature, never from the key's extension, BEFORE any
// decoder sees the bytes: only the six raster types we resize reach libvips, so SVG (an XML parser
// and renderer), PDF and the rest are refused without being parsed.

export type RasterType = 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'avif';

export type Detected =
  { kind: 'raster'; type: RasterType } | { kind: 'unsupported'; type: string } | { kind: 'unknown' };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
// ISO-BMFF brands (ftyp box) of AVIF, and of other HEIF flavours (HEVC etc.) that sharp's
// prebuilt libvips cannot decode.
const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1', 'mif2']);

function startsWith(buf: Uint8Array, bytes: readonly number[], at = 0): boolean {
  if (buf.length < at + bytes.length) return false;
  return bytes.every((b, i) => buf[at + i] === b);
}

function ascii(buf: Uint8Array, start: number, end: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + start, Math.max(0, Math.min(end, buf.length) - start)).toString(
    'latin1',
  );
}

function sniffIsoBmff(buf: Uint8Array): Detected | undefined {
  if (buf.length < 16 || ascii(buf, 4, 8) !== 'ftyp') return undefined;
  const boxSize = Buffer.from(buf.buffer, buf.byteOffset, buf.length).readUInt32BE(0);
  const end = Math.min(buf.length, boxSize >= 16 ? boxSize : 16, 256);
  // Major brand at 8, minor version at 12, compatible brands from 16.
  const brands = [ascii(buf, 8, 12)];
  for (let i = 16; i + 4 <= end; i += 4) brands.push(ascii(buf, i, i + 4));
  if (brands.some((b) => AVIF_BRANDS.has(b))) return { kind: 'raster', type: 'avif' };
  if (brands.some((b) => HEIF_BRANDS.has(b))) return { kind: 'unsupported', type: 'heic' };
  return { kind: 'unsupported', type: 'isobmff' }; // mp4, mov, ...
}

function sniffText(buf: Uint8Array): Detected | undefined {
  // Look at the start only, after a UTF-8 BOM and whitespace.
  let text = ascii(buf, 0, 4096);
  if (text.startsWith('\xef\xbb\xbf')) text = text.slice(3);
  text = text.trimStart();
  if (text.startsWith('%PDF-')) return { kind: 'unsupported', type: 'pdf' };
  if (!text.startsWith('<')) return undefined;
  if (/<svg[\s>]/i.test(text) || /<!DOCTYPE\s+svg/i.test(text)) return { kind: 'unsupported', type: 'svg' };
  return undefined;
}

export function detectImageType(buf: Uint8Array): Detected {
  if (startsWith(buf, [0xff, 0xd8, 0xff])) return { kind: 'raster', type: 'jpeg' };
  if (startsWith(buf, PNG_SIGNATURE)) return { kind: 'raster', type: 'png' };
  const head = ascii(buf, 0, 12);
  if (head.startsWith('GIF87a') || head.startsWith('GIF89a')) return { kind: 'raster', type: 'gif' };
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'WEBP') return { kind: 'raster', type: 'webp' };
  // Classic TIFF (42) and BigTIFF (43), both byte orders.
  if (startsWith(buf, [0x49, 0x49, 0x2a, 0x00]) || startsWith(buf, [0x4d, 0x4d, 0x00, 0x2a]))
    return { kind: 'raster', type: 'tiff' };
  if (startsWith(buf, [0x49, 0x49, 0x2b, 0x00]) || startsWith(buf, [0x4d, 0x4d, 0x00, 0x2b]))
    return { kind: 'raster', type: 'tiff' };
  const iso = sniffIsoBmff(buf);
  if (iso) return iso;
  if (startsWith(buf, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20])) return { kind: 'unsupported', type: 'jp2' };
  if (startsWith(buf, [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20]) || startsWith(buf, [0xff, 0x0a])) {
    return { kind: 'unsupported', type: 'jxl' };
  }
  if (head.startsWith('8BPS')) return { kind: 'unsupported', type: 'psd' };
  // BMP: "BM" and two reserved 16-bit words that are zero.
  if (head.startsWith('BM') && buf.length >= 14 && buf[6] === 0 && buf[7] === 0 && buf[8] === 0 && buf[9] === 0) {
    return { kind: 'unsupported', type: 'bmp' };
  }
  if (startsWith(buf, [0x00, 0x00, 0x01, 0x00])) return { kind: 'unsupported', type: 'ico' };
  return sniffText(buf) ?? { kind: 'unknown' };
}

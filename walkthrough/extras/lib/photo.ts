// A realistic test photo, made here so `npm run tune` needs no image of yours: a 12-megapixel
// landscape (sky, sun, hills, a lake, foliage-like texture at several scales, sensor grain), saved
// as a camera would (JPEG, quality 90). The same bytes every time (seeded noise), so it is uploaded once.
import sharp from 'sharp';

export const PHOTO_WIDTH = 4032;
export const PHOTO_HEIGHT = 3024;

/** mulberry32: a small seeded PRNG, so the photo is the same bytes on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Grey noise around mid-grey (± amplitude) at `w`x`h`, scaled up smoothly: blobs the size of one cell. */
async function noiseLayer(rand: () => number, w: number, h: number, amplitude: number): Promise<Buffer> {
  const raw = Buffer.alloc(w * h);
  for (let i = 0; i < raw.length; i++) raw[i] = Math.round(128 + (rand() * 2 - 1) * amplitude);
  return sharp(raw, { raw: { width: w, height: h, channels: 1 } })
    .resize(PHOTO_WIDTH, PHOTO_HEIGHT, { kernel: 'cubic', fit: 'fill' })
    .toColourspace('srgb')
    .png({ compressionLevel: 0 })
    .toBuffer();
}

const W = PHOTO_WIDTH;
const H = PHOTO_HEIGHT;

function ridge(base: number, amp: number, seed: number): string {
  const r = prng(seed);
  const pts: string[] = [`0,${H}`];
  for (let x = 0; x <= W; x += 48)
    pts.push(`${x},${Math.round(base + Math.sin(x / 310 + seed) * amp + (r() - 0.5) * amp * 0.5)}`);
  pts.push(`${W},${H}`);
  return pts.join(' ');
}

/** White where there is land (the texture goes there), transparent in the sky. */
function landMaskSvg(): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">` +
    `<polygon points="${ridge(H * 0.5, 140, 3)}" fill="#fff"/></svg>`
  );
}

const SKY_STOPS =
  '<stop offset="0" stop-color="#2f6db5"/>' +
  '<stop offset="0.55" stop-color="#8fc0e8"/>' +
  '<stop offset="1" stop-color="#f3d9a4"/>';
const SUN_STOPS =
  '<stop offset="0" stop-color="#fffbe6"/>' +
  '<stop offset="0.3" stop-color="#fff1b8" stop-opacity="0.9"/>' +
  '<stop offset="1" stop-color="#ffe08a" stop-opacity="0"/>';

function sceneSvg(): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">
  <defs>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
      ${SKY_STOPS}
    </linearGradient>
    <radialGradient id="sun" cx="0.5" cy="0.5" r="0.5">
      ${SUN_STOPS}
    </radialGradient>
    <linearGradient id="lake" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#6f9cc4"/><stop offset="1" stop-color="#24486b"/>
    </linearGradient>
  </defs>
  <rect width="${W}" height="${H}" fill="url(#sky)"/>
  <circle cx="${W * 0.72}" cy="${H * 0.28}" r="${H * 0.2}" fill="url(#sun)"/>
  <polygon points="${ridge(H * 0.5, 140, 3)}" fill="#5d7a8f"/>
  <polygon points="${ridge(H * 0.6, 110, 7)}" fill="#3f6b4a"/>
  <rect y="${H * 0.74}" width="${W}" height="${H * 0.12}" fill="url(#lake)"/>
  <polygon points="${ridge(H * 0.84, 60, 11)}" fill="#2e5a23"/>
</svg>`;
}

/** The photo as JPEG bytes (about 12 MP; a few MB). */
export async function generatePhoto(seed = 1769): Promise<Buffer> {
  const rand = prng(seed);
  // Soft clouds everywhere, foliage only on land, fine grain like a sensor's.
  const clouds = await noiseLayer(rand, 42, 32, 45);
  const foliage = await sharp(await noiseLayer(rand, 1344, 1008, 100))
    .ensureAlpha()
    .composite([{ input: Buffer.from(landMaskSvg()), blend: 'dest-in' }])
    .png({ compressionLevel: 0 })
    .toBuffer();
  const grain = await noiseLayer(rand, PHOTO_WIDTH, PHOTO_HEIGHT, 8);
  const scene = await sharp(Buffer.from(sceneSvg())).png({ compressionLevel: 0 }).toBuffer();
  return sharp(scene)
    .composite([
      { input: clouds, blend: 'soft-light' },
      { input: foliage, blend: 'soft-light' },
      { input: grain, blend: 'overlay' },
    ])
    .flatten()
    .jpeg({ quality: 90, chromaSubsampling: '4:2:0' })
    .withMetadata({ exif: { IFD0: { Make: 'local-aws', Model: 'tune photo' } } })
    .toBuffer();
}

// out/index.html: each source image beside its thumbnail, newest first, the last 50 kept. The test
// step, `npm run invoke` and `npm run dev` call recordResult(); it copies the images under
// out/gallery/, keeps out/results.json and re-renders the page (gallery-html.ts).
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { galleryHtml } from './gallery-html.ts';
import { OUT_DIR } from './state.ts';

export const RESULTS_KEPT = 50;
export const GALLERY_DIR = 'gallery';
export const RESULTS_FILE = 'results.json';
export const PAGE_FILE = 'index.html';

/** An image as the page shows it; `file` is relative to out/ (undefined: nothing a browser can show). */
export interface ImageInfo {
  file?: string;
  bytes: number;
  format?: string;
  width?: number;
  height?: number;
}

/** One entry of out/results.json. */
export interface GalleryResult {
  id: string;
  /** ISO time of the run. */
  at: string;
  /** Which command made it: 'test', 'invoke', 'dev', ... */
  via: string;
  /** The source object's key (or file name). */
  name: string;
  source?: ImageInfo;
  thumbnail?: ImageInfo;
  /** The key the thumbnail was written under. */
  thumbnailKey?: string;
  /** From the invocation's REPORT line. */
  durationMs?: number;
  billedMs?: number;
  /** Why the function refused or failed the image (its `failed[].reason`, or the function error). */
  refusal?: string;
}

/** What a caller hands to recordResult. */
export interface ResultInput {
  via: string;
  name: string;
  source?: Buffer;
  thumbnail?: Buffer;
  thumbnailKey?: string;
  durationMs?: number;
  billedMs?: number;
  refusal?: string;
  at?: Date;
}

/** Formats every browser shows in an <img>; others get a PNG preview when sharp can read them. */
const SHOWN: Record<string, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', gif: 'gif', avif: 'avif', svg: 'svg' };

async function saveImage(outDir: string, base: string, bytes: Buffer): Promise<ImageInfo> {
  let meta: Metadata | undefined;
  try {
    meta = await sharp(bytes).metadata();
  } catch {
    return { bytes: bytes.length };
  }
  const info: ImageInfo = { bytes: bytes.length, format: meta.format, width: meta.width, height: meta.height };
  const ext = meta.format ? SHOWN[meta.format] : undefined;
  let data = bytes;
  let name = `${base}.${ext}`;
  if (!ext) {
    try {
      data = await sharp(bytes).png().toBuffer();
      name = `${base}.preview.png`;
    } catch {
      return info;
    }
  }
  fs.mkdirSync(path.join(outDir, GALLERY_DIR), { recursive: true });
  fs.writeFileSync(path.join(outDir, GALLERY_DIR, name), data);
  return { ...info, file: `${GALLERY_DIR}/${name}` };
}

export function readResults(outDir = OUT_DIR): GalleryResult[] {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(outDir, RESULTS_FILE), 'utf8')) as unknown;
    return Array.isArray(parsed) ? (parsed as GalleryResult[]) : [];
  } catch {
    return [];
  }
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** The newest `npm run tune` chart under out/ (tune-<stamp>.svg), relative to out/. */
export function latestTuneChart(outDir = OUT_DIR): string | undefined {
  if (!fs.existsSync(outDir)) return undefined;
  return fs
    .readdirSync(outDir)
    .filter((f) => /^tune-[\d-]+\.svg$/.test(f))
    .sort()
    .at(-1);
}

/** Writes out/index.html from out/results.json and the latest tune chart; returns its path. */
export function renderGallery(outDir = OUT_DIR): string {
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, PAGE_FILE);
  writeAtomically(file, galleryHtml(readResults(outDir), latestTuneChart(outDir)));
  return file;
}

/**
 * recordResult for a command whose real work is done: says where the page is, and a failure to write
 * it (a full disk, a read-only out/) is said, not thrown.
 */
export async function recordAndSay(input: ResultInput, say: (text: string) => void, outDir = OUT_DIR): Promise<void> {
  try {
    const saved = await recordResult(input, outDir);
    say(`results page: ${path.join(outDir, PAGE_FILE)} (${saved.id})`);
  } catch (err) {
    say(`the results page was not updated: ${(err as Error).message}`);
  }
}

/**
 * Records one run: saves its images under out/gallery/, puts it first in out/results.json (dropping
 * entries past the last 50, and their images) and re-renders out/index.html.
 */
export async function recordResult(input: ResultInput, outDir = OUT_DIR): Promise<GalleryResult> {
  const at = input.at ?? new Date();
  const stamp = at.toISOString().replace(/[-:.]/g, '').replace('T', '-').slice(0, 18);
  const id = `${stamp}-${randomBytes(3).toString('hex')}`;
  const result: GalleryResult = {
    id,
    at: at.toISOString(),
    via: input.via,
    name: input.name,
    source: input.source ? await saveImage(outDir, `${id}-source`, input.source) : undefined,
    thumbnail: input.thumbnail ? await saveImage(outDir, `${id}-thumb`, input.thumbnail) : undefined,
    thumbnailKey: input.thumbnailKey,
    durationMs: input.durationMs,
    billedMs: input.billedMs,
    refusal: input.refusal,
  };
  const all = [result, ...readResults(outDir)].sort((a, b) => b.at.localeCompare(a.at));
  const kept = all.slice(0, RESULTS_KEPT);
  for (const old of all.slice(RESULTS_KEPT))
    for (const img of [old.source, old.thumbnail])
      // Only our own files: results.json is a file a person may have edited.
      if (img?.file && /^gallery\/[\w.-]+$/.test(img.file)) fs.rmSync(path.join(outDir, img.file), { force: true });
  writeAtomically(path.join(outDir, RESULTS_FILE), JSON.stringify(kept, null, 2) + '\n');
  renderGallery(outDir);
  return result;
}

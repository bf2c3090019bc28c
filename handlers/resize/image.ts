// Pure image logic: bytes in, thumbnail bytes out, or a typed ImageError. No S3, no environment.
import sharp, {
  type AvifOptions,
  type GifOptions,
  type Metadata,
  type OutputInfo,
  type Sharp,
  type SharpOptions,
  type WebpOptions,
} from 'sharp';
import { detectImageType, type RasterType } from './detect.ts';
import { ImageError } from './errors.ts';

export type OutputFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif';

export const CONTENT_TYPES: Readonly<Record<OutputFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
};

export interface ThumbnailOptions {
  /** Target width in pixels; narrower images keep their width (never enlarged). */
  width: number;
  /** Refuse images whose declared width x height (all frames) exceeds this, before decoding. */
  maxInputPixels: number;
  /** Refuse inputs larger than this many bytes. */
  maxInputBytes: number;
}

export interface Thumbnail {
  data: Buffer;
  contentType: string;
  format: OutputFormat;
  inputType: RasterType;
  inputWidth: number;
  /** Height of one frame of the input, before orientation. */
  inputHeight: number;
  width: number;
  /** Height of one frame. */
  height: number;
  /** Frames: > 1 for animated GIF/WebP, which stay animated. */
  pages: number;
}

/**
 * The output format for an input type. Same format wherever browsers display it, so the
 * `resized-<key>` keeps an extension that matches its content for correctly named inputs:
 * JPEG->JPEG, PNG->PNG (alpha kept), WebP->WebP and GIF->GIF (animation kept: a thumbnail of an
 * animation should still move, and the result stays small), AVIF->AVIF (every current browser shows
 * it). TIFF, which browsers do not display, becomes JPEG, or PNG when it has an alpha channel.
 */
export function outputFormatFor(input: RasterType, hasAlpha: boolean): OutputFormat {
  switch (input) {
    case 'tiff':
      return hasAlpha ? 'png' : 'jpeg';
    default:
      return input;
  }
}

const ANIMATABLE: ReadonlySet<RasterType> = new Set(['gif', 'webp']);

// Defence in depth, process-wide, on import: libvips may decode only the six raster types, and only
// from memory. detect.ts already refuses SVG, PDF and the rest; this makes sure no other loader
// (SVG renderer, PDF, file loaders) can ever be reached, whatever the bytes claim to be.
sharp.block({ operation: ['VipsForeignLoad'] });
sharp.unblock({
  operation: [
    'VipsForeignLoadJpegBuffer',
    'VipsForeignLoadPngBuffer',
    'VipsForeignLoadWebpBuffer',
    'VipsForeignLoadNsgifBuffer',
    'VipsForeignLoadTiffBuffer',
    'VipsForeignLoadHeifBuffer',
  ],
});

/**
 * sharp's input options for an input type. failOn 'error': a truncated or corrupt file is refused
 * (libjpeg would otherwise return a half-grey image with only a warning), while the harmless
 * warnings many camera files trigger (extraneous bytes before a marker) are tolerated.
 */
export function inputOptions(type: RasterType, maxInputPixels: number): SharpOptions {
  return { failOn: 'error', limitInputPixels: maxInputPixels, animated: ANIMATABLE.has(type) };
}

function describe(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).trim().replace(/\s*\n\s*/g, '; ');
}

function isPixelLimit(err: unknown): boolean {
  return /pixel limit/i.test(describe(err));
}

/**
 * Encoder settings per output format: sharp's defaults (JPEG q80, PNG zlib 6, WebP q80, GIF, AVIF
 * q50; metadata such as EXIF/GPS stripped) with a lower encoder effort for WebP, GIF and AVIF: at
 * thumbnail size the higher efforts cost up to twice the time for files within a few percent.
 */
export const ENCODER_OPTIONS: Readonly<
  Record<OutputFormat, WebpOptions | GifOptions | AvifOptions | Record<never, never>>
> = {
  jpeg: {},
  png: {},
  webp: { effort: 2 },
  gif: { effort: 3 },
  avif: { effort: 2 },
};

async function readHeader(image: Sharp, type: RasterType, maxInputPixels: number): Promise<Metadata> {
  let meta: Metadata;
  try {
    meta = await image.metadata(); // parses the header only: a bomb is not decoded here
  } catch (err) {
    if (isPixelLimit(err)) {
      throw new ImageError(
        'too_many_pixels',
        `Image exceeds the limit of ${maxInputPixels} pixels`,
        { maxInputPixels },
        { cause: err },
      );
    }
    throw new ImageError(
      'corrupt',
      `Cannot read the ${type} header: ${describe(err)}`,
      { detected: type },
      { cause: err },
    );
  }
  // With `animated`, height spans all frames, so this is the whole decode budget.
  const pixels = meta.width * meta.height;
  if (!(pixels > 0) || pixels > maxInputPixels) {
    throw new ImageError(
      'too_many_pixels',
      `Image declares ${meta.width}x${meta.height} pixels, over the limit of ${maxInputPixels}`,
      {
        width: meta.width,
        height: meta.height,
        maxInputPixels,
      },
    );
  }
  if (type === 'avif' && meta.compression !== 'av1') {
    throw new ImageError(
      'unsupported_type',
      `HEIF with ${meta.compression ?? 'unknown'} compression is not supported`,
      { detected: 'heif' },
    );
  }
  return meta;
}

export async function makeThumbnail(input: Buffer, opts: ThumbnailOptions): Promise<Thumbnail> {
  if (input.length === 0) throw new ImageError('empty', 'The object is empty (0 bytes)');
  if (input.length > opts.maxInputBytes) {
    throw new ImageError('too_large', `The object has ${input.length} bytes, over the limit of ${opts.maxInputBytes}`, {
      size: input.length,
      maxInputBytes: opts.maxInputBytes,
    });
  }
  const detected = detectImageType(input);
  if (detected.kind === 'unknown') throw new ImageError('not_an_image', 'The content is not a recognised image format');
  if (detected.kind === 'unsupported') {
    throw new ImageError(
      'unsupported_type',
      `${detected.type.toUpperCase()} input is not supported (raster JPEG, PNG, WebP, GIF, TIFF or AVIF only)`,
      {
        detected: detected.type,
      },
    );
  }
  const type = detected.type;
  const image = sharp(input, inputOptions(type, opts.maxInputPixels));
  const meta = await readHeader(image, type, opts.maxInputPixels);
  const pages = meta.pages !== undefined && ANIMATABLE.has(type) ? meta.pages : 1;
  const frameHeight = pages > 1 ? (meta.pageHeight ?? meta.height / pages) : meta.height;
  const format = outputFormatFor(type, meta.hasAlpha);

  // EXIF orientation (and dropping the tag) only for single frames: animations carry none.
  let pipeline = pages > 1 ? image : image.rotate();
  pipeline = pipeline.resize({ width: opts.width, withoutEnlargement: true }).toFormat(format, ENCODER_OPTIONS[format]);
  let out: { data: Buffer; info: OutputInfo };
  try {
    out = await pipeline.toBuffer({ resolveWithObject: true });
  } catch (err) {
    if (isPixelLimit(err)) {
      throw new ImageError(
        'too_many_pixels',
        `Image exceeds the limit of ${opts.maxInputPixels} pixels`,
        {},
        { cause: err },
      );
    }
    throw new ImageError(
      'corrupt',
      `Cannot decode the ${type} image: ${describe(err)}`,
      { detected: type },
      { cause: err },
    );
  }
  return {
    data: out.data,
    contentType: CONTENT_TYPES[format],
    format,
    inputType: type,
    inputWidth: meta.width,
    inputHeight: frameHeight,
    width: out.info.width,
    height: out.info.pageHeight ?? out.info.height,
    pages: out.info.pages ?? 1,
  };
}

// The handler's settings, from the function's environment variables.

export interface ResizeConfig {
  /** DEST_BUCKET (required). */
  destBucket: string;
  /** THUMBNAIL_WIDTH, default 200. */
  width: number;
  /** MAX_INPUT_PIXELS, default 40 MP (all frames of an animation count). */
  maxInputPixels: number;
  /** MAX_INPUT_BYTES, default 50 MiB. */
  maxInputBytes: number;
}

export const DEFAULT_WIDTH = 200;
export const DEFAULT_MAX_INPUT_PIXELS = 40_000_000;
export const DEFAULT_MAX_INPUT_BYTES = 50 * 1024 * 1024;

/** A broken function configuration: it fails the invocation (loudly), not one record. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n < 1 || n > max) throw new ConfigError(`${name} must be between 1 and ${max}, got ${n}`);
  return n;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): ResizeConfig {
  const destBucket = env.DEST_BUCKET?.trim();
  if (!destBucket) throw new ConfigError('DEST_BUCKET is not set');
  return {
    destBucket,
    // 16383 is libvips' widest JPEG/WebP; thumbnails are far smaller anyway.
    width: positiveInt(env, 'THUMBNAIL_WIDTH', DEFAULT_WIDTH, 16383),
    maxInputPixels: positiveInt(env, 'MAX_INPUT_PIXELS', DEFAULT_MAX_INPUT_PIXELS, Number.MAX_SAFE_INTEGER),
    maxInputBytes: positiveInt(env, 'MAX_INPUT_BYTES', DEFAULT_MAX_INPUT_BYTES, Number.MAX_SAFE_INTEGER),
  };
}

// Unique ids and timestamps in IAM's formats.
import { randomBytes } from 'node:crypto';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `AROA…` / `ANPA…`: prefix + 17 characters, like AWS's unique ids. */
export function uniqueId(prefix: string): string {
  const bytes = randomBytes(17);
  let id = prefix;
  for (const b of bytes) id += ID_ALPHABET[b % ID_ALPHABET.length];
  return id;
}

/** ISO 8601 without milliseconds, as IAM writes dates. */
export function isoNow(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

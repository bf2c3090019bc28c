// The in-memory index of one bucket: key -> metadata, plus the keys in UTF-8 binary order for
// listing. Writes cost O(1); the sorted array is brought up to date lazily when a listing needs it.
import type { ObjectMeta } from './object-file.ts';

/** UTF-8 binary order (S3's listing order) of two JS strings without encoding them. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      // UTF-16 puts surrogates (code points above U+FFFF) below U+E000-U+FFFF; UTF-8 puts them above.
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

export interface ListQuery {
  prefix: string;
  delimiter?: string;
  /** Only keys (and common prefixes) after this one. */
  after?: string;
  maxKeys: number;
}

export interface ListPage {
  contents: ObjectMeta[];
  commonPrefixes: string[];
  truncated: boolean;
  /** The last key or common prefix returned: where the next page starts. */
  last?: string;
}

export class KeyIndex {
  private readonly map = new Map<string, ObjectMeta>();
  private sorted: string[] = [];
  /** Keys added since the last sort (may repeat, may have been deleted since). */
  private added: string[] = [];
  private removedSinceSort = false;

  get size(): number {
    return this.map.size;
  }

  get(key: string): ObjectMeta | undefined {
    return this.map.get(key);
  }

  /** Sets `meta` unless the index already holds a newer write of the key. */
  set(meta: ObjectMeta): void {
    const old = this.map.get(meta.key);
    if (old && old.seq > meta.seq) return;
    if (!old) this.added.push(meta.key);
    this.map.set(meta.key, meta);
  }

  /** Removes the key unless the index holds a write newer than the removal. */
  delete(key: string, seq = Number.MAX_SAFE_INTEGER): boolean {
    const old = this.map.get(key);
    if (!old || old.seq > seq) return false;
    this.map.delete(key);
    this.removedSinceSort = true;
    return true;
  }

  values(): IterableIterator<ObjectMeta> {
    return this.map.values();
  }

  /** All keys in UTF-8 binary order. */
  keys(): string[] {
    if (this.added.length === 0 && !this.removedSinceSort) return this.sorted;
    const fresh = this.added.filter((k) => this.map.has(k)).sort(compareKeys);
    const old = this.removedSinceSort ? this.sorted.filter((k) => this.map.has(k)) : this.sorted;
    const merged: string[] = new Array<string>();
    let i = 0;
    let j = 0;
    while (i < old.length || j < fresh.length) {
      const next =
        j >= fresh.length || (i < old.length && compareKeys(old[i]!, fresh[j]!) <= 0) ? old[i++]! : fresh[j++]!;
      if (merged.length === 0 || merged[merged.length - 1] !== next) merged.push(next);
    }
    this.sorted = merged;
    this.added = [];
    this.removedSinceSort = false;
    return merged;
  }

  list(q: ListQuery): ListPage {
    const keys = this.keys();
    const page: ListPage = { contents: [], commonPrefixes: [], truncated: false };
    if (q.maxKeys <= 0) return page;
    let i = lowerBound(keys, q.prefix);
    if (q.after !== undefined) i = Math.max(i, upperBound(keys, q.after));
    let count = 0;
    while (i < keys.length) {
      const key = keys[i]!;
      if (!key.startsWith(q.prefix)) break;
      const cut = q.delimiter ? key.indexOf(q.delimiter, q.prefix.length) : -1;
      if (cut >= 0) {
        const common = key.slice(0, cut + q.delimiter!.length);
        // Every key under `common` rolls up into it: jump past them.
        const end = endOfPrefix(keys, common, i);
        if (q.after !== undefined && compareKeys(common, q.after) <= 0) {
          i = end;
          continue;
        }
        if (count === q.maxKeys) {
          page.truncated = true;
          break;
        }
        page.commonPrefixes.push(common);
        page.last = common;
        count++;
        i = end;
        continue;
      }
      if (count === q.maxKeys) {
        page.truncated = true;
        break;
      }
      page.contents.push(this.map.get(key)!);
      page.last = key;
      count++;
      i++;
    }
    return page;
  }
}

/** First index whose key is >= x. */
export function lowerBound(keys: string[], x: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid]!, x) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose key is > x. */
export function upperBound(keys: string[], x: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid]!, x) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index at or after `from` whose key does not start with `prefix` (keys under a prefix are contiguous). */
function endOfPrefix(keys: string[], prefix: string, from: number): number {
  let lo = from;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]!.startsWith(prefix)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

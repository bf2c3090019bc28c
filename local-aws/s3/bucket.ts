// One bucket in memory: its record, the index of its current objects, and (versioned buckets) the
// versions of each key.
import type { BucketMeta } from './bucket-meta.ts';
import { KeyIndex } from './key-index.ts';
import type { ObjectMeta } from './object-file.ts';

export class Bucket {
  /** The current version of each key that has one (delete markers are not in it). */
  readonly index = new KeyIndex();
  /** Versioned buckets: every version of a key, newest first (keys with only a null version may be absent). */
  readonly versions = new Map<string, ObjectMeta[]>();
  constructor(
    readonly meta: BucketMeta,
    readonly dir: string,
  ) {}

  get name(): string {
    return this.meta.name;
  }
}

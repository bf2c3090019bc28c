// The one ownership rule, and where each resource's record lives. A resource is ours when the state
// file records that we created it under that name, or when it carries our tag; everything else
// (a foreign bucket, someone's topic) is used as is and left by teardown.
import type { Ctx } from '../context.ts';
import { hasTag, SUITE_TAG } from '../policies.ts';
import type { OwnedEntry, OwnedKind, OwnedResource, WalkthroughState } from '../state.ts';

type Tags = ReadonlyArray<{ Key?: string; Value?: string }> | Record<string, string> | undefined;

/** Who "us" is: the walkthrough (and the extras that share its state), or lambdash with its own tag. */
export interface Owner {
  tag: { Key: string; Value: string };
  /** As messages name it: "not created by this walkthrough". */
  label: string;
}

export const WALKTHROUGH: Owner = { tag: SUITE_TAG, label: 'this walkthrough' };

/** THE rule: recorded as created by us under this name, or tagged as ours. */
export function isOurs(
  record: OwnedResource | undefined,
  name: string,
  tags?: Tags,
  tag: { Key: string; Value: string } = SUITE_TAG,
): boolean {
  if (record?.name === name && record.createdBySuite) return true;
  if (!tags) return false;
  const list = Array.isArray(tags)
    ? (tags as ReadonlyArray<{ Key?: string; Value?: string }>)
    : Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  return hasTag(list, tag);
}

/** Where a resource's record is kept in the state file: the walkthrough's own slot, or the owned list. */
export interface Slot<R extends OwnedResource = OwnedResource> {
  get(): R | undefined;
  /** Written before a create, so an interruption right after it still leaves the resource known as ours. */
  set(record: R): void;
  clear(): void;
}

type CoreKey = 'role' | 'logGroup' | 'layer' | 'function' | 'sourceBucket' | 'destBucket' | 'topic';

/** The walkthrough's own resource of that kind (state.role, state.function, ...). */
export function coreSlot<K extends CoreKey>(ctx: Pick<Ctx, 'state'>, key: K): Slot<NonNullable<WalkthroughState[K]>> {
  return {
    get: () => ctx.state.data[key] as NonNullable<WalkthroughState[K]> | undefined,
    set: (record) => ctx.state.update((x) => (x[key] = record as WalkthroughState[K])),
    clear: () => ctx.state.update((x) => delete x[key]),
  };
}

/**
 * A resource an extra made (the persistence probe's role, log group, function): kept in the state's
 * owned list by kind, so teardown removes it without knowing which extra made it.
 */
export function ownedSlot<R extends OwnedResource>(
  ctx: Pick<Ctx, 'state'>,
  kind: OwnedKind,
  name: string,
  by: string,
): Slot<R> {
  const same = (e: OwnedEntry) => e.kind === kind && e.name === name;
  return {
    get: () => ctx.state.data.owned?.find(same)?.record as R | undefined,
    set: (record) =>
      ctx.state.update((x) => {
        x.owned = [...(x.owned ?? []).filter((e) => !same(e)), { kind, name, by, record }];
      }),
    clear: () =>
      ctx.state.update((x) => {
        x.owned = (x.owned ?? []).filter((e) => !same(e));
        if (x.owned.length === 0) delete x.owned;
      }),
  };
}

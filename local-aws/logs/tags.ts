// Log group tags: the old per-group operations (TagLogGroup, UntagLogGroup, ListTagsLogGroup) and the
// ARN-based ones (TagResource, UntagResource, ListTagsForResource).
import { AwsError } from '../core/errors.ts';
import type { JsonObject } from '../protocols/json.ts';
import { allow, groupArn, groupRef, type LogsContext, type LogsHandler } from './context.ts';
import { checkTags, nullError } from './input.ts';
import type { LogGroup } from './store.ts';

function tagsJson(g: LogGroup): JsonObject {
  return Object.fromEntries(g.meta.tags);
}

async function addTags(ctx: LogsContext, g: LogGroup, tags: Array<[string, string]>): Promise<void> {
  const merged = new Map(g.meta.tags);
  for (const [k, v] of tags) merged.set(k, v);
  if (merged.size > 50) throw new AwsError('InvalidParameterException', 'A log group can have at most 50 tags.', 400);
  await ctx.backend.logs.updateGroup(g, (m) => (m.tags = [...merged]));
}

async function removeTags(ctx: LogsContext, g: LogGroup, keys: string[]): Promise<void> {
  const drop = new Set(keys);
  await ctx.backend.logs.updateGroup(g, (m) => (m.tags = m.tags.filter(([k]) => !drop.has(k))));
}

/** `resourceArn` of a log group (with or without the trailing `:*`). */
function groupByArn(ctx: LogsContext): LogGroup {
  const arn = ctx.input.requiredStr('resourceArn', { min: 1, max: 1011 });
  allow(ctx, arn.replace(/:\*$/, ''));
  const m = /^arn:aws[\w-]*:logs:([a-z0-9-]+):(\d{12}):log-group:([^:]+)(:\*)?$/.exec(arn);
  if (!m)
    throw new AwsError(
      'InvalidParameterException',
      `Invalid resourceArn: ${arn}. Only log group ARNs are supported here.`,
      400,
    );
  const group = m[2] === ctx.backend.config.accountId ? ctx.backend.logs.group(m[1]!, m[3]!) : undefined;
  if (!group) throw new AwsError('ResourceNotFoundException', 'The specified log group does not exist.', 400);
  return group;
}

function namedGroup(ctx: LogsContext): LogGroup {
  const g = groupRef(ctx);
  allow(ctx, groupArn(ctx, g.region, g.name));
  return ctx.backend.logs.requireGroup(g.region, g.name);
}

function tagsInput(ctx: LogsContext): Array<[string, string]> {
  const tags = ctx.input.strMap('tags');
  if (tags === undefined) throw nullError('tags');
  checkTags(tags);
  return tags;
}

export const TAG_HANDLERS: Record<string, LogsHandler> = {
  async TagLogGroup(ctx) {
    const tags = tagsInput(ctx);
    await addTags(ctx, namedGroup(ctx), tags);
    return undefined;
  },
  async UntagLogGroup(ctx) {
    const keys = ctx.input.strList('tags', { min: 1, max: 50 });
    if (keys === undefined) throw nullError('tags');
    await removeTags(ctx, namedGroup(ctx), keys);
    return undefined;
  },
  async ListTagsLogGroup(ctx) {
    return { tags: tagsJson(namedGroup(ctx)) };
  },
  async TagResource(ctx) {
    const tags = tagsInput(ctx);
    await addTags(ctx, groupByArn(ctx), tags);
    return undefined;
  },
  async UntagResource(ctx) {
    const keys = ctx.input.strList('tagKeys', { min: 0, max: 50 });
    if (keys === undefined) throw nullError('tagKeys');
    await removeTags(ctx, groupByArn(ctx), keys);
    return undefined;
  },
  async ListTagsForResource(ctx) {
    return { tags: tagsJson(groupByArn(ctx)) };
  },
};

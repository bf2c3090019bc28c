// TagResource / UntagResource / ListTags on function ARNs (`/2017-03-31/tags/{arn}`).
import type { AwsResponse } from '../core/request.ts';
import { restJsonResponse } from '../protocols/json.ts';
import { authorizeFunction, body, type LambdaContext } from './context.ts';
import { constraint, dict, functionNotFound, invalidParameter, nullError } from './input.ts';
import type { FunctionRecord } from './model.ts';

const MAX_TAGS = 50;

/** Tags: at most 50; keys 1-128 characters, values up to 256; `aws:` is AWS's own prefix. */
export function checkTags(tags: Array<[string, string]>, existing = 0): void {
  if (tags.length + existing > MAX_TAGS)
    throw invalidParameter(`Number of tags exceeds resource tag limit (${MAX_TAGS}).`);
  for (const [k, v] of tags) {
    if (k.length < 1 || k.length > 128) throw constraint(k, 'tags', 'Map keys must have length between 1 and 128');
    if (v.length > 256) throw constraint(v, 'tags', 'Map values must have length less than or equal to 256');
    if (k.toLowerCase().startsWith('aws:'))
      throw invalidParameter(`Tag keys starting with 'aws:' are reserved for AWS use: ${k}`);
  }
}

function taggedFunction(ctx: LambdaContext, op: string): FunctionRecord {
  const arn = ctx.segments.slice(1).join('/');
  const m = /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([a-zA-Z0-9-_]{1,64})(:[^:]+)?$/.exec(arn);
  if (!m) throw invalidParameter(`Invalid resource ARN: ${arn}`);
  if (m[4])
    throw invalidParameter('Tags on function aliases and versions are not supported. Please specify a function ARN.');
  const unqualified = arn;
  const fn = m[2] === ctx.backend.config.accountId ? ctx.store.get(unqualified) : undefined;
  authorizeFunction(ctx, `lambda:${op}`, unqualified, fn);
  if (!fn) throw functionNotFound(unqualified);
  return fn;
}

export async function tagResource(ctx: LambdaContext): Promise<AwsResponse> {
  const fn = taggedFunction(ctx, 'TagResource');
  const tags = body(ctx).strMap('Tags');
  if (tags === undefined) throw nullError('tags');
  const added = tags.filter(([k]) => !Object.hasOwn(fn.tags, k)).length;
  checkTags(tags, Object.keys(fn.tags).length + added - tags.length);
  fn.tags = dict([...Object.entries(fn.tags), ...tags]);
  ctx.store.touch(fn);
  await ctx.store.save();
  return restJsonResponse(204);
}

export async function untagResource(ctx: LambdaContext): Promise<AwsResponse> {
  const fn = taggedFunction(ctx, 'UntagResource');
  const keys = ctx.req.query.getAll('tagKeys');
  if (keys.length === 0) throw nullError('tagKeys');
  fn.tags = dict(Object.entries(fn.tags).filter(([k]) => !keys.includes(k)));
  ctx.store.touch(fn);
  await ctx.store.save();
  return restJsonResponse(204);
}

export async function listTags(ctx: LambdaContext): Promise<AwsResponse> {
  const fn = taggedFunction(ctx, 'ListTags');
  return restJsonResponse(200, { Tags: { ...fn.tags } });
}

// Function lifecycle operations: Create, Get, GetConfiguration, List, UpdateCode,
// UpdateConfiguration, Delete (docs/local-aws/protocols.md#lambda-api).
import { notImplemented } from '../core/errors.ts';
import type { AwsResponse } from '../core/request.ts';
import { restJsonResponse, type JsonObject } from '../protocols/json.ts';
import { preparePackage, type CodePackage } from './code.ts';
import { readCodeInput } from './code-input.ts';
import { authorizedFunction, body, checkRole, functionRef, type LambdaContext } from './context.ts';
import { constraint, invalidParameter, nullError } from './input.ts';
import { parseFunctionRef, type LayerRef } from './model.ts';
import { configurationJson } from './render.ts';
import { checkRuntime } from './runtimes.ts';
import { applySettings, parseArchitectures, parseSettings } from './settings.ts';
import { checkTags } from './tags.ts';
import { MAX_UNZIPPED } from './zip.ts';

const PAGE_MAX = 50;

function unzipped(pkg: CodePackage): number {
  return pkg.entries.reduce((n, e) => n + e.size, 0);
}

/** The 250 MB unzipped limit counts the function's code and all its layers together. */
function checkCombinedSize(codeSize: number, layers: LayerRef[] | undefined): void {
  if (!layers?.length) return;
  const total = layers.reduce((n, l) => n + l.unzippedSize, codeSize);
  if (total > MAX_UNZIPPED)
    throw invalidParameter(
      `Function code combined with layers exceeds the maximum allowed size of ${MAX_UNZIPPED} bytes. ` +
        `The actual size is ${total} bytes.`,
    );
}

function refuseDeprecated(runtime: string): void {
  const verdict = checkRuntime(runtime, 'update');
  if (!verdict.ok && verdict.reason === 'deprecated') throw invalidParameter(verdict.message);
}

export async function createFunction(ctx: LambdaContext): Promise<AwsResponse> {
  const input = body(ctx);
  const rawName = input.requiredStr('FunctionName', { min: 1, max: 140 });
  const ref = parseFunctionRef(rawName, ctx.req.region, ctx.backend.config.accountId);
  if (ref.qualifier !== undefined || ref.accountId !== ctx.backend.config.accountId)
    throw invalidParameter(`Invalid function name: ${rawName}`);
  ctx.backend.authorize(ctx.req, 'lambda:CreateFunction', ref.arn);
  if (input.bool('Publish')) throw notImplemented('lambda', 'CreateFunction with Publish=true (function versions)');
  const change = parseSettings(input, 'create');
  if (change.role === undefined) throw nullError('role');
  const code = input.obj('Code');
  if (!code) throw nullError('code');
  if (change.runtime === undefined || change.handler === undefined)
    throw invalidParameter(
      'Runtime and Handler are mandatory parameters for functions created with deployment packages.',
    );
  const tags = input.strMap('Tags') ?? [];
  checkTags(tags);
  if (ctx.store.get(ref.arn)) throw ctx.store.alreadyExists(ref.name);
  checkRole(ctx, change.role);
  const pkg = preparePackage(await readCodeInput(code, ctx.req, ctx.backend));
  const layers = change.layers && ctx.store.layers.resolve(change.layers);
  checkCombinedSize(unzipped(pkg), layers);
  const fn = await ctx.store.create({ name: ref.name, region: ref.region, change, pkg, layers, tags });
  return restJsonResponse(201, configurationJson(fn));
}

export async function getFunction(ctx: LambdaContext): Promise<AwsResponse> {
  const ref = functionRef(ctx);
  const fn = authorizedFunction(ctx, 'GetFunction', ref);
  const configuration = configurationJson(fn);
  if (ref.qualifier) configuration.FunctionArn = `${fn.arn}:${ref.qualifier}`;
  const out: JsonObject = {
    Configuration: configuration,
    Code: { RepositoryType: 'S3', Location: ctx.store.codeUrl(fn.config.codeHex) },
  };
  if (Object.keys(fn.tags).length > 0) out.Tags = { ...fn.tags };
  return restJsonResponse(200, out);
}

export async function getFunctionConfiguration(ctx: LambdaContext): Promise<AwsResponse> {
  const ref = functionRef(ctx);
  const fn = authorizedFunction(ctx, 'GetFunctionConfiguration', ref);
  const configuration = configurationJson(fn);
  if (ref.qualifier) configuration.FunctionArn = `${fn.arn}:${ref.qualifier}`;
  return restJsonResponse(200, configuration);
}

export async function listFunctions(ctx: LambdaContext): Promise<AwsResponse> {
  ctx.backend.authorize(ctx.req, 'lambda:ListFunctions', '*');
  const q = ctx.req.query;
  const version = q.get('FunctionVersion');
  if (version !== null && version !== 'ALL')
    throw constraint(version, 'functionVersion', 'Member must satisfy enum value set: [ALL]');
  const maxText = q.get('MaxItems');
  let max = PAGE_MAX;
  if (maxText !== null) {
    const n = Number(maxText);
    if (!Number.isInteger(n) || n < 1)
      throw constraint(maxText, 'maxItems', 'Member must have value greater than or equal to 1');
    if (n > 10000) throw constraint(maxText, 'maxItems', 'Member must have value less than or equal to 10000');
    max = Math.min(n, PAGE_MAX);
  }
  const all = ctx.store.list(ctx.req.region);
  let start = 0;
  const marker = q.get('Marker');
  if (marker !== null) {
    const after = Buffer.from(marker, 'base64url').toString('utf8');
    if (!marker || !after.startsWith('n:')) throw invalidParameter('Invalid marker');
    start = all.findIndex((f) => f.name > after.slice(2));
    if (start < 0) start = all.length;
  }
  const page = all.slice(start, start + max);
  const out: JsonObject = { Functions: page.map((f) => configurationJson(f, { list: true })) };
  if (start + max < all.length) out.NextMarker = Buffer.from(`n:${page[page.length - 1]!.name}`).toString('base64url');
  return restJsonResponse(200, out);
}

export async function updateFunctionCode(ctx: LambdaContext): Promise<AwsResponse> {
  const fn = authorizedFunction(ctx, 'UpdateFunctionCode');
  const input = body(ctx);
  if (input.bool('Publish')) throw notImplemented('lambda', 'UpdateFunctionCode with Publish=true (function versions)');
  const architecture = parseArchitectures(input);
  const revisionId = input.str('RevisionId');
  const zip = await readCodeInput(input, ctx.req, ctx.backend);
  ctx.store.assertChangeable(fn);
  ctx.store.checkRevision(fn, revisionId);
  refuseDeprecated(fn.config.runtime);
  const pkg = preparePackage(zip);
  checkCombinedSize(unzipped(pkg), fn.config.layers);
  const next = {
    ...fn.config,
    codeSha256: pkg.sha256,
    codeHex: pkg.hex,
    codeSize: pkg.size,
    architecture: architecture ?? fn.config.architecture,
  };
  if (input.bool('DryRun')) {
    const preview = configurationJson(fn);
    return restJsonResponse(200, {
      ...preview,
      CodeSha256: pkg.sha256,
      CodeSize: pkg.size,
      Architectures: [next.architecture],
    });
  }
  await ctx.store.update(fn, next, pkg);
  return restJsonResponse(200, configurationJson(fn));
}

export async function updateFunctionConfiguration(ctx: LambdaContext): Promise<AwsResponse> {
  const fn = authorizedFunction(ctx, 'UpdateFunctionConfiguration');
  const input = body(ctx);
  const change = parseSettings(input, 'update');
  const revisionId = input.str('RevisionId');
  ctx.store.assertChangeable(fn);
  ctx.store.checkRevision(fn, revisionId);
  if (change.runtime === undefined) refuseDeprecated(fn.config.runtime);
  if (change.role !== undefined) checkRole(ctx, change.role);
  const next = applySettings(fn.config, change, fn.name);
  if (change.layers !== undefined) {
    const layers = ctx.store.layers.resolve(change.layers);
    if (layers.length > 0) checkCombinedSize(await ctx.store.code.unzippedSize(fn.config.codeHex), layers);
    next.layers = layers.length > 0 ? layers : undefined;
  }
  await ctx.store.update(fn, next);
  return restJsonResponse(200, configurationJson(fn));
}

export async function deleteFunction(ctx: LambdaContext): Promise<AwsResponse> {
  const ref = functionRef(ctx);
  if (ref.qualifier === '$LATEST')
    throw invalidParameter('$LATEST version cannot be deleted without deleting the function.');
  const fn = authorizedFunction(ctx, 'DeleteFunction', ref);
  await ctx.store.delete(fn);
  return restJsonResponse(204);
}

// Layer operations (docs/local-aws/protocols.md#lambda-layers): PublishLayerVersion, GetLayerVersion,
// GetLayerVersionByArn, ListLayerVersions, ListLayers, DeleteLayerVersion.
import type { AwsResponse } from '../core/request.ts';
import { restJsonResponse, type JsonObject } from '../protocols/json.ts';
import { preparePackage } from './code.ts';
import { readCodeInput } from './code-input.ts';
import { body, type LambdaContext } from './context.ts';
import { constraint, invalidParameter, nullError } from './input.ts';
import { missingLayerVersion, type LayerRecord, type LayerVersionRecord } from './layers.ts';
import { RUNTIME_ENUM } from './runtimes.ts';

const PAGE_MAX = 50;
const ARCHITECTURES = ['x86_64', 'arm64'];

function versionJson(layer: LayerRecord, v: LayerVersionRecord, opts: { content?: boolean } = {}): JsonObject {
  const out: JsonObject = {};
  if (opts.content) out.LayerArn = layer.arn;
  out.LayerVersionArn = `${layer.arn}:${v.version}`;
  out.Description = v.description;
  out.CreatedDate = v.createdDate;
  out.Version = v.version;
  if (v.compatibleRuntimes.length > 0) out.CompatibleRuntimes = [...v.compatibleRuntimes];
  if (v.licenseInfo !== undefined) out.LicenseInfo = v.licenseInfo;
  if (v.compatibleArchitectures.length > 0) out.CompatibleArchitectures = [...v.compatibleArchitectures];
  return out;
}

function fullJson(ctx: LambdaContext, layer: LayerRecord, v: LayerVersionRecord): JsonObject {
  return {
    Content: { Location: ctx.store.codeUrl(v.codeHex), CodeSha256: v.codeSha256, CodeSize: v.codeSize },
    ...versionJson(layer, v, { content: true }),
  };
}

function enumList(values: string[] | undefined, allowed: readonly string[], field: string, max: number): string[] {
  if (!values) return [];
  if (values.length > max)
    throw constraint(`[${values.join(', ')}]`, field, `Member must have length less than or equal to ${max}`);
  for (const v of values)
    if (!allowed.includes(v))
      throw constraint(
        `[${values.join(', ')}]`,
        field,
        `Member must satisfy constraint: [Member must satisfy enum value set: [${allowed.join(', ')}]]`,
      );
  return values;
}

/** `VersionNumber` from the path. */
function versionNumber(raw: string | undefined): number {
  const n = Number(raw);
  if (!raw || !/^-?\d+$/.test(raw) || !Number.isSafeInteger(n))
    throw invalidParameter(`Invalid version number: ${raw}`);
  return n;
}

/** The query's optional filters: CompatibleRuntime, CompatibleArchitecture. */
function filters(ctx: LambdaContext): (v: LayerVersionRecord) => boolean {
  const q = ctx.req.query;
  const runtime = q.get('CompatibleRuntime');
  const arch = q.get('CompatibleArchitecture');
  if (runtime !== null && !RUNTIME_ENUM.includes(runtime))
    throw constraint(runtime, 'compatibleRuntime', `Member must satisfy enum value set: [${RUNTIME_ENUM.join(', ')}]`);
  if (arch !== null && !ARCHITECTURES.includes(arch))
    throw constraint(
      arch,
      'compatibleArchitecture',
      `Member must satisfy enum value set: [${ARCHITECTURES.join(', ')}]`,
    );
  return (v) =>
    (runtime === null || v.compatibleRuntimes.includes(runtime)) &&
    (arch === null || v.compatibleArchitectures.includes(arch));
}

function pageSize(ctx: LambdaContext): number {
  const text = ctx.req.query.get('MaxItems');
  if (text === null) return PAGE_MAX;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw constraint(text, 'maxItems', 'Member must have value greater than or equal to 1');
  if (n > PAGE_MAX) throw constraint(text, 'maxItems', `Member must have value less than or equal to ${PAGE_MAX}`);
  return n;
}

/** Pages `items` after the Marker (an opaque key of the last item of the previous page). */
function page<T>(ctx: LambdaContext, items: T[], key: (item: T) => string): { items: T[]; next?: string } {
  const max = pageSize(ctx);
  let start = 0;
  const marker = ctx.req.query.get('Marker');
  if (marker !== null) {
    const after = Buffer.from(marker, 'base64url').toString('utf8');
    const at = items.findIndex((i) => key(i) === after);
    if (!marker || at < 0) throw invalidParameter('Invalid marker');
    start = at + 1;
  }
  const slice = items.slice(start, start + max);
  const next =
    start + max < items.length ? Buffer.from(key(slice[slice.length - 1]!)).toString('base64url') : undefined;
  return { items: slice, next };
}

export async function publishLayerVersion(ctx: LambdaContext): Promise<AwsResponse> {
  const name = ctx.segments[1] ?? '';
  const arn = ctx.store.layers.arnOf(name, ctx.req.region);
  ctx.backend.authorize(ctx.req, 'lambda:PublishLayerVersion', arn);
  if (name.startsWith('arn:') && arn.split(':')[4] !== ctx.backend.config.accountId)
    throw invalidParameter(`Invalid layer name: ${name}`);
  const input = body(ctx);
  const description = input.str('Description', { min: 0, max: 256 }) ?? '';
  const licenseInfo = input.str('LicenseInfo', { max: 512 });
  const compatibleRuntimes = enumList(input.strList('CompatibleRuntimes'), RUNTIME_ENUM, 'compatibleRuntimes', 15);
  const compatibleArchitectures = enumList(
    input.strList('CompatibleArchitectures'),
    ARCHITECTURES,
    'compatibleArchitectures',
    2,
  );
  const content = input.obj('Content');
  if (!content) throw nullError('content');
  const pkg = preparePackage(await readCodeInput(content, ctx.req, ctx.backend));
  const layerName = arn.slice(arn.lastIndexOf(':') + 1);
  const region = arn.split(':')[3]!;
  const { layer, version } = await ctx.store.publishLayer({
    name: layerName,
    region,
    pkg,
    description,
    compatibleRuntimes,
    compatibleArchitectures,
    licenseInfo,
  });
  return restJsonResponse(201, fullJson(ctx, layer, version));
}

function requireVersion(ctx: LambdaContext, arn: string, n: number): { layer: LayerRecord; v: LayerVersionRecord } {
  const layer = ctx.store.layers.get(arn);
  const v = ctx.store.layers.version(arn, n);
  if (!layer || !v) throw missingLayerVersion();
  return { layer, v };
}

export async function getLayerVersion(ctx: LambdaContext): Promise<AwsResponse> {
  const arn = ctx.store.layers.arnOf(ctx.segments[1] ?? '', ctx.req.region);
  const n = versionNumber(ctx.segments[3]);
  ctx.backend.authorize(ctx.req, 'lambda:GetLayerVersion', `${arn}:${n}`);
  const { layer, v } = requireVersion(ctx, arn, n);
  return restJsonResponse(200, fullJson(ctx, layer, v));
}

/** GET /2018-10-31/layers?find=LayerVersion&Arn=...: GetLayerVersionByArn; without `find`, ListLayers. */
export async function listLayersOrFind(ctx: LambdaContext): Promise<AwsResponse> {
  const find = ctx.req.query.get('find');
  if (find === null) return listLayers(ctx);
  if (find !== 'LayerVersion') throw invalidParameter(`Invalid find value: ${find}`);
  const raw = ctx.req.query.get('Arn') ?? '';
  const m = /^(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+):([0-9]+)$/.exec(raw);
  if (!m)
    throw constraint(
      raw,
      'arn',
      'Member must satisfy regular expression pattern: ' +
        '(arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:' +
        '[a-zA-Z0-9-_]+:[0-9]+)',
    );
  ctx.backend.authorize(ctx.req, 'lambda:GetLayerVersion', raw);
  const { layer, v } = requireVersion(ctx, m[1]!, Number(m[2]));
  return restJsonResponse(200, fullJson(ctx, layer, v));
}

async function listLayers(ctx: LambdaContext): Promise<AwsResponse> {
  ctx.backend.authorize(ctx.req, 'lambda:ListLayers', '*');
  const matching = filters(ctx);
  const rows: Array<{ layer: LayerRecord; latest: LayerVersionRecord }> = [];
  for (const layer of ctx.store.layers.list(ctx.req.region)) {
    const latest = [...layer.versions].reverse().find(matching);
    if (latest) rows.push({ layer, latest });
  }
  const { items, next } = page(ctx, rows, (r) => r.layer.name);
  const out: JsonObject = {
    Layers: items.map((r) => ({
      LayerName: r.layer.name,
      LayerArn: r.layer.arn,
      LatestMatchingVersion: versionJson(r.layer, r.latest),
    })),
  };
  if (next) out.NextMarker = next;
  return restJsonResponse(200, out);
}

export async function listLayerVersions(ctx: LambdaContext): Promise<AwsResponse> {
  const arn = ctx.store.layers.arnOf(ctx.segments[1] ?? '', ctx.req.region);
  ctx.backend.authorize(ctx.req, 'lambda:ListLayerVersions', '*');
  const layer = ctx.store.layers.get(arn);
  const matching = filters(ctx);
  const versions = layer ? [...layer.versions].reverse().filter(matching) : [];
  const { items, next } = page(ctx, versions, (v) => String(v.version));
  const out: JsonObject = { LayerVersions: items.map((v) => versionJson(layer!, v)) };
  if (next) out.NextMarker = next;
  return restJsonResponse(200, out);
}

export async function deleteLayerVersion(ctx: LambdaContext): Promise<AwsResponse> {
  const arn = ctx.store.layers.arnOf(ctx.segments[1] ?? '', ctx.req.region);
  const n = versionNumber(ctx.segments[3]);
  ctx.backend.authorize(ctx.req, 'lambda:DeleteLayerVersion', `${arn}:${n}`);
  await ctx.store.deleteLayerVersion(arn, n);
  return restJsonResponse(204);
}

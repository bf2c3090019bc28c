// Typed state of Lambda layers: each layer's versions (numbered from 1, never reused after a delete),
// kept in one durable JSON file beside the functions'. The zips live in the shared CodeStore, named
// by their SHA-256 like function code (docs/local-aws/protocols.md#lambda-layers).
import * as path from 'node:path';
import { JsonFile } from '../core/persist.ts';
import type { CodePackage } from './code.ts';
import { constraint, invalidParameter, resourceNotFound } from './input.ts';
import { lambdaTimestamp, type LayerRef } from './model.ts';

export interface LayerVersionRecord {
  version: number;
  description: string;
  /** `2024-05-01T12:34:56.789+0000` */
  createdDate: string;
  compatibleRuntimes: string[];
  compatibleArchitectures: string[];
  licenseInfo?: string;
  /** base64 SHA-256 of the zip (CodeSha256). */
  codeSha256: string;
  codeHex: string;
  codeSize: number;
  /** Sum of the entries' sizes: counts toward a function's 250 MB unzipped limit. */
  unzippedSize: number;
}

export interface LayerRecord {
  name: string;
  region: string;
  /** Unversioned ARN. */
  arn: string;
  /** The highest version ever published (deleted ones included): the next one is one more. */
  lastVersion: number;
  versions: LayerVersionRecord[];
}

interface LayersState {
  layers: LayerRecord[];
}

export const LAYER_NAME = /^[a-zA-Z0-9-_]+$/;
export const LAYER_NAME_OR_ARN =
  /^((arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+)$/;
export const LAYER_NAME_PATTERN_TEXT =
  '(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+';
const VERSION_ARN = /^arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+):([0-9]+)$/;
export const VERSION_ARN_PATTERN_TEXT =
  '(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|' +
  '(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)';

export function layerArn(region: string, accountId: string, name: string): string {
  return `arn:aws:lambda:${region}:${accountId}:layer:${name}`;
}

/** The version ARNs of a function's `Layers`, checked against the model (ValidationException). */
export function checkLayerArns(arns: string[]): void {
  if (arns.length > 5)
    throw constraint(`[${arns.join(', ')}]`, 'layers', 'Member must have length less than or equal to 5');
  for (const arn of arns) {
    if (
      arn.length < 1 ||
      arn.length > 140 ||
      !(VERSION_ARN.test(arn) || /^arn:[a-zA-Z0-9-]+:lambda:::awslayer:/.test(arn))
    )
      throw constraint(
        `[${arns.join(', ')}]`,
        'layers',
        'Member must satisfy constraint: [Member must have length less than or equal to 140, ' +
          'Member must have length greater than or equal to 1, ' +
          `Member must satisfy regular expression pattern: ${VERSION_ARN_PATTERN_TEXT}]`,
      );
  }
}

export class LayerStore {
  private readonly file: JsonFile<LayersState>;
  private readonly layers = new Map<string, LayerRecord>();

  constructor(
    root: string,
    private readonly accountId: string,
  ) {
    this.file = new JsonFile<LayersState>(path.join(root, 'layers.json'), () => ({ layers: [] }));
    for (const layer of this.file.data.layers) this.layers.set(layer.arn, layer);
  }

  private async save(): Promise<void> {
    this.file.data = { layers: [...this.layers.values()].filter((l) => l.lastVersion > 0) };
    await this.file.save();
  }

  /** A name or an unversioned ARN (the path's `LayerName`) -> the layer's unversioned ARN. */
  arnOf(nameOrArn: string, region: string): string {
    if (nameOrArn.length < 1 || nameOrArn.length > 140 || !LAYER_NAME_OR_ARN.test(nameOrArn))
      throw constraint(
        nameOrArn,
        'layerName',
        `Member must satisfy regular expression pattern: ${LAYER_NAME_PATTERN_TEXT}`,
      );
    return nameOrArn.startsWith('arn:') ? nameOrArn : layerArn(region, this.accountId, nameOrArn);
  }

  get(arn: string): LayerRecord | undefined {
    return this.layers.get(arn);
  }

  version(arn: string, version: number): LayerVersionRecord | undefined {
    return this.layers.get(arn)?.versions.find((v) => v.version === version);
  }

  /** Layers of a region that still have versions, by name. */
  list(region: string): LayerRecord[] {
    return [...this.layers.values()]
      .filter((l) => l.region === region && l.versions.length > 0)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async publish(opts: {
    name: string;
    region: string;
    pkg: CodePackage;
    description: string;
    compatibleRuntimes: string[];
    compatibleArchitectures: string[];
    licenseInfo?: string;
  }): Promise<{ layer: LayerRecord; version: LayerVersionRecord }> {
    // The zip is saved by the caller (LambdaStore.publishLayer), which keeps it from garbage collection.
    const arn = layerArn(opts.region, this.accountId, opts.name);
    let layer = this.layers.get(arn);
    if (!layer) {
      layer = { name: opts.name, region: opts.region, arn, lastVersion: 0, versions: [] };
      this.layers.set(arn, layer);
    }
    layer.lastVersion += 1;
    const version: LayerVersionRecord = {
      version: layer.lastVersion,
      description: opts.description,
      createdDate: lambdaTimestamp(),
      compatibleRuntimes: opts.compatibleRuntimes,
      compatibleArchitectures: opts.compatibleArchitectures,
      licenseInfo: opts.licenseInfo,
      codeSha256: opts.pkg.sha256,
      codeHex: opts.pkg.hex,
      codeSize: opts.pkg.size,
      unzippedSize: opts.pkg.entries.reduce((n, e) => n + e.size, 0),
    };
    layer.versions.push(version);
    await this.save();
    return { layer, version };
  }

  /** Idempotent, as on AWS. Functions that use the version keep its content (see isReferenced). */
  async delete(arn: string, version: number): Promise<void> {
    const layer = this.layers.get(arn);
    if (!layer) return;
    const before = layer.versions.length;
    layer.versions = layer.versions.filter((v) => v.version !== version);
    if (layer.versions.length !== before) await this.save();
  }

  /**
   * A function's `Layers` (version ARNs, already pattern-checked) -> what the function records: each
   * must exist now; two versions of one layer are refused.
   */
  resolve(arns: string[]): LayerRef[] {
    const seen = new Map<string, string>();
    return arns.map((arn) => {
      const m = VERSION_ARN.exec(arn);
      const found =
        m && m[2] === this.accountId ? this.version(layerArn(m[1]!, m[2]!, m[3]!), Number(m[4])) : undefined;
      if (!m || !found) throw invalidParameter(`Layer version ${arn} does not exist.`);
      const unversioned = layerArn(m[1]!, m[2]!, m[3]!);
      const other = seen.get(unversioned);
      if (other !== undefined)
        throw invalidParameter(
          'Two different versions of the same layer are not allowed to be referenced in the same function. ' +
            `${other} and ${arn} are versions of the same layer.`,
        );
      seen.set(unversioned, arn);
      return { arn, codeSize: found.codeSize, codeHex: found.codeHex, unzippedSize: found.unzippedSize };
    });
  }

  /** Is a zip (by hex digest) some layer version's content? */
  holds(hex: string): boolean {
    for (const layer of this.layers.values()) if (layer.versions.some((v) => v.codeHex === hex)) return true;
    return false;
  }
}

export function missingLayerVersion(): Error {
  return resourceNotFound('The resource you requested does not exist.');
}

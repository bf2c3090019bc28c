// The sharp layer: a new version is published only when the layer zip differs (by CodeSha256) from
// the latest version this suite published and that version still exists (or, with none recorded, from
// the layer's newest version); every version it published is recorded, and teardown deletes exactly
// those (a layer's versions are never reused or changed).
import {
  deleteLayerVersion,
  getLayerVersion,
  latestLayerVersion,
  publishLayerVersion,
  type LayerDefinition,
} from '../actions/layers.ts';
import type { Ctx } from '../context.ts';
import { partitionOf } from '../policies.ts';
import { gone } from '../removal.ts';
import type { LayerRecord } from '../state.ts';
import { alreadyDone } from './done.ts';
import type { Slot } from './ownership.ts';

export interface LayerCode {
  zip: Buffer;
  codeSha256: string;
}

/** Returns the version ARN the function should use (undefined in a dry run that would publish). */
export async function ensureLayer(
  ctx: Ctx,
  def: LayerDefinition,
  code: LayerCode,
  slot: Slot<LayerRecord>,
): Promise<string | undefined> {
  const { settings: s, report } = ctx;
  const record = slot.get();
  const latest = record?.name === def.name ? record.versions[record.versions.length - 1] : undefined;
  if (latest && latest.codeSha256 === code.codeSha256 && (await getLayerVersion(ctx, def.name, latest.version))) {
    report.unchanged(`layer ${def.name} version ${latest.version} (CodeSha256 ${code.codeSha256})`);
    await publishLayerVersion(alreadyDone(ctx), def, code.zip);
    return latest.arn;
  }
  // Not ours, but the same content already there (published by the copied aws-cli commands, or before
  // the state file was lost): used as is, and left to whoever made it.
  if (!latest) {
    const newest = await latestLayerVersion(ctx, def.name);
    const found = newest === undefined ? undefined : await getLayerVersion(ctx, def.name, newest);
    if (found?.Content?.CodeSha256 === code.codeSha256 && found.LayerVersionArn) {
      report.found(`layer ${def.name} version ${newest} (same CodeSha256; not published by this walkthrough)`);
      await publishLayerVersion(alreadyDone(ctx), def, code.zip);
      return found.LayerVersionArn;
    }
  }
  const arn = `arn:${partitionOf(ctx.identity.arn)}:lambda:${s.region}:${s.accountId}:layer:${def.name}`;
  const published = await report.wait(`publishing layer ${def.name}`, () => publishLayerVersion(ctx, def, code.zip));
  if (!published) return undefined; // dry run
  const version = { version: published.Version!, arn: published.LayerVersionArn!, codeSha256: code.codeSha256 };
  slot.set({
    name: def.name,
    arn: published.LayerArn ?? arn,
    createdBySuite: true,
    versions: [...(record?.name === def.name ? record.versions : []), version],
  });
  report.created(
    `layer ${def.name} version ${version.version} (${(code.zip.length / 1e6).toFixed(1)} MB, ` +
      `CodeSha256 ${code.codeSha256})`,
  );
  return version.arn;
}

/** Deletes the versions this suite published (already deleted ones count as done). */
export async function removeLayer(ctx: Ctx, name: string, slot: Slot<LayerRecord>): Promise<void> {
  const record = slot.get();
  if (!record?.createdBySuite || record.name !== name || record.versions.length === 0) {
    ctx.report.gone(`layer ${name}`);
    slot.clear();
    return;
  }
  for (const v of [...record.versions]) {
    if (await gone(() => deleteLayerVersion(ctx, name, v.version)))
      ctx.report.removed(`layer ${name} version ${v.version}`);
    if (ctx.dryRun) continue;
    const now = slot.get();
    if (now) slot.set({ ...now, versions: now.versions.filter((x) => x.version !== v.version) });
  }
  if (!ctx.dryRun) slot.clear();
}

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
    await publishLayerVersion(alreadyDone(ctx), def, code);
    return latest.arn;
  }
  // The same content already there: published by a run of ours killed before it heard back (then
  // ours), or by someone else, e.g. the copied aws-cli commands (then used as is, left to them).
  const interrupted = record?.name === def.name && record.publishing === code.codeSha256;
  if (!latest || interrupted) {
    const found = await newestVersion(ctx, def.name);
    if (found?.Content?.CodeSha256 === code.codeSha256 && found.LayerVersionArn && found.Version !== undefined) {
      if (interrupted) {
        const version = { version: found.Version, arn: found.LayerVersionArn, codeSha256: code.codeSha256 };
        slot.set({ ...record, publishing: undefined, versions: [...record.versions, version] });
        report.found(`layer ${def.name} version ${found.Version} (published by an interrupted run)`);
      } else
        report.found(`layer ${def.name} version ${found.Version} (same CodeSha256; not published by this walkthrough)`);
      await publishLayerVersion(alreadyDone(ctx), def, code);
      return found.LayerVersionArn;
    }
  }
  const arn = `arn:${partitionOf(ctx.identity.arn)}:lambda:${s.region}:${s.accountId}:layer:${def.name}`;
  const versions = record?.name === def.name ? record.versions : [];
  if (!ctx.dryRun) slot.set({ name: def.name, arn, createdBySuite: true, versions, publishing: code.codeSha256 });
  const published = await report.wait(`publishing layer ${def.name}`, () => publishLayerVersion(ctx, def, code));
  if (!published) return undefined; // dry run
  const version = { version: published.Version!, arn: published.LayerVersionArn!, codeSha256: code.codeSha256 };
  slot.set({ name: def.name, arn: published.LayerArn ?? arn, createdBySuite: true, versions: [...versions, version] });
  report.created(
    `layer ${def.name} version ${version.version} (${(code.zip.length / 1e6).toFixed(1)} MB, ` +
      `CodeSha256 ${code.codeSha256})`,
  );
  return version.arn;
}

async function newestVersion(ctx: Ctx, name: string) {
  const newest = await latestLayerVersion(ctx, name);
  return newest === undefined ? undefined : getLayerVersion(ctx, name, newest);
}

/** Deletes the versions this suite published (already deleted ones count as done). */
export async function removeLayer(ctx: Ctx, name: string, slot: Slot<LayerRecord>): Promise<void> {
  const record = slot.get();
  const versions = record?.createdBySuite && record.name === name ? [...record.versions] : [];
  // A publish whose answer never came (the run was killed): its version is the newest with that content.
  if (record?.publishing && record.name === name) {
    const found = await newestVersion(ctx, name);
    if (found?.Content?.CodeSha256 === record.publishing && found.Version !== undefined && found.LayerVersionArn)
      if (!versions.some((v) => v.version === found.Version))
        versions.push({ version: found.Version, arn: found.LayerVersionArn, codeSha256: record.publishing });
  }
  if (versions.length === 0) {
    ctx.report.gone(`layer ${name}`);
    slot.clear();
    return;
  }
  for (const v of versions) {
    if (await gone(() => deleteLayerVersion(ctx, name, v.version)))
      ctx.report.removed(`layer ${name} version ${v.version}`);
    if (ctx.dryRun) continue;
    const now = slot.get();
    if (now) slot.set({ ...now, versions: now.versions.filter((x) => x.version !== v.version) });
  }
  if (!ctx.dryRun) slot.clear();
}

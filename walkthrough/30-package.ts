#!/usr/bin/env -S node --import=tsx
// Step 4. The deployment packages: sharp for Lambda's platform in a layer zip (nodejs/node_modules),
// and the function zip holding only the handler bundle (kilobytes: a code change uploads only that);
// each zipped deterministically (same sources -> same bytes -> same CodeSha256) and reused when its own
// inputs did not change.
import * as path from 'node:path';
import type { BuildCtx } from './lib/context.ts';
import { offlineStepMain } from './lib/main.ts';
import type { BuiltPackage, BuiltZip } from './lib/package.ts';

const size = (bytes: number) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`);

export async function packageStep(ctx: BuildCtx): Promise<BuiltPackage | undefined> {
  const { settings: s, report } = ctx;
  const { buildPackage, builtPackage, cpuOf, reusablePackage, sharpVersion } = await import('./lib/package.ts');
  const cpu = cpuOf(s.architecture);
  // Relative to where the user is, unless that means climbing out of it.
  const relative = (p: string) =>
    path.relative(process.cwd(), p).startsWith('..') ? p : path.relative(process.cwd(), p);
  // A dry run (and --cli) reads no zip whole: the manifests and sizes say what is there.
  const existing = ctx.dryRun ? builtPackage(s) : reusablePackage(s);
  report.cli(
    `(mkdir -p build/layer/nodejs && cd build/layer/nodejs && npm install --os=linux --cpu=${cpu} --libc=glibc ` +
      `--omit=dev sharp@${sharpVersion()})`,
  );
  report.cli(`(cd build/layer && zip -X -r ../sharp-layer-${s.architecture}.zip nodejs)`);
  report.cli(
    'npx esbuild handlers/resize/index.ts --bundle --platform=node --format=esm --target=node20 ' +
      '--external:@aws-sdk/* --external:sharp --outfile=build/package/index.mjs',
  );
  report.cli(`(cd build/package && zip -X -r ../resize-${s.architecture}.zip .)`);
  const describe = (what: string, z: BuiltZip) =>
    `${what} ${relative(z.zipPath)} (${size(z.size)}, CodeSha256 ${z.codeSha256})`;
  let pkg = existing;
  if (existing) {
    report.unchanged(`${describe('layer', existing.layer)}: sharp unchanged`);
    report.unchanged(`${describe('package', existing)}: sources unchanged`);
  } else if (ctx.dryRun) {
    report.would(`build ${relative(`build/resize-${s.architecture}.zip`)} and its sharp layer for linux-${cpu}`);
    return undefined;
  } else {
    pkg = await report.wait(`building the packages for linux-${cpu}`, () =>
      buildPackage(s, (line) => report.info(line)),
    );
    if (pkg.layer.reused) report.unchanged(`${describe('layer', pkg.layer)}: sharp unchanged`);
    else report.created(describe('layer', pkg.layer));
    if (pkg.reused) report.unchanged(`${describe('package', pkg)}: sources unchanged`);
    else report.created(describe('package', pkg));
  }
  return pkg;
}

await offlineStepMain(import.meta.url, packageStep);

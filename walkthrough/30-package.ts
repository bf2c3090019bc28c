#!/usr/bin/env -S node --import=tsx
// Step 4. The deployment package: handlers/resize bundled, sharp for Lambda's platform beside it,
// zipped deterministically (same sources -> same bytes -> same CodeSha256); reused when nothing changed.
import * as path from 'node:path';
import type { Ctx } from './lib/context.ts';
import { stepMain } from './lib/main.ts';
import type { BuiltPackage } from './lib/package.ts';

export async function packageStep(ctx: Ctx): Promise<BuiltPackage | undefined> {
  const { settings: s, report, state } = ctx;
  const { buildPackage, cpuOf, packageRecord, reusablePackage, sharpVersion } = await import('./lib/package.ts');
  const cpu = cpuOf(s.architecture);
  // Relative to where the user is, unless that means climbing out of it.
  const relative = (p: string) =>
    path.relative(process.cwd(), p).startsWith('..') ? p : path.relative(process.cwd(), p);
  const existing = reusablePackage(s.architecture);
  report.cli(
    'npx esbuild handlers/resize/index.ts --bundle --platform=node --format=esm --target=node20 ' +
      '--external:@aws-sdk/* --external:sharp --outfile=build/package/index.mjs',
  );
  report.cli(
    `(cd build/package && npm install --os=linux --cpu=${cpu} --libc=glibc --omit=dev sharp@${sharpVersion()})`,
  );
  report.cli(`(cd build/package && zip -X -r ../resize-${s.architecture}.zip .)`);
  let pkg = existing;
  if (existing) {
    report.unchanged(
      `package ${relative(existing.zipPath)} (${(existing.size / 1e6).toFixed(1)} MB, sources unchanged)`,
    );
  } else if (ctx.dryRun) {
    report.would(`build ${relative(`build/resize-${s.architecture}.zip`)} for linux-${cpu}`);
    return undefined;
  } else {
    pkg = await report.wait(`building the package for linux-${cpu}`, () =>
      buildPackage(s.architecture, (line) => report.info(line)),
    );
    report.created(
      `package ${relative(pkg.zipPath)} (${(pkg.size / 1e6).toFixed(1)} MB, CodeSha256 ${pkg.codeSha256})`,
    );
  }
  if (pkg) {
    const record = packageRecord(pkg);
    state.update((x) => (x.package = record));
  }
  return pkg;
}

await stepMain(import.meta.url, packageStep);

// The function's package: handlers/lambdash bundled by esbuild into one index.mjs (the AWS SDK is
// left out: the runtime has it; nothing native, so one zip serves x86_64 and arm64), zipped with
// the walkthrough's deterministic zip: same sources, same bytes, same CodeSha256.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUILD_DIR, bundleHandler, codeSha256Of, PROJECT_ROOT, zipFolder } from '../../lib/package.ts';

export const LAMBDASH_HANDLER_DIR = path.join(PROJECT_ROOT, 'handlers', 'lambdash');

export interface LambdashPackage {
  zip: Buffer;
  zipPath: string;
  codeSha256: string;
}

/** Builds the zip (tens of milliseconds) and leaves a copy in build/ for the printed aws-cli commands. */
export async function buildLambdashPackage(): Promise<LambdashPackage> {
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  // A folder of its own: two lambdash runs at once never share a half-written file.
  const stage = fs.mkdtempSync(path.join(BUILD_DIR, '.lambdash-'));
  try {
    await bundleHandler(path.join(LAMBDASH_HANDLER_DIR, 'index.ts'), path.join(stage, 'index.mjs'));
    const zip = await zipFolder(stage);
    const zipPath = path.join(BUILD_DIR, 'lambdash.zip');
    fs.writeFileSync(`${zipPath}.${process.pid}.tmp`, zip);
    fs.renameSync(`${zipPath}.${process.pid}.tmp`, zipPath);
    return { zip, zipPath, codeSha256: codeSha256Of(zip) };
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

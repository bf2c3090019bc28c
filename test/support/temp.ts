// Scratch folders for tests, removed when the test file's process ends (a suite run makes hundreds).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const scratch: string[] = [];
process.once('exit', () => {
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
});

/** A scratch folder, removed when the test process exits (KEEP_TEST_DIRS=1 keeps them for a post-mortem). */
export function tempDir(prefix = 'local-aws-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (process.env.KEEP_TEST_DIRS !== '1') scratch.push(dir);
  return dir;
}

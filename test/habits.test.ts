// Repository-wide habits that no formatter enforces: Prettier cannot split a long string, a comment or a
// Markdown line, so this keeps every tracked text file within 120 characters a line.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const MAX = 120;
// Data, not text anyone reads or edits: images and generated lock files.
const EXEMPT = [/^test\/fixtures\/images\//, /^package-lock\.json$/];

function trackedFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
  return out.split('\0').filter((f) => f !== '' && !EXEMPT.some((re) => re.test(f)));
}

describe('the repository', () => {
  it(`has no line over ${MAX} characters in any tracked text file`, () => {
    const long: string[] = [];
    const files = trackedFiles();
    assert.ok(files.length > 100, `only ${files.length} tracked files found`);
    for (const file of files) {
      const full = path.join(ROOT, file);
      if (!fs.existsSync(full)) continue; // deleted in the work tree, not yet committed
      const bytes = fs.readFileSync(full);
      if (bytes.includes(0)) continue; // binary
      bytes
        .toString('utf8')
        .split('\n')
        .forEach((line, i) => {
          if ([...line].length > MAX) long.push(`${file}:${i + 1} (${[...line].length})`);
        });
    }
    assert.deepEqual(long, [], `lines over ${MAX} characters:\n${long.join('\n')}`);
  });
});

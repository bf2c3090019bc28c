// Running one benchmark alone (`npm run bench:<name>`): it writes its own section of RESULTS.md,
// prints it, and stops everything it started, also when it fails.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cleanupAll } from './procs.ts';
import { progress, renderSection, RESULTS, writeSections, type Section } from './report.ts';

export function isMain(url: string): boolean {
  return Boolean(process.argv[1]) && url === pathToFileURL(fs.realpathSync(path.resolve(process.argv[1]!))).href;
}

export async function runAlone(make: () => Promise<Section>): Promise<void> {
  try {
    const section = await make();
    writeSections([section]);
    process.stdout.write(renderSection(section) + '\n');
    progress(`wrote its section of ${path.relative(process.cwd(), RESULTS)}`);
  } catch (e) {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exitCode = 1;
  } finally {
    await cleanupAll();
  }
}

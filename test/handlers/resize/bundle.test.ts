// The handler bundles with esbuild into one ESM file that imports only the AWS SDK and sharp (both
// external, as in the deployment package), reads nothing else, and runs as `index.handler`.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
let dir: string;
let outfile: string;
let metafile: Metafile;

describe('esbuild bundle of handlers/resize', () => {
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resize-bundle-'));
    outfile = path.join(dir, 'index.mjs');
    // Stands in for the zip's node_modules (sharp beside the handler; the SDK from the runtime).
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const result = await build({
      entryPoints: [path.join(ROOT, 'handlers', 'resize', 'index.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['@aws-sdk/*', 'sharp'],
      metafile: true,
      logLevel: 'silent',
    });
    metafile = result.metafile;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('contains only handlers/resize sources and imports only the SDK and sharp', () => {
    const inputs = Object.keys(metafile.inputs).filter((p) => !p.startsWith('('));
    assert.ok(inputs.length > 0);
    for (const p of inputs) assert.match(p, /^handlers\/resize\/[a-z0-9-]+\.ts$/, p);
    const output = metafile.outputs[path.relative(process.cwd(), outfile)] ?? Object.values(metafile.outputs)[0];
    assert.ok(output);
    const imported = [...new Set(output.imports.filter((i) => i.external).map((i) => i.path))].sort();
    assert.deepEqual(imported, ['@aws-sdk/client-s3', 'sharp']);
    assert.ok(output.exports.includes('handler'), `exports: ${output.exports.join(', ')}`);
  });

  it('loads as index.mjs and handles an event', async () => {
    const saved = process.env.DEST_BUCKET;
    process.env.DEST_BUCKET = 'thumbs';
    const lines: string[] = [];
    const log = mock.method(console, 'log', (line: unknown) => lines.push(String(line)));
    const err = mock.method(console, 'error', (line: unknown) => lines.push(String(line)));
    try {
      const mod: unknown = await import(pathToFileURL(outfile).href);
      const handler: unknown = typeof mod === 'object' && mod !== null ? Reflect.get(mod, 'handler') : undefined;
      assert.equal(typeof handler, 'function');
      const invoke = handler as (event: unknown) => Promise<unknown>;
      assert.deepEqual(await invoke({ Event: 's3:TestEvent', Bucket: 'src' }), {
        processed: 0,
        written: [],
        failed: [],
        skipped: [{ key: '', reason: 'test_event' }],
      });
      const loop = {
        Records: [
          {
            eventSource: 'aws:s3',
            eventName: 'ObjectCreated:Put',
            s3: { bucket: { name: 'thumbs' }, object: { key: 'a+b.jpg', size: 3 } },
          },
        ],
      };
      assert.deepEqual(await invoke(loop), {
        processed: 1,
        written: [],
        failed: [{ key: 'a b.jpg', reason: 'source_is_destination' }],
        skipped: [],
      });
    } finally {
      log.mock.restore();
      err.mock.restore();
      if (saved === undefined) delete process.env.DEST_BUCKET;
      else process.env.DEST_BUCKET = saved;
    }
    assert.equal(lines.filter((l) => l.startsWith('{')).length, 2, lines.join('\n'));
  });
});

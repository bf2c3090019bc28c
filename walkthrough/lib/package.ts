// Building the deployment packages: two zips. The function's is the handler bundled with esbuild (the
// AWS SDK left out: the runtime has it; sharp left out: it comes from the layer), kilobytes, so a code
// change uploads only that. The layer's holds sharp installed for Lambda's platform whatever this
// machine is, under nodejs/node_modules (where Lambda's NODE_PATH finds it in /opt). Both are zipped
// so that the same sources always give the same bytes (and so the same CodeSha256), and each is
// reused while its own inputs are unchanged.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, version as esbuildVersion, type Plugin } from 'esbuild';
import { $ } from 'zx';
import { UserError } from './errors.ts';
import type { Architecture } from './settings.ts';
import { zipEntries } from './zip.ts';

/** No scripts, links, lock file or audit: only the package's files, from npm's cache when it has them. */
const NPM_INSTALL_FLAGS = [
  '--omit=dev',
  '--ignore-scripts',
  '--no-bin-links',
  '--no-package-lock',
  '--no-audit',
  '--no-fund',
  '--prefer-offline',
];

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const HANDLER_DIR = path.join(PROJECT_ROOT, 'handlers', 'resize');
export const BUILD_DIR = process.env.WALKTHROUGH_BUILD_DIR
  ? path.resolve(process.env.WALKTHROUGH_BUILD_DIR)
  : path.join(PROJECT_ROOT, 'build');

/** One zip, as built (or found intact from an earlier build of the same inputs). */
export interface BuiltZip {
  zipPath: string;
  codeSha256: string;
  size: number;
  inputsHash: string;
  reused: boolean;
}

/** The function's zip (top-level fields) and the sharp layer's zip. */
export interface BuiltPackage extends BuiltZip {
  architecture: Architecture;
  sharpVersion: string;
  layer: BuiltZip;
}

interface Manifest {
  inputsHash: string;
  codeSha256: string;
  size: number;
  sharpVersion: string;
}

export function cpuOf(architecture: Architecture): 'x64' | 'arm64' {
  return architecture === 'arm64' ? 'arm64' : 'x64';
}

export function sharpVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'node_modules', 'sharp', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * sharp's own dependencies at the versions this project has installed (its lockfile's): pinned with
 * npm `overrides`, so that a build next month, after a new semver or detect-libc, is still the same bytes.
 */
export function pinnedSharpDependencies(): Record<string, string> {
  const modules = path.join(PROJECT_ROOT, 'node_modules');
  const sharpPkg = JSON.parse(fs.readFileSync(path.join(modules, 'sharp', 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const pinned: Record<string, string> = {};
  for (const name of Object.keys(sharpPkg.dependencies ?? {}).sort()) {
    const nested = path.join(modules, 'sharp', 'node_modules', name, 'package.json');
    const file = fs.existsSync(nested) ? nested : path.join(modules, name, 'package.json');
    pinned[name] = (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return pinned;
}

function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full, base));
    else if (entry.isFile()) out.push(path.relative(base, full));
  }
  return out.sort();
}

/** This build recipe itself, and the zip writer (its bytes are the packages' bytes). */
function hashRecipe(h: ReturnType<typeof createHash>): void {
  for (const recipe of [import.meta.url, new URL('./zip.ts', import.meta.url).href])
    h.update(fs.readFileSync(fileURLToPath(recipe)));
}

/** What the function's zip is made of: when none of it changed, the last zip is reused. */
export function inputsHash(architecture: Architecture): string {
  const h = createHash('sha256');
  h.update(`function\narch=${architecture}\nesbuild=${esbuildVersion}\nzlib=${process.versions.zlib}\n`);
  for (const file of listFiles(HANDLER_DIR)) {
    h.update(`${file}\n`);
    h.update(fs.readFileSync(path.join(HANDLER_DIR, file)));
  }
  hashRecipe(h);
  return h.digest('hex');
}

/** What the sharp layer is made of (not the handler: editing it never rebuilds the layer). */
export function layerInputsHash(architecture: Architecture): string {
  const h = createHash('sha256');
  h.update(`layer\narch=${architecture}\nsharp=${sharpVersion()}\nzlib=${process.versions.zlib}\n`);
  h.update(`${JSON.stringify(pinnedSharpDependencies())}\n`);
  hashRecipe(h);
  return h.digest('hex');
}

export function paths(architecture: Architecture) {
  return {
    zip: path.join(BUILD_DIR, `resize-${architecture}.zip`),
    manifest: path.join(BUILD_DIR, `resize-${architecture}.json`),
    layerZip: path.join(BUILD_DIR, `sharp-layer-${architecture}.zip`),
    layerManifest: path.join(BUILD_DIR, `sharp-layer-${architecture}.json`),
  };
}

export function codeSha256Of(zip: Buffer): string {
  return createHash('sha256').update(zip).digest('base64');
}

/** A zip built from `hash`'s inputs and still intact, per its manifest. */
function reusableZip(zipPath: string, manifestPath: string, hash: string): (BuiltZip & Manifest) | undefined {
  if (!fs.existsSync(zipPath) || !fs.existsSync(manifestPath)) return undefined;
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Manifest;
  if (manifest.inputsHash !== hash) return undefined;
  const zip = fs.readFileSync(zipPath);
  if (codeSha256Of(zip) !== manifest.codeSha256) return undefined;
  return { ...manifest, zipPath, size: zip.length, reused: true };
}

/** The last packages (function and layer), if both were built from the current inputs and are intact. */
export function reusablePackage(architecture: Architecture): BuiltPackage | undefined {
  const p = paths(architecture);
  const fn = reusableZip(p.zip, p.manifest, inputsHash(architecture));
  const layer = reusableZip(p.layerZip, p.layerManifest, layerInputsHash(architecture));
  if (!fn || !layer) return undefined;
  return { ...zipOf(fn), architecture, sharpVersion: layer.sharpVersion, layer: zipOf(layer) };
}

function zipOf(z: BuiltZip): BuiltZip {
  return { zipPath: z.zipPath, codeSha256: z.codeSha256, size: z.size, inputsHash: z.inputsHash, reused: z.reused };
}

/** Deterministic zip: sorted entries, fixed times, fixed permissions. */
export function zipFolder(dir: string): Promise<Buffer> {
  return zipEntries(
    listFiles(dir).map((rel) => ({ name: rel.split(path.sep).join('/'), data: fs.readFileSync(path.join(dir, rel)) })),
  );
}

/**
 * `import x from 'pkg'` turned into `createRequire(import.meta.url)('pkg')`: require() reads NODE_PATH,
 * which is how Lambda finds a layer's packages (/opt/nodejs/node_modules), on every Node.js runtime.
 */
function requireFromLayer(modules: string[]): Plugin {
  const names = new Set(modules);
  const filter = /^[^./]/;
  return {
    name: 'require-from-layer',
    setup(b) {
      b.onResolve({ filter }, (args) => (names.has(args.path) ? { path: args.path, namespace: 'layer' } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'layer' }, (args) => ({
        contents:
          "import { createRequire } from 'node:module';\n" +
          `export default createRequire(import.meta.url)(${JSON.stringify(args.path)});\n`,
        loader: 'js',
      }));
    },
  };
}

/**
 * One ESM file for Lambda's Node runtime; the AWS SDK is left out (the runtime has it), and `external`;
 * `fromLayer` modules are required at run time (from a layer; default imports only).
 */
export async function bundleHandler(
  entry: string,
  outfile: string,
  external: string[] = [],
  fromLayer: string[] = [],
): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['@aws-sdk/*', '@smithy/*', ...external],
    plugins: fromLayer.length > 0 ? [requireFromLayer(fromLayer)] : [],
    legalComments: 'none',
    logLevel: 'silent',
  });
}

/** Writes a zip and its manifest, each whole or not at all. */
function writeZip(zipPath: string, manifestPath: string, zip: Buffer, manifest: Manifest): void {
  fs.writeFileSync(`${zipPath}.tmp`, zip);
  fs.renameSync(`${zipPath}.tmp`, zipPath);
  fs.writeFileSync(`${manifestPath}.tmp`, JSON.stringify(manifest, null, 2) + '\n');
  fs.renameSync(`${manifestPath}.tmp`, manifestPath);
}

/** In a fresh folder under build/, removed afterwards: an interrupted build leaves nothing half-made. */
async function inWorkDir<T>(prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  const dir = fs.mkdtempSync(path.join(BUILD_DIR, prefix));
  try {
    return await work(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** sharp for linux-<cpu> (glibc) installed into `folder`/node_modules, at this project's versions. */
async function installSharp(folder: string, cpu: 'x64' | 'arm64', architecture: Architecture): Promise<void> {
  const version = sharpVersion();
  fs.writeFileSync(
    path.join(folder, 'package.json'),
    JSON.stringify(
      {
        name: 'sharp-layer',
        private: true,
        dependencies: { sharp: version },
        overrides: pinnedSharpDependencies(),
      },
      null,
      2,
    ) + '\n',
  );
  try {
    await $({
      cwd: folder,
      quiet: true,
    })`npm install --os=linux --cpu=${cpu} --libc=glibc ${NPM_INSTALL_FLAGS}`;
  } catch (err) {
    throw new UserError(
      `Installing sharp for linux-${cpu} failed: ${(err as Error).message.split('\n').slice(0, 3).join(' ')}`,
      'Check that the npm registry is reachable (npm ping), then re-run this step.',
    );
  }
  fs.rmSync(path.join(folder, 'node_modules', '.package-lock.json'), { force: true });
  // Pitfall 1: "Could not load the sharp module using the linux-x64 runtime".
  for (const native of [`@img/sharp-linux-${cpu}`, `@img/sharp-libvips-linux-${cpu}`]) {
    if (!fs.existsSync(path.join(folder, 'node_modules', native, 'package.json')))
      throw new UserError(
        `The layer lacks ${native}: sharp would fail to load on Lambda (${architecture}).`,
        'Delete the build/ folder and re-run this step.',
      );
  }
}

/** The sharp layer: nodejs/node_modules/{sharp,@img/*,...} and nodejs/package.json. */
export async function buildLayer(
  architecture: Architecture,
  log: (line: string) => void = () => {},
): Promise<BuiltZip> {
  const cpu = cpuOf(architecture);
  const hash = layerInputsHash(architecture);
  const version = sharpVersion();
  return inWorkDir(`.sharp-layer-${architecture}-`, async (work) => {
    const nodejs = path.join(work, 'nodejs');
    fs.mkdirSync(nodejs);
    log(`install sharp ${version} for linux-${cpu} (glibc) into the layer's nodejs/node_modules`);
    await installSharp(nodejs, cpu, architecture);
    const zip = await zipFolder(work);
    const p = paths(architecture);
    const codeSha256 = codeSha256Of(zip);
    writeZip(p.layerZip, p.layerManifest, zip, {
      inputsHash: hash,
      codeSha256,
      size: zip.length,
      sharpVersion: version,
    });
    return { zipPath: p.layerZip, codeSha256, size: zip.length, inputsHash: hash, reused: false };
  });
}

/** The function's zip: index.mjs (the bundle, sharp required from the layer) and package.json. */
export async function buildFunctionZip(
  architecture: Architecture,
  log: (line: string) => void = () => {},
): Promise<BuiltZip> {
  const hash = inputsHash(architecture);
  return inWorkDir(`.resize-${architecture}-`, async (work) => {
    log('bundle handlers/resize with esbuild (AWS SDK left out; sharp required from the layer)');
    await bundleHandler(path.join(HANDLER_DIR, 'index.ts'), path.join(work, 'index.mjs'), [], ['sharp']);
    fs.writeFileSync(
      path.join(work, 'package.json'),
      JSON.stringify({ name: 'resize-handler', private: true, type: 'module' }, null, 2) + '\n',
    );
    const zip = await zipFolder(work);
    const p = paths(architecture);
    const codeSha256 = codeSha256Of(zip);
    writeZip(p.zip, p.manifest, zip, { inputsHash: hash, codeSha256, size: zip.length, sharpVersion: sharpVersion() });
    return { zipPath: p.zip, codeSha256, size: zip.length, inputsHash: hash, reused: false };
  });
}

/** Both zips: each rebuilt only when its own inputs changed. */
export async function buildPackage(
  architecture: Architecture,
  log: (line: string) => void = () => {},
): Promise<BuiltPackage> {
  const p = paths(architecture);
  const layer =
    reusableZip(p.layerZip, p.layerManifest, layerInputsHash(architecture)) ?? (await buildLayer(architecture, log));
  const fn = reusableZip(p.zip, p.manifest, inputsHash(architecture)) ?? (await buildFunctionZip(architecture, log));
  return { ...zipOf(fn), architecture, sharpVersion: sharpVersion(), layer: zipOf(layer) };
}

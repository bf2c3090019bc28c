// Building the deployment packages: two zips. The function's is the handler bundled with esbuild (the
// AWS SDK left out: the runtime has it; sharp left out: it comes from the layer), kilobytes, so a code
// change uploads only that. The layer's holds sharp installed for Lambda's platform whatever this
// machine is (copied from the project's node_modules when this machine is of that platform, else
// installed by npm for it), under nodejs/node_modules (where Lambda's NODE_PATH finds it in /opt). Both are zipped
// so that the same sources always give the same bytes (and so the same CodeSha256), and each is
// reused while its own inputs are unchanged.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { UserError } from './errors.ts';
import { hostIsLambdaPlatform, installedSharp } from './sharp-files.ts';
import type { Architecture, Settings } from './settings.ts';
import { zipParts } from './zip.ts';

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
/** The resize handler's sources: handlers/resize, or WALKTHROUGH_HANDLER_DIR (a copy, for tests). */
export function handlerDir(): string {
  const given = process.env.WALKTHROUGH_HANDLER_DIR;
  return given ? path.resolve(given) : path.join(PROJECT_ROOT, 'handlers', 'resize');
}
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

const versionOf = (dir: string) =>
  (
    JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'node_modules', dir, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

export function sharpVersion(): string {
  return versionOf('sharp');
}

/** Read, not imported: a re-run that reuses the zips needs esbuild's version only (start-up). */
function esbuildVersion(): string {
  return versionOf('esbuild');
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
  h.update(`function\narch=${architecture}\nesbuild=${esbuildVersion()}\nzlib=${process.versions.zlib}\n`);
  const dir = handlerDir();
  for (const file of listFiles(dir)) {
    h.update(`${file}\n`);
    h.update(fs.readFileSync(path.join(dir, file)));
  }
  hashRecipe(h);
  return h.digest('hex');
}

/** The settings a package depends on (no account, no endpoint: it is built once for any of them). */
export type PackageTarget = Pick<Settings, 'architecture'>;

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

export function codeSha256Of(zip: Buffer | Buffer[]): string {
  const h = createHash('sha256');
  for (const part of Array.isArray(zip) ? zip : [zip]) h.update(part);
  return h.digest('base64');
}

const sizeOf = (parts: Buffer[]) => parts.reduce((n, b) => n + b.length, 0);

/**
 * A zip built from `hash`'s inputs, per its manifest. `verify` reads it whole and checks its SHA-256 (the
 * package step, which rebuilds a damaged zip); otherwise its size is enough (the steps that deploy it).
 */
function reusableZip(
  zipPath: string,
  manifestPath: string,
  hash: string,
  verify: boolean,
): (BuiltZip & Manifest) | undefined {
  if (!fs.existsSync(zipPath) || !fs.existsSync(manifestPath)) return undefined;
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Manifest;
  if (manifest.inputsHash !== hash) return undefined;
  if (
    verify
      ? codeSha256Of(fs.readFileSync(zipPath)) !== manifest.codeSha256
      : fs.statSync(zipPath).size !== manifest.size
  )
    return undefined;
  return { ...manifest, zipPath, reused: true };
}

function packageIn(t: PackageTarget, verify: boolean): BuiltPackage | undefined {
  const { architecture } = t;
  const p = paths(architecture);
  const fn = reusableZip(p.zip, p.manifest, inputsHash(architecture), verify);
  const layer = reusableZip(p.layerZip, p.layerManifest, layerInputsHash(architecture), verify);
  if (!fn || !layer) return undefined;
  return { ...zipOf(fn), architecture, sharpVersion: layer.sharpVersion, layer: zipOf(layer) };
}

/** The last packages (function and layer), if both were built from the current inputs and are intact. */
export function reusablePackage(t: PackageTarget): BuiltPackage | undefined {
  return packageIn(t, true);
}

/**
 * The packages the package step left in build/ for these settings, if they are of the current sources:
 * what the deploying steps use. build/ is the record (not the state file): a package depends on no
 * account, so step 4 needs no AWS at all.
 */
export function builtPackage(t: PackageTarget): BuiltPackage | undefined {
  return packageIn(t, false);
}

/** A zip's bytes read only when they are sent (a step that finds the code in place never reads the layer). */
export function zipCode(z: Pick<BuiltZip, 'zipPath' | 'codeSha256'>): { codeSha256: string; readonly zip: Buffer } {
  let zip: Buffer | undefined;
  return {
    codeSha256: z.codeSha256,
    get zip() {
      return (zip ??= fs.readFileSync(z.zipPath));
    },
  };
}

function zipOf(z: BuiltZip): BuiltZip {
  return { zipPath: z.zipPath, codeSha256: z.codeSha256, size: z.size, inputsHash: z.inputsHash, reused: z.reused };
}

/** A folder's files as zip entries (names with forward slashes, under `prefix`), each with its path on disk. */
function filesOf(dir: string, prefix = ''): Array<{ name: string; file: string }> {
  return listFiles(dir).map((rel) => ({ name: prefix + rel.split(path.sep).join('/'), file: path.join(dir, rel) }));
}

/** Deterministic zip of files from anywhere, as its parts: sorted by name, fixed times, fixed permissions. */
function zipFiles(files: Array<{ name: string; file: string }>): Promise<Buffer[]> {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return zipParts(
    // Read on the thread pool: the main thread meanwhile starts esbuild for the other zip.
    sorted.map((f) => ({ name: f.name, data: fs.promises.readFile(f.file) })),
  );
}

/** Deterministic zip: sorted entries, fixed times, fixed permissions. */
export async function zipFolder(dir: string): Promise<Buffer> {
  return Buffer.concat(await zipFiles(filesOf(dir)));
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
  const { build } = await import('esbuild');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The bundle names its sources in comments, relative to this: the same bytes from any folder.
    absWorkingDir: PROJECT_ROOT,
    external: ['@aws-sdk/*', '@smithy/*', ...external],
    plugins: fromLayer.length > 0 ? [requireFromLayer(fromLayer)] : [],
    legalComments: 'none',
    logLevel: 'silent',
  });
}

/** Writes a zip and its manifest, each whole or not at all. */
function writeZip(zipPath: string, manifestPath: string, zip: Buffer[], manifest: Manifest): void {
  const fd = fs.openSync(`${zipPath}.tmp`, 'w');
  try {
    for (const part of zip) {
      // writeSync may write less than asked (a nearly full disk): the rest, until all or an error.
      for (let done = 0; done < part.length;) done += fs.writeSync(fd, part, done);
    }
  } finally {
    fs.closeSync(fd);
  }
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

/** sharp's files as the layer holds them under `folder`, when this machine can give them without npm. */
function copiedSharp(cpu: string): Array<{ name: string; file: string }> | undefined {
  const dirs = hostIsLambdaPlatform(cpu) ? installedSharp(PROJECT_ROOT, cpu) : undefined;
  return dirs && [...dirs].flatMap(([name, dir]) => filesOf(dir, `nodejs/node_modules/${name}/`));
}

/** sharp for linux-<cpu> (glibc) installed into `folder`/node_modules, at this project's versions. */
async function npmInstallSharp(folder: string, cpu: 'x64' | 'arm64'): Promise<void> {
  const { $ } = await import('zx');
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
}

/** The layer's package.json, the same whichever way sharp gets in (npm reads it to install). */
function writeLayerPackageJson(folder: string): void {
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
}

/** Pitfall 1: "Could not load the sharp module using the linux-x64 runtime". */
function checkNativePackages(files: Array<{ name: string }>, cpu: string, architecture: Architecture): void {
  for (const native of [`@img/sharp-linux-${cpu}`, `@img/sharp-libvips-linux-${cpu}`]) {
    if (!files.some((f) => f.name === `nodejs/node_modules/${native}/package.json`))
      throw new UserError(
        `The layer lacks ${native}: sharp would fail to load on Lambda (${architecture}).`,
        'Delete the build/ folder and re-run this step.',
      );
  }
}

export interface LayerOptions {
  log?: (line: string) => void;
  /** 'auto' copies sharp from node_modules on a machine of Lambda's platform and has npm install it
   * elsewhere; 'npm' and 'copy' force one way (the test that both give the same bytes). */
  sharpFrom?: 'auto' | 'npm' | 'copy';
}

/** The sharp layer: nodejs/node_modules/{sharp,@img/*,...} and nodejs/package.json. */
export async function buildLayer(
  architecture: Architecture,
  { log = () => {}, sharpFrom = 'auto' }: LayerOptions = {},
): Promise<BuiltZip> {
  const cpu = cpuOf(architecture);
  const hash = layerInputsHash(architecture);
  const version = sharpVersion();
  return inWorkDir(`.sharp-layer-${architecture}-`, async (work) => {
    const nodejs = path.join(work, 'nodejs');
    fs.mkdirSync(nodejs);
    writeLayerPackageJson(nodejs);
    const copied = sharpFrom === 'npm' ? undefined : copiedSharp(cpu);
    if (sharpFrom === 'copy' && !copied)
      throw new Error(`sharp for linux-${cpu} (glibc) cannot be copied from this machine's node_modules`);
    if (copied) log(`copy sharp ${version} for linux-${cpu} (glibc) from node_modules (this machine's platform)`);
    else {
      log(`install sharp ${version} for linux-${cpu} (glibc) into the layer's nodejs/node_modules`);
      await npmInstallSharp(nodejs, cpu);
    }
    const files = [...filesOf(work), ...(copied ?? [])];
    checkNativePackages(files, cpu, architecture);
    const zip = await zipFiles(files);
    const p = paths(architecture);
    const codeSha256 = codeSha256Of(zip);
    const size = sizeOf(zip);
    writeZip(p.layerZip, p.layerManifest, zip, { inputsHash: hash, codeSha256, size, sharpVersion: version });
    return { zipPath: p.layerZip, codeSha256, size, inputsHash: hash, reused: false };
  });
}

/** The function's zip: index.mjs (the bundle, sharp required from the layer) and package.json. */
export async function buildFunctionZip(
  architecture: Architecture,
  log: (line: string) => void = () => {},
): Promise<BuiltZip> {
  const hash = inputsHash(architecture);
  return inWorkDir(`.resize-${architecture}-`, async (work) => {
    const dir = handlerDir();
    log(`bundle ${path.relative(PROJECT_ROOT, dir)} with esbuild (AWS SDK left out; sharp required from the layer)`);
    await bundleHandler(path.join(dir, 'index.ts'), path.join(work, 'index.mjs'), [], ['sharp']);
    fs.writeFileSync(
      path.join(work, 'package.json'),
      JSON.stringify({ name: 'resize-handler', private: true, type: 'module' }, null, 2) + '\n',
    );
    const zip = await zipFiles(filesOf(work));
    const p = paths(architecture);
    const codeSha256 = codeSha256Of(zip);
    const size = sizeOf(zip);
    writeZip(p.zip, p.manifest, zip, { inputsHash: hash, codeSha256, size, sharpVersion: sharpVersion() });
    return { zipPath: p.zip, codeSha256, size, inputsHash: hash, reused: false };
  });
}

/** Both zips: each rebuilt only when its own inputs changed. */
export async function buildPackage(t: PackageTarget, log: (line: string) => void = () => {}): Promise<BuiltPackage> {
  const { architecture } = t;
  const p = paths(architecture);
  // Built at once: the bundle while sharp is copied (or installed) and zipped.
  const [fn, layer] = await Promise.all([
    reusableZip(p.zip, p.manifest, inputsHash(architecture), true) ?? buildFunctionZip(architecture, log),
    reusableZip(p.layerZip, p.layerManifest, layerInputsHash(architecture), true) ?? buildLayer(architecture, { log }),
  ]);
  return { ...zipOf(fn), architecture, sharpVersion: sharpVersion(), layer: zipOf(layer) };
}

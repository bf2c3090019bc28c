// Building the deployment package: the handler bundled with esbuild (the AWS SDK left out: the
// runtime has it), sharp for Lambda's platform whatever this machine is (copied from the project's
// node_modules when this machine is of that platform, else installed by npm for it), zipped so that
// the same sources always give the same bytes (and so the same CodeSha256).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from './errors.ts';
import { hostIsLambdaPlatform, installedSharp } from './sharp-files.ts';
import type { Architecture } from './settings.ts';
import type { PackageRecord } from './state.ts';
import { assemble, prepare, preparedEntries, zipEntries, type Prepared } from './zip.ts';

/** What the state file keeps of a package (step 4 and `npm run dev` record it alike). */
export function packageRecord(pkg: BuiltPackage): PackageRecord {
  const { zipPath, codeSha256, size, architecture, inputsHash } = pkg;
  return { zipPath, codeSha256, size, architecture, inputsHash };
}

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

export interface BuiltPackage {
  zipPath: string;
  codeSha256: string;
  size: number;
  inputsHash: string;
  architecture: Architecture;
  sharpVersion: string;
  reused: boolean;
}

interface Manifest {
  inputsHash: string;
  /** depsHash() of the build: when only the handler changed, its dependencies' zip entries are reused. */
  depsHash?: string;
  codeSha256: string;
  size: number;
  sharpVersion: string;
}

export function cpuOf(architecture: Architecture): 'x64' | 'arm64' {
  return architecture === 'arm64' ? 'arm64' : 'x64';
}

interface PackageJson {
  name?: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
}

const readPackageJson = (dir: string) =>
  JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;

export function sharpVersion(): string {
  return readPackageJson(path.join(PROJECT_ROOT, 'node_modules', 'sharp')).version;
}

/** Read, not imported: a re-run that reuses the zip needs esbuild's version only (start-up). */
function esbuildVersion(): string {
  return readPackageJson(path.join(PROJECT_ROOT, 'node_modules', 'esbuild')).version;
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

/** Everything the package is made of but the handler's own files: sharp, its pins, the tools, this recipe. */
export function depsHash(architecture: Architecture): string {
  const h = createHash('sha256');
  h.update(
    `arch=${architecture}\nsharp=${sharpVersion()}\nesbuild=${esbuildVersion()}\nzlib=${process.versions.zlib}\n`,
  );
  h.update(`${JSON.stringify(pinnedSharpDependencies())}\n`);
  // This build recipe itself, and the zip writer (its bytes are the package's bytes).
  for (const recipe of [import.meta.url, new URL('./zip.ts', import.meta.url).href])
    h.update(fs.readFileSync(fileURLToPath(recipe)));
  return h.digest('hex');
}

/** What the package is made of: when none of it changed, the last zip is reused. */
export function inputsHash(architecture: Architecture, deps = depsHash(architecture)): string {
  const h = createHash('sha256');
  h.update(`${deps}\n`);
  const dir = handlerDir();
  for (const file of listFiles(dir)) {
    h.update(`${file}\n`);
    h.update(fs.readFileSync(path.join(dir, file)));
  }
  return h.digest('hex');
}

export function paths(architecture: Architecture) {
  return {
    zip: path.join(BUILD_DIR, `resize-${architecture}.zip`),
    manifest: path.join(BUILD_DIR, `resize-${architecture}.json`),
  };
}

export function codeSha256Of(zip: Buffer): string {
  return createHash('sha256').update(zip).digest('base64');
}

/** The last package, if it was built from the current inputs and is intact. */
export function reusablePackage(architecture: Architecture): BuiltPackage | undefined {
  const p = paths(architecture);
  if (!fs.existsSync(p.zip) || !fs.existsSync(p.manifest)) return undefined;
  const manifest = JSON.parse(fs.readFileSync(p.manifest, 'utf8')) as Manifest;
  const hash = inputsHash(architecture);
  if (manifest.inputsHash !== hash) return undefined;
  const zip = fs.readFileSync(p.zip);
  if (codeSha256Of(zip) !== manifest.codeSha256) return undefined;
  return {
    zipPath: p.zip,
    codeSha256: manifest.codeSha256,
    size: zip.length,
    inputsHash: hash,
    architecture,
    sharpVersion: manifest.sharpVersion,
    reused: true,
  };
}

/** A folder's files as zip entries (names with forward slashes, under `prefix`), each with its path on disk. */
function filesOf(dir: string, prefix = ''): Array<{ name: string; file: string }> {
  return listFiles(dir).map((rel) => ({ name: prefix + rel.split(path.sep).join('/'), file: path.join(dir, rel) }));
}

type ZipSource = { name: string; file: string } | { name: string; data: Promise<Buffer> };

/** Deterministic zip of files from anywhere: sorted by name, fixed times, fixed permissions. */
function zipFiles(files: ZipSource[]): Promise<Buffer> {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return zipEntries(sorted.map((f) => ({ name: f.name, data: 'file' in f ? fs.readFileSync(f.file) : f.data })));
}

/** Deterministic zip: sorted entries, fixed times, fixed permissions. */
export function zipFolder(dir: string): Promise<Buffer> {
  return zipFiles(filesOf(dir));
}

/** One ESM file for Lambda's Node runtime; the AWS SDK is left out (the runtime has it), and `external`. */
export async function bundleHandler(entry: string, outfile: string, external: string[] = []): Promise<void> {
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
    legalComments: 'none',
    logLevel: 'silent',
  });
}

/** sharp's files as the package holds them, when this machine can give them without npm. */
function copiedSharp(cpu: string): Array<{ name: string; file: string }> | undefined {
  const dirs = hostIsLambdaPlatform(cpu) ? installedSharp(PROJECT_ROOT, cpu) : undefined;
  return dirs && [...dirs].flatMap(([name, dir]) => filesOf(dir, `node_modules/${name}/`));
}

async function npmInstallSharp(stage: string, cpu: string, version: string, log: (line: string) => void) {
  log(`install sharp ${version} for linux-${cpu} (glibc)`);
  const { $ } = await import('zx');
  try {
    await $({ cwd: stage, quiet: true })`npm install --os=linux --cpu=${cpu} --libc=glibc ${NPM_INSTALL_FLAGS}`;
  } catch (err) {
    throw new UserError(
      `Installing sharp for linux-${cpu} failed: ${(err as Error).message.split('\n').slice(0, 3).join(' ')}`,
      'Check that the npm registry is reachable (npm ping), then re-run this step.',
    );
  }
  fs.rmSync(path.join(stage, 'node_modules', '.package-lock.json'), { force: true });
}

/**
 * The last zip's entries, when it was built with the same dependencies and recipe (depsHash) and is
 * intact: a change to the handler alone then needs no npm install and no deflate of sharp again.
 */
function lastEntries(architecture: Architecture, deps: string): Prepared[] | undefined {
  const p = paths(architecture);
  if (!fs.existsSync(p.zip) || !fs.existsSync(p.manifest)) return undefined;
  const manifest = JSON.parse(fs.readFileSync(p.manifest, 'utf8')) as Manifest;
  if (manifest.depsHash !== deps) return undefined;
  const zip = fs.readFileSync(p.zip);
  if (codeSha256Of(zip) !== manifest.codeSha256) return undefined;
  try {
    const entries = preparedEntries(zip);
    return entries.some((e) => e.name.toString() === BUNDLE) ? entries : undefined;
  } catch {
    return undefined;
  }
}

const BUNDLE = 'index.mjs';

/** The package's files built afresh: its package.json, the bundle, and sharp copied or installed. */
async function freshFiles(
  stage: string,
  architecture: Architecture,
  bundled: Promise<Buffer>,
  sharpFrom: 'auto' | 'npm' | 'copy',
  log: (line: string) => void,
): Promise<ZipSource[]> {
  const cpu = cpuOf(architecture);
  const version = sharpVersion();
  const pkg = { name: 'resize-handler', private: true, type: 'module', dependencies: { sharp: version } };
  const manifest = { ...pkg, overrides: pinnedSharpDependencies() };
  fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  const copied = sharpFrom === 'npm' ? undefined : copiedSharp(cpu);
  if (sharpFrom === 'copy' && !copied)
    throw new Error(`sharp for linux-${cpu} (glibc) cannot be copied from this machine's node_modules`);
  if (copied) log(`copy sharp ${version} for linux-${cpu} (glibc) from node_modules (this machine's platform)`);
  else await npmInstallSharp(stage, cpu, version, log);
  const files: ZipSource[] = [
    ...filesOf(stage).filter((f) => f.name !== BUNDLE),
    { name: BUNDLE, data: bundled },
    ...(copied ?? []),
  ];
  // Pitfall 1: "Could not load the sharp module using the linux-x64 runtime".
  for (const native of [`@img/sharp-linux-${cpu}`, `@img/sharp-libvips-linux-${cpu}`]) {
    if (!files.some((f) => f.name === `node_modules/${native}/package.json`))
      throw new UserError(
        `The package lacks ${native}: sharp would fail to load on Lambda (${architecture}).`,
        'Delete the build/ folder and re-run this step.',
      );
  }
  return files;
}

/**
 * Builds the package from the handler's sources. The same sources give the same bytes whichever way
 * it is built: from scratch, or (when only the handler changed) the last zip with its bundle replaced.
 *
 * `sharpFrom`: 'auto' copies sharp from node_modules on a machine of Lambda's platform and installs it
 * with npm elsewhere; 'npm' and 'copy' force one way (the test that both give the same bytes).
 */
export async function buildPackage(
  architecture: Architecture,
  log: (line: string) => void = () => {},
  sharpFrom: 'auto' | 'npm' | 'copy' = 'auto',
): Promise<BuiltPackage> {
  const deps = depsHash(architecture);
  const hash = inputsHash(architecture, deps);
  const version = sharpVersion();
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  // Build in a fresh folder and rename at the end: an interrupted build leaves nothing half-made.
  const work = fs.mkdtempSync(path.join(BUILD_DIR, `.resize-${architecture}-`));
  try {
    const stage = path.join(work, 'package');
    fs.mkdirSync(stage);
    log(`bundle ${path.relative(PROJECT_ROOT, handlerDir())} with esbuild (AWS SDK and sharp left out)`);
    // Bundled while sharp is copied (or installed) and deflated: the zip waits for it last.
    const index = path.join(stage, BUNDLE);
    const bundled = bundleHandler(path.join(handlerDir(), 'index.ts'), index, ['sharp']).then(() =>
      fs.readFileSync(index),
    );
    bundled.catch(() => undefined); // its error surfaces from the zip below
    const last = sharpFrom === 'auto' ? lastEntries(architecture, deps) : undefined;
    let zip: Buffer;
    if (last) {
      log(`sharp ${version} as in the last package (same dependencies): only the bundle is new`);
      const bundle = await prepare({ name: BUNDLE, data: bundled });
      zip = assemble(last.map((e) => (e.name.toString() === BUNDLE ? bundle : e)));
    } else zip = await zipFiles(await freshFiles(stage, architecture, bundled, sharpFrom, log));
    const p = paths(architecture);
    const codeSha256 = codeSha256Of(zip);
    fs.writeFileSync(`${p.zip}.tmp`, zip);
    fs.renameSync(`${p.zip}.tmp`, p.zip);
    const manifest: Manifest = {
      inputsHash: hash,
      depsHash: deps,
      codeSha256,
      size: zip.length,
      sharpVersion: version,
    };
    fs.writeFileSync(`${p.manifest}.tmp`, JSON.stringify(manifest, null, 2) + '\n');
    fs.renameSync(`${p.manifest}.tmp`, p.manifest);
    return {
      zipPath: p.zip,
      codeSha256,
      size: zip.length,
      inputsHash: hash,
      architecture,
      sharpVersion: version,
      reused: false,
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// Where the package's sharp comes from. On a machine of Lambda's platform (linux, same CPU, glibc),
// the project's node_modules already holds what `npm install --os=linux --cpu=X --libc=glibc sharp`
// would put in the package: the same versions (the package pins them to this project's), extracted
// from the same tarballs. Copying them takes milliseconds where npm takes seconds; anywhere else
// (macOS, arm64 for an x86_64 function, musl) npm installs them for the target.
import * as fs from 'node:fs';
import * as path from 'node:path';

interface PackageJson {
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
}

/** npm's rule for os/cpu/libc lists: none = any; "!x" excludes x; else the value must be listed. */
function allows(list: string[] | undefined, value: string): boolean {
  if (!list || list.length === 0) return true;
  if (list.includes(`!${value}`)) return false;
  return list.some((v) => !v.startsWith('!')) ? list.includes(value) : true;
}

/** Lambda's platform for this CPU: linux, glibc (Amazon Linux). */
export function fitsLambda(pkg: Pick<PackageJson, 'os' | 'cpu' | 'libc'>, cpu: string): boolean {
  return allows(pkg.os, 'linux') && allows(pkg.cpu, cpu) && allows(pkg.libc, 'glibc');
}

/** glibc or not, as detect-libc tells it: ldd's text first (cheap), else Node's report (~20 ms). */
function hostIsGlibc(): boolean {
  try {
    const ldd = fs.readFileSync('/usr/bin/ldd', 'utf8');
    if (ldd.includes('GNU C Library')) return true;
    if (ldd.includes('musl')) return false;
  } catch {
    // no ldd: ask Node
  }
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  return Boolean(header?.glibcVersionRuntime);
}

export function hostIsLambdaPlatform(cpu: string): boolean {
  return process.platform === 'linux' && process.arch === cpu && hostIsGlibc();
}

/**
 * The folders to copy into the package's node_modules (name -> folder): sharp, its dependencies, and
 * its optional ones that fit Lambda's platform, as this project installed them. Sound only on a host
 * of that platform: an optional package npm left out here, it would leave out for Lambda too. Undefined
 * (npm then installs) when one is missing or not hoisted (a second version somewhere needs npm's layout).
 */
export function installedSharp(projectRoot: string, cpu: string): Map<string, string> | undefined {
  const modules = path.join(projectRoot, 'node_modules');
  const found = new Map<string, string>();
  const visit = (name: string, optional: boolean): boolean => {
    const dir = path.join(modules, name);
    if (!fs.existsSync(path.join(dir, 'package.json'))) return optional;
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
    if (optional && !fitsLambda(pkg, cpu)) return true;
    if (found.has(name)) return true;
    if (fs.existsSync(path.join(dir, 'node_modules'))) return false;
    found.set(name, dir);
    return (
      Object.keys(pkg.dependencies ?? {}).every((d) => visit(d, false)) &&
      Object.keys(pkg.optionalDependencies ?? {}).every((d) => visit(d, true))
    );
  };
  return visit('sharp', false) ? found : undefined;
}

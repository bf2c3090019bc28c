// CPU share of execution environments, as on AWS: one vCPU's worth of CPU time at 1769 MB,
// proportionally less below, more above (up to this machine's cores). Enforced with a CFS bandwidth
// limit on one cgroup per environment: cgroup v1 `cpu.cfs_quota_us`/`cpu.cfs_period_us`, or v2
// `cpu.max` in a group that delegates cpu (cgroups.ts makes one where it may). Detected, never required
// (macOS, a non-root user, a container without a writable cgroup): then nothing is enforced and status
// output says so; so it does, with a log line, when the kernel refuses one environment its limit.
// INIT runs with a burst (the environment's whole vCPU count, as measured on AWS: init code runs
// faster than handler code below 3 GB); the proportional limit starts with the first invocation.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cgroupV2Base, mounts, ownGroupDir } from './cgroups.ts';
import { endpointGroup, environmentGroupDir, joinGroup, removeEmptyGroup, removeEnvironmentGroup } from './memory.ts';

/** At this memory size a function has the equivalent of one vCPU (Lambda Developer Guide). */
export const MB_PER_VCPU = 1769;
/** CFS period; the quota is a share of it. */
const PERIOD_US = 100_000;
/** The kernel refuses quotas under 1 ms. */
const MIN_QUOTA_US = 1_000;

let knownCores: number | undefined;

/** Read once: the async queue asks for every event it starts. */
export function machineCores(): number {
  knownCores ??= typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return knownCores;
}

/** vCPUs' worth of CPU time per second an environment of this size gets here (capped at the cores). */
export function vcpuShare(memoryMb: number, cores = machineCores()): number {
  return Math.min(memoryMb / MB_PER_VCPU, cores);
}

/**
 * Environments of this size that keep every core busy (at least one per core). More at once only
 * share the same cores: queued events then cost more CPU each (context switches, JIT code warmed in
 * more processes), so the async queue starts no more than this (measured in bench/RESULTS.md).
 */
export function environmentsToFillCores(memoryMb: number, cores = machineCores()): number {
  return Math.max(cores, Math.ceil(cores / vcpuShare(memoryMb, cores) - 1e-9));
}

/** vCPUs an environment sees on AWS: 2 up to 3008 MB, then one more per 1769 MB, at most 6. */
export function vcpuCount(memoryMb: number): number {
  if (memoryMb <= 3008) return 2;
  return Math.min(6, Math.max(3, Math.ceil(memoryMb / MB_PER_VCPU)));
}

type Kind = 'v1' | 'v2';

interface CpuRoot {
  kind: Kind;
  /** Folder under which this process may create groups. */
  dir: string;
}

export interface CpuEnforcement {
  /** True when each environment's CPU time is limited by the kernel. */
  enforced: boolean;
  /** One sentence for status output. */
  detail: string;
  cores: number;
  mbPerVcpu: number;
  mechanism?: 'cgroup-v1' | 'cgroup-v2';
  /** Environments whose limit the kernel refused (then `enforced` is false). */
  failedEnvironments?: number;
}

let detected: CpuRoot | null | undefined;

/** Where (if anywhere) this process can create CPU-limited cgroups. Probed once. */
export function cpuCgroupSupport(): CpuRoot | null {
  if (detected === undefined) detected = probe();
  return detected;
}

export function describeCpuEnforcement(enabled: boolean): CpuEnforcement {
  const cores = machineCores();
  const base = { cores, mbPerVcpu: MB_PER_VCPU };
  if (!enabled)
    return {
      ...base,
      enforced: false,
      detail:
        'CPU limits are switched off (LOCAL_AWS_LAMBDA_CPU_LIMITS=0): every environment may use the whole machine.',
    };
  const root = cpuCgroupSupport();
  if (!root)
    return {
      ...base,
      enforced: false,
      detail:
        'CPU limits are not enforced here: no writable cgroup cpu controller ' +
        '(needs Linux, as root or with the cpu controller delegated); every environment may use the whole machine.',
    };
  const file = root.kind === 'v1' ? 'cpu.cfs_quota_us' : 'cpu.max';
  const failed = cpuLimitFailures();
  if (failed.count > 0)
    return {
      ...base,
      enforced: false,
      mechanism: root.kind === 'v1' ? 'cgroup-v1' : 'cgroup-v2',
      failedEnvironments: failed.count,
      detail:
        `CPU limits are not enforced for all environments: the kernel refused the ${file} limit of ` +
        `${failed.count} environment(s) (last: ${failed.last}), which may use the whole machine; ` +
        'durations do not reliably follow memory.',
    };
  return {
    ...base,
    enforced: true,
    mechanism: root.kind === 'v1' ? 'cgroup-v1' : 'cgroup-v2',
    detail:
      `CPU share follows memory: a cgroup ${root.kind} ${file} per environment gives one vCPU at ${MB_PER_VCPU} MB, ` +
      `capped at this machine's ${cores} core(s).` +
      (root.kind === 'v2' && cgroupV2Base()?.leaf
        ? ` (The endpoint moved itself into ${cgroupV2Base()!.leaf} so that its group could delegate cpu.)`
        : ''),
  };
}

function probe(): CpuRoot | null {
  if (process.platform !== 'linux') return null;
  let self: string;
  try {
    self = fs.readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return null;
  }
  const all = mounts();
  // v1: "2:cpu,cpuacct:/some/path"
  for (const line of self.split('\n')) {
    const [, controllers, rel] = line.split(':');
    if (rel === undefined || !controllers?.split(',').includes('cpu')) continue;
    for (const m of all.filter((x) => x.fstype === 'cgroup' && x.superOptions.includes('cpu'))) {
      for (const dir of new Set([ownGroupDir(m, rel), m.point])) {
        if (canLimit(dir, 'v1')) return { kind: 'v1', dir };
      }
    }
  }
  // v2: a group that delegates cpu (made so if need be, see cgroups.ts), then a real probe.
  const base = cgroupV2Base();
  if (base?.controllers.has('cpu') && canLimit(base.dir, 'v2')) return { kind: 'v2', dir: base.dir };
  return null;
}

/** Can we create a child group here and give it a quota? */
function canLimit(dir: string, kind: Kind): boolean {
  const probeDir = path.join(dir, `local-aws-cpu-probe-${process.pid}`);
  try {
    fs.mkdirSync(probeDir);
  } catch {
    return false;
  }
  try {
    writeQuota(probeDir, kind, 50_000);
    return true;
  } catch {
    return false;
  } finally {
    try {
      fs.rmdirSync(probeDir);
    } catch {
      // leave it; an empty group costs nothing
    }
  }
}

function writeQuota(dir: string, kind: Kind, quotaUs: number | 'max'): void {
  if (kind === 'v1') {
    fs.writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
    fs.writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), quotaUs === 'max' ? '-1' : String(quotaUs));
  } else {
    fs.writeFileSync(path.join(dir, 'cpu.max'), `${quotaUs} ${PERIOD_US}`);
  }
}

function quotaFor(vcpus: number, cores: number): number | 'max' {
  if (vcpus >= cores) return 'max';
  return Math.max(MIN_QUOTA_US, Math.round(vcpus * PERIOD_US));
}

/** Environments the kernel refused a CPU limit: process-wide, as one endpoint runs per process. */
const refused = new Map<string, string>();

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** One line on stderr naming the environment and the error; status output then says "not for all". */
export function cpuLimitFailed(envId: string, what: string, err: unknown): void {
  refused.set(envId, `${what}: ${errorText(err)}`);
  console.error(
    `[local-aws] lambda: CPU limit not applied to environment ${envId}: ${what} failed (${errorText(err)}); ` +
      'it may use the whole machine, so its durations do not follow its memory',
  );
}

/** Environments whose CPU limit failed so far, and the last reason. */
export function cpuLimitFailures(): { count: number; last?: string } {
  const last = [...refused].at(-1);
  return { count: refused.size, last: last && `${last[0]}: ${last[1]}` };
}

/**
 * Gives the endpoint's group the weight its environments would have as separate processes: with the
 * default weight, all environments together get one process's share of a busy machine (the server,
 * its clients and every other process each get as much). Each environment's quota still caps it.
 */
function weighEndpointGroup(parent: string, kind: Kind): void {
  const environments = fs.readdirSync(parent, { withFileTypes: true }).filter((d) => d.isDirectory()).length;
  const n = Math.max(1, environments);
  try {
    if (kind === 'v1') fs.writeFileSync(path.join(parent, 'cpu.shares'), String(Math.min(262_144, 1024 * n)));
    else fs.writeFileSync(path.join(parent, 'cpu.weight'), String(Math.min(10_000, 100 * n)));
  } catch {
    // Only the share under contention: the limits that matter are the environments' quotas.
  }
}

/** One environment's CPU cgroup (in v2 the same folder as its memory group). */
export class CpuCgroup {
  private readonly cores = machineCores();

  private constructor(
    readonly kind: Kind,
    readonly dir: string,
    readonly envId: string,
    readonly memoryMb: number,
  ) {}

  /**
   * A group for environment `envId`, at INIT's burst; undefined where CPU cgroups are not available
   * (or it failed, logged).
   */
  static create(envId: string, memoryMb: number): CpuCgroup | undefined {
    const root = cpuCgroupSupport();
    if (!root) return undefined;
    const dir = environmentGroupDir(root.dir, envId);
    // In v2 the memory group may be this very folder: a failure here must not remove it.
    const existed = fs.existsSync(dir);
    try {
      const parent = endpointGroup(root.dir);
      if (root.kind === 'v2') fs.writeFileSync(path.join(parent, 'cgroup.subtree_control'), '+cpu');
      // v2: the memory group of the same environment may have made it already.
      fs.mkdirSync(dir, { recursive: true });
      weighEndpointGroup(parent, root.kind);
      const group = new CpuCgroup(root.kind, dir, envId, memoryMb);
      group.burst();
      return group;
    } catch (err) {
      cpuLimitFailed(envId, `creating its cgroup ${dir}`, err);
      if (!existed) removeEmptyGroup(dir);
      return undefined;
    }
  }

  /** Moves a process (all its threads) into the group. False (and logged) if the kernel refused. */
  attach(pid: number): boolean {
    return joinGroup(this.dir, pid, (what, err) => cpuLimitFailed(this.envId, what, err));
  }

  /** INIT: as many vCPUs as the environment has on AWS (2 up to 3008 MB), unthrottled. */
  burst(): void {
    writeQuota(this.dir, this.kind, quotaFor(vcpuCount(this.memoryMb), this.cores));
  }

  /** From the first invocation on: the share its memory buys. False (and logged) if the kernel refused. */
  limit(): boolean {
    const quota = quotaFor(vcpuShare(this.memoryMb, this.cores), this.cores);
    try {
      writeQuota(this.dir, this.kind, quota);
      return true;
    } catch (err) {
      cpuLimitFailed(this.envId, `setting its quota (${quota} of ${PERIOD_US} us) in ${this.dir}`, err);
      return false;
    }
  }

  /** Removes the group (its processes must have exited). */
  remove(): void {
    removeEnvironmentGroup(this.dir);
  }
}

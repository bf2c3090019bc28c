// Does an environment's CPU share follow its memory where the function runs? On AWS always. On the
// project's local endpoint it depends on the machine: the endpoint says so on its health route.
// On any other endpoint (LocalStack, ...) nobody says, so the numbers are not trusted either.
import type { Ctx } from '../../lib/context.ts';

export interface CpuStatus {
  enforced: boolean;
  /** One sentence on how (or why not). */
  detail: string;
  /** vCPUs' worth an environment of `memoryMb` gets there, where known. */
  share?: (memoryMb: number) => number;
}

interface HealthBody {
  server?: string;
  lambda?: { cpu?: { enforced?: boolean; detail?: string; cores?: number; mbPerVcpu?: number } };
}

const AWS_MB_PER_VCPU = 1769;

export async function cpuStatus(ctx: Pick<Ctx, 'settings'>): Promise<CpuStatus> {
  const s = ctx.settings;
  if (s.target === 'aws')
    return {
      enforced: true,
      detail: `AWS Lambda: CPU share follows memory (one vCPU at ${AWS_MB_PER_VCPU} MB).`,
      share: (mb) => Math.min(mb / AWS_MB_PER_VCPU, 6),
    };
  const unknown: CpuStatus = {
    enforced: false,
    detail:
      `The endpoint ${s.endpoint ?? ''} does not say whether it limits CPU by memory: ` +
      'treat durations as independent of memory.',
  };
  if (!s.endpoint) return unknown;
  let body: HealthBody;
  try {
    const res = await fetch(new URL('/_localaws/health', s.endpoint), { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return unknown;
    body = (await res.json()) as HealthBody;
  } catch {
    return unknown;
  }
  const cpu = body.lambda?.cpu;
  if (body.server !== 'local-aws' || !cpu || typeof cpu.enforced !== 'boolean') return unknown;
  const cores = cpu.cores ?? 1;
  const perVcpu = cpu.mbPerVcpu ?? AWS_MB_PER_VCPU;
  return {
    enforced: cpu.enforced,
    detail: cpu.detail ?? '',
    share: cpu.enforced ? (mb) => Math.min(mb / perVcpu, cores) : undefined,
  };
}

export const NOT_ENFORCED_BANNER =
  'CPU limits are not enforced on this endpoint: durations do not depend on memory here.';

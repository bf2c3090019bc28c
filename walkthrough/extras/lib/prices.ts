// Lambda's published on-demand prices (per GB-second of billed duration, per request), per
// architecture, from a small data file with the date they were taken (walkthrough/extras/prices.json,
// or --prices FILE), and the cost of one invocation from them.
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../lib/errors.ts';

export const DEFAULT_PRICES_FILE = fileURLToPath(new URL('../prices.json', import.meta.url));

export interface ArchitecturePrices {
  /** USD (or `currency`) per GB-second; GB = MemorySize / 1024. */
  perGbSecond: number;
  perRequest: number;
}

export interface Prices {
  source: string;
  taken: string;
  region: string;
  currency: string;
  /** Free text for whoever reads the file: one string, or lines (the default file's). */
  note?: string | string[];
  architectures: Record<string, ArchitecturePrices>;
  file: string;
}

function positive(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

export function loadPrices(file = DEFAULT_PRICES_FILE): Prices {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(
      `Cannot read the prices file ${file}: ${(err as Error).message}`,
      `Pass a JSON file like ${DEFAULT_PRICES_FILE} with --prices.`,
    );
  }
  const p = raw as Partial<Prices> | null;
  const archs = p?.architectures;
  const bad = (why: string) =>
    new UserError(`The prices file ${file} is not usable: ${why}.`, `Compare it with ${DEFAULT_PRICES_FILE}.`);
  if (!p || typeof p !== 'object') throw bad('it is not a JSON object');
  if (typeof p.source !== 'string' || typeof p.taken !== 'string')
    throw bad('"source" (where the prices come from) and "taken" (when) are required');
  if (!archs || typeof archs !== 'object' || Object.keys(archs).length === 0)
    throw bad('"architectures" must map x86_64 and/or arm64 to prices');
  for (const [arch, a] of Object.entries(archs)) {
    if (!a || !positive(a.perGbSecond) || !positive(a.perRequest))
      throw bad(`architectures.${arch} needs numbers perGbSecond and perRequest`);
  }
  return {
    source: p.source,
    taken: p.taken,
    region: typeof p.region === 'string' ? p.region : 'unspecified',
    currency: typeof p.currency === 'string' ? p.currency : 'USD',
    note: p.note,
    architectures: archs,
    file,
  };
}

export function pricesFor(prices: Prices, architecture: string): ArchitecturePrices {
  const a = prices.architectures[architecture];
  if (!a)
    throw new UserError(
      `The prices file ${prices.file} has no prices for ${architecture}.`,
      'Add them, or pass another file with --prices.',
    );
  return a;
}

/** Cost of one invocation: billed seconds x memory in GB x the GB-second price, plus the request price. */
export function invocationCost(billedDurationMs: number, memoryMb: number, p: ArchitecturePrices): number {
  return (billedDurationMs / 1000) * (memoryMb / 1024) * p.perGbSecond + p.perRequest;
}

// The command-line values of `npm run logs` and `npm run invoke`, checked before anything connects
// (and without loading the SDK: --help and a bad flag cost only Node).
import { UsageError, type ParsedArgs } from './main.ts';

export const DEFAULT_SINCE = '10m';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `10m`, `1h`, `30s`, `2d`, `1w` (as `aws logs tail --since`) or an ISO date: the start time in ms. */
export function parseSince(raw: string, now = Date.now()): number {
  const rel = /^(\d+)\s*([smhdw])$/.exec(raw.trim());
  if (rel) return now - Number(rel[1]) * UNITS[rel[2]!]!;
  if (/^\d{4}-\d{2}-\d{2}/.test(raw.trim())) {
    const at = Date.parse(raw.trim());
    if (Number.isFinite(at)) return at;
  }
  throw new UsageError(
    `--since ${raw}: give a duration such as 30s, 10m, 1h, 2d or 1w, or an ISO date such as 2024-05-01T12:00:00Z.`,
  );
}

export type InvokeInput =
  { kind: 'key'; key: string } | { kind: 'image'; file: string } | { kind: 'event'; file: string };

export function invokeInput(argv: ParsedArgs): InvokeInput {
  const given = (['key', 'image', 'event'] as const).filter((f) => argv[f] !== undefined);
  if (given.length !== 1)
    throw new UsageError(
      given.length === 0
        ? 'Say what to invoke the function with: --key KEY, --image PATH or --event FILE.'
        : `Give only one of --key, --image and --event (got ${given.map((f) => `--${f}`).join(' and ')}).`,
      'For example: npm run invoke -- --image photo.jpg   (see --help)',
    );
  const kind = given[0]!;
  const value = String(argv[kind]);
  return kind === 'key' ? { kind, key: value } : { kind, file: value };
}

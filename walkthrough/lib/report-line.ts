// The REPORT line Lambda writes after each invocation (docs/local-aws/protocols.md#platform-log-lines),
// read from the log tail that `Invoke` returns with LogType=Tail:   REPORT RequestId: <id>\tDuration:
// 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 67 MB\tInit Duration: 153.46
// ms\t JSON log format functions get a `platform.report` record instead; both are understood.

export interface Report {
  requestId: string;
  durationMs: number;
  billedDurationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  /** Only on a cold start. */
  initDurationMs?: number;
}

function field(line: string, name: string): number | undefined {
  // Anchored at a tab: `Duration` must not match inside `Billed Duration` or `Init Duration`.
  const m = new RegExp(`\\t${name}: ([\\d.]+) (?:ms|MB)`).exec(line);
  return m ? Number(m[1]) : undefined;
}

function fromText(line: string): Report | undefined {
  const requestId = /^REPORT RequestId: (\S+)/.exec(line)?.[1];
  const durationMs = field(line, 'Duration');
  const billedDurationMs = field(line, 'Billed Duration');
  const memorySizeMb = field(line, 'Memory Size');
  const maxMemoryUsedMb = field(line, 'Max Memory Used');
  if (
    !requestId ||
    durationMs === undefined ||
    billedDurationMs === undefined ||
    memorySizeMb === undefined ||
    maxMemoryUsedMb === undefined
  )
    return undefined;
  return {
    requestId,
    durationMs,
    billedDurationMs,
    memorySizeMb,
    maxMemoryUsedMb,
    initDurationMs: field(line, 'Init Duration'),
  };
}

interface JsonReport {
  type?: string;
  record?: { requestId?: string; metrics?: Record<string, number> };
}

function fromJson(line: string): Report | undefined {
  let parsed: JsonReport;
  try {
    parsed = JSON.parse(line) as JsonReport;
  } catch {
    return undefined;
  }
  const m = parsed.record?.metrics;
  if (parsed.type !== 'platform.report' || !m || !parsed.record?.requestId) return undefined;
  if (
    m.durationMs === undefined ||
    m.billedDurationMs === undefined ||
    m.memorySizeMB === undefined ||
    m.maxMemoryUsedMB === undefined
  )
    return undefined;
  return {
    requestId: parsed.record.requestId,
    durationMs: m.durationMs,
    billedDurationMs: m.billedDurationMs,
    memorySizeMb: m.memorySizeMB,
    maxMemoryUsedMb: m.maxMemoryUsedMB,
    initDurationMs: m.initDurationMs,
  };
}

/** The last REPORT in a log tail, or undefined if the tail has none (cut off, or another format). */
export function parseReport(logTail: string): Report | undefined {
  const lines = logTail.split('\n').map((l) => l.trimEnd());
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    const r = line.startsWith('REPORT ') ? fromText(line) : line.startsWith('{') ? fromJson(line) : undefined;
    if (r) return r;
  }
  return undefined;
}

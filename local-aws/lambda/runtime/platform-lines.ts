// The lines Lambda itself writes around an invocation (docs/local-aws/protocols.md#platform-log-lines),
// in the Text or JSON log format.

export type LogFormat = 'Text' | 'JSON';

export interface ReportFields {
  requestId: string;
  durationMs: number;
  billedDurationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  initDurationMs?: number;
  /** Set when the platform ended the invocation (timeout, crash, out of memory, init failure). */
  status?: 'timeout' | 'error';
  errorType?: string;
}

export function initStartLine(format: LogFormat, runtimeVersion: string, runtimeVersionArn: string): string {
  if (format === 'JSON')
    return JSON.stringify({
      time: new Date().toISOString(),
      type: 'platform.initStart',
      record: { initializationType: 'on-demand', phase: 'init', runtimeVersion, runtimeVersionArn },
    });
  return `INIT_START Runtime Version: ${runtimeVersion}\tRuntime Version ARN: ${runtimeVersionArn}`;
}

export function startLine(format: LogFormat, requestId: string): string {
  if (format === 'JSON')
    return JSON.stringify({
      time: new Date().toISOString(),
      type: 'platform.start',
      record: { requestId, version: '$LATEST' },
    });
  return `START RequestId: ${requestId} Version: $LATEST`;
}

/** Text format only: the JSON format has no END record. */
export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}`;
}

export function timeoutLine(requestId: string, timeoutSeconds: number): string {
  return `${new Date().toISOString()} ${requestId} Task timed out after ${timeoutSeconds.toFixed(2)} seconds`;
}

export function reportLine(format: LogFormat, r: ReportFields): string {
  if (format === 'JSON') {
    const metrics: Record<string, number> = {
      durationMs: round2(r.durationMs),
      billedDurationMs: r.billedDurationMs,
      memorySizeMB: r.memorySizeMb,
      maxMemoryUsedMB: r.maxMemoryUsedMb,
    };
    if (r.initDurationMs !== undefined) metrics.initDurationMs = round2(r.initDurationMs);
    const record: Record<string, unknown> = { requestId: r.requestId, metrics, status: r.status ?? 'success' };
    if (r.errorType) record.errorType = r.errorType;
    return JSON.stringify({ time: new Date().toISOString(), type: 'platform.report', record });
  }
  let line =
    `REPORT RequestId: ${r.requestId}\tDuration: ${r.durationMs.toFixed(2)} ms\t` +
    `Billed Duration: ${r.billedDurationMs} ms\t` +
    `Memory Size: ${r.memorySizeMb} MB\tMax Memory Used: ${r.maxMemoryUsedMb} MB\t`;
  if (r.initDurationMs !== undefined) line += `Init Duration: ${r.initDurationMs.toFixed(2)} ms\t`;
  if (r.status) line += `Status: ${r.status}\t`;
  if (r.errorType) line += `Error Type: ${r.errorType}\t`;
  return line;
}

/** Whole milliseconds, rounded up, at least 1 (1 ms billing granularity since Dec 2020). */
export function billed(durationMs: number): number {
  return Math.max(1, Math.ceil(durationMs));
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

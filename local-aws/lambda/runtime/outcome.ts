// How an invocation ended, and the error payloads Lambda returns for each way of failing
// (docs/local-aws/protocols.md#invoke, #handler-loading).
import { MAX_RESPONSE_BYTES } from './runtime-api.ts';

export type Outcome =
  /** The runtime posted a result. */
  | { kind: 'response'; body: Buffer }
  /** The runtime posted an error (handler threw, callback(err), unhandled rejection, ...). */
  | { kind: 'error'; body: Buffer; errorType: string }
  /** The platform ended it: timeout, runtime exit, out of memory, init failure, oversized response. */
  | { kind: 'platform'; errorType: string; errorMessage: string; trace?: string[]; status: 'timeout' | 'error' };

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Go's names for signals, as Lambda's runtime exit messages show them ("signal: killed"). */
const SIGNAL_NAMES: Partial<Record<NodeJS.Signals, string>> = {
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGABRT: 'aborted',
  SIGSEGV: 'segmentation fault',
  SIGBUS: 'bus error',
  SIGILL: 'illegal instruction',
  SIGFPE: 'floating point exception',
  SIGTRAP: 'trace/breakpoint trap',
  SIGINT: 'interrupt',
  SIGHUP: 'hangup',
  SIGPIPE: 'broken pipe',
};

export function timedOut(requestId: string, timeoutSeconds: number): Outcome {
  return {
    kind: 'platform',
    errorType: 'Sandbox.Timedout',
    errorMessage: `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`,
    status: 'timeout',
  };
}

export function outOfMemory(requestId: string): Outcome {
  return {
    kind: 'platform',
    errorType: 'Runtime.OutOfMemory',
    errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`,
    status: 'error',
  };
}

export function runtimeExited(requestId: string, exit: ExitInfo): Outcome {
  let reason: string;
  if (exit.signal) reason = `Runtime exited with error: signal: ${SIGNAL_NAMES[exit.signal] ?? exit.signal}`;
  else if (exit.code) reason = `Runtime exited with error: exit status ${exit.code}`;
  else reason = 'Runtime exited without providing a reason';
  return {
    kind: 'platform',
    errorType: 'Runtime.ExitError',
    errorMessage: `RequestId: ${requestId} Error: ${reason}`,
    status: 'error',
  };
}

export function responseTooLarge(): Outcome {
  return {
    kind: 'platform',
    errorType: 'Function.ResponseSizeTooLarge',
    errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
    status: 'error',
  };
}

/** What /init/error carried: `{errorType, errorMessage, trace}` as the runtime sent it. */
export function initError(body: Buffer, errorTypeHeader: string | undefined): Outcome {
  const parsed = parseErrorBody(body);
  return {
    kind: 'platform',
    errorType: parsed?.errorType ?? errorTypeHeader ?? 'Runtime.Unknown',
    errorMessage: parsed?.errorMessage ?? 'Unknown init error',
    trace: parsed?.trace,
    status: 'error',
  };
}

/**
 * The runtime's error type: the body's `errorType` first, then the header
 * (docs/local-aws/protocols.md#runtime-api-endpoints).
 */
export function postedErrorType(body: Buffer, errorTypeHeader: string | undefined): string {
  return parseErrorBody(body)?.errorType ?? errorTypeHeader ?? 'Unhandled';
}

function parseErrorBody(body: Buffer): { errorType?: string; errorMessage?: string; trace?: string[] } | undefined {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as Record<string, unknown>;
    const trace = Array.isArray(o.trace) ? o.trace : Array.isArray(o.stackTrace) ? o.stackTrace : undefined;
    return {
      errorType: typeof o.errorType === 'string' ? o.errorType : undefined,
      errorMessage: typeof o.errorMessage === 'string' ? o.errorMessage : undefined,
      trace: trace?.map(String),
    };
  } catch {
    return undefined;
  }
}

/** The bytes the invoker receives for a platform failure. */
export function platformPayload(o: Extract<Outcome, { kind: 'platform' }>): Buffer {
  const body: Record<string, unknown> = { errorType: o.errorType, errorMessage: o.errorMessage };
  if (o.trace) body.trace = o.trace;
  return Buffer.from(JSON.stringify(body));
}

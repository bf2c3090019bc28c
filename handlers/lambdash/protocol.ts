// What the lambdash client and function say to each other: the event (one shell command) and the
// result (exit status, and each output stream either inline or in an S3 object). Imported by both
// sides so they cannot drift apart.

/** The event: `command` is run by `/bin/sh -c` in the function's environment. */
export interface LambdashEvent {
  command: string;
}

/** One output stream: inline (base64, so any bytes survive JSON) or an object the client fetches and deletes. */
export type StreamOutput = { size: number; base64: string } | { size: number; s3: { bucket: string; key: string } };

export interface LambdashResult {
  lambdash: 1;
  /** The shell's exit status; null when a signal ended it. */
  exitCode: number | null;
  /** e.g. SIGKILL; null when it exited by itself. */
  signal: string | null;
  /** The command ran out of time and was killed (with everything it started). */
  timedOut: boolean;
  /** The command's time limit (COMMAND_TIMEOUT_SECONDS), for the client's message. */
  timeoutSeconds: number;
  durationMs: number;
  stdout: StreamOutput;
  stderr: StreamOutput;
}

/** A synchronous response may be 6,291,556 bytes; base64 adds a third: 4 MiB of output fits with room for the JSON. */
export const INLINE_LIMIT_BYTES = 4 * 1024 * 1024;

/** The function's timeout is the command's plus this, so output can still be uploaded after a kill at the limit. */
export const RESERVE_SECONDS = 10;

/** Commands longer than this are refused (Lambda's synchronous request limit is 6 MB anyway). */
export const MAX_COMMAND_BYTES = 256 * 1024;

export function isLambdashResult(v: unknown): v is LambdashResult {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    r.lambdash === 1 && typeof r.stdout === 'object' && typeof r.stderr === 'object' && typeof r.timedOut === 'boolean'
  );
}

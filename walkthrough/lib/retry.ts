// The one retry helper: exponential backoff with jitter, a deadline, and a predicate that names
// exactly which errors are worth another try (IAM's eventual consistency, throttling, ...).
export interface RetryOptions {
  /** Give up after this long (ms). */
  deadlineMs: number;
  /** Retry only errors this says yes to; everything else is thrown at once. */
  retryable: (err: unknown) => boolean;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Called before each wait, e.g. to update a spinner. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const deadline = Date.now() + opts.deadlineMs;
  let delay = opts.initialDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const wait = Math.min(delay, opts.maxDelayMs ?? 10_000) * (0.75 + Math.random() * 0.5);
      if (!opts.retryable(err) || Date.now() + wait > deadline) throw err;
      opts.onRetry?.(err, attempt, wait);
      await new Promise((r) => setTimeout(r, wait));
      delay *= 2;
    }
  }
}

/** Polls `check` until it returns a value (not undefined), with backoff, or throws at the deadline. */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  opts: { deadlineMs: number; what: string; initialDelayMs?: number; maxDelayMs?: number },
): Promise<T> {
  const deadline = Date.now() + opts.deadlineMs;
  let delay = opts.initialDelayMs ?? 100;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() + delay > deadline)
      throw new PollTimeout(`Timed out after ${Math.round(opts.deadlineMs / 1000)} s waiting for ${opts.what}.`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, opts.maxDelayMs ?? 2000);
  }
}

export class PollTimeout extends Error {
  override name = 'PollTimeout';
}

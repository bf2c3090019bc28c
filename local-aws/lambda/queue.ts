// Asynchronous invocation (docs/local-aws/protocols.md#asynchronous-invocation): every queued event is one file under
// `<data>/lambda/queue/`, written durably before the caller is answered and removed once the event is
// done, so events survive a restart (or a crash: then an event that was running runs again).
// Per-function workers (up to the concurrency limit) run events through the engine; function errors
// are retried after `lambdaRetryDelaysMs` up to MaximumRetryAttempts, within MaximumEventAgeInSeconds;
// then the event goes to the on-failure destination, or is dropped with a line on stderr.
import * as fs from 'node:fs';
import { removeStaleTempFiles } from '../core/persist.ts';
import type { LocalAwsConfig } from '../config.ts';
import { deliverToDestination, type DestinationHost } from './destinations.ts';
import type { FunctionConfig, FunctionRecord, QueuedEvent } from './model.ts';
import { serviceMayInvoke } from './permissions.ts';
import { QueueFiles, type QueueFile } from './queue-files.ts';
import type { ExecutionEngine, FunctionSpec, InvokeResult } from './runtime/contract.ts';
import { environmentsToFillCores } from './runtime/cpu.ts';

/** What the queue needs from Lambda's store (LambdaStore is one). */
export interface QueueHost extends DestinationHost {
  readonly config: Pick<LocalAwsConfig, 'accountId' | 'lambdaMaxConcurrency' | 'lambdaRetryDelaysMs'>;
  readonly engine: ExecutionEngine;
  spec(fn: FunctionRecord, cfg: FunctionConfig): FunctionSpec;
}

interface Entry {
  ev: QueuedEvent;
  file: QueueFile;
}

const MAX_BACKOFF_MS = 5 * 60 * 1000;
/** How long a shutdown waits for running events to finish before it stops them. */
const DRAIN_MS = 15_000;
/** Responses kept for the destination record of a later failure. */
const MAX_KEPT_RESPONSE = 256 * 1024;

export function dropLine(requestId: string, functionName: string, attempts: number, reason: string): void {
  console.error(
    `[local-aws] lambda: dropped event ${requestId} for ${functionName} after ${attempts} attempts: ${reason}`,
  );
}

export class AsyncQueue {
  private readonly waiting = new Map<string, Entry[]>();
  private readonly running = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private readonly files: QueueFiles;

  constructor(
    private readonly store: QueueHost,
    dir: string,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    removeStaleTempFiles(dir);
    this.files = new QueueFiles(dir);
  }

  /** Loads what a previous run left queued (in the order it was queued). */
  resume(): void {
    for (const e of this.files.load()) this.add(e);
    // Started once the endpoint is fully wired (the functions may call it back).
    setImmediate(() => {
      for (const arn of [...this.waiting.keys()]) this.kick(arn);
    });
  }

  private add(e: Entry): void {
    const list = this.waiting.get(e.ev.functionArn);
    if (list) list.push(e);
    else this.waiting.set(e.ev.functionArn, [e]);
  }

  /** Queues an event durably (resolves once it is on disk). */
  async enqueue(ev: QueuedEvent): Promise<void> {
    const e = { ev, file: await this.files.add(ev) };
    this.add(e);
    this.kick(ev.functionArn);
  }

  /** Same, synchronously: for callers that cannot wait but must not answer before it is durable (S3). */
  enqueueSync(ev: QueuedEvent): void {
    const e = { ev, file: this.files.addSync(ev) };
    this.add(e);
    this.kick(ev.functionArn);
  }

  /** Starts as many waiting events of a function as its concurrency allows. */
  kick(arn: string): void {
    if (this.stopped) return;
    const list = this.waiting.get(arn);
    if (!list || list.length === 0) return;
    const fn = this.store.get(arn);
    if (fn && !fn.live) {
      if (fn.state !== 'Failed') return; // Pending: kicked again when it becomes Active
    }
    // Events wait rather than start environments beyond what the cores can run (synchronous invokes
    // still get up to lambdaMaxConcurrency).
    const fill = environmentsToFillCores(fn?.live?.memorySize ?? 128);
    const limit = Math.max(1, Math.min(this.store.config.lambdaMaxConcurrency, fill));
    const now = Date.now();
    while ((this.running.get(arn) ?? 0) < limit) {
      const i = list.findIndex((e) => e.ev.notBefore <= now);
      if (i < 0) break;
      const [entry] = list.splice(i, 1);
      this.running.set(arn, (this.running.get(arn) ?? 0) + 1);
      const job = this.run(entry!).catch((e) =>
        console.error(`[local-aws] lambda: queued event ${entry!.ev.id} failed:`, e),
      );
      this.inFlight.add(job);
      void job.finally(() => {
        this.inFlight.delete(job);
        this.running.set(arn, (this.running.get(arn) ?? 1) - 1);
        this.kick(arn);
      });
    }
    if (list.length === 0) this.waiting.delete(arn);
    else this.wakeAt(arn, Math.min(...list.map((e) => e.ev.notBefore)));
  }

  private wakeAt(arn: string, when: number): void {
    const old = this.timers.get(arn);
    if (old) clearTimeout(old);
    const t = setTimeout(
      () => {
        this.timers.delete(arn);
        this.kick(arn);
      },
      Math.max(0, when - Date.now()),
    );
    t.unref();
    this.timers.set(arn, t);
  }

  private finish(e: Entry): Promise<void> {
    return this.files.release(e.file, e.ev.id);
  }

  /** Stored anew (its own file), then let go from the old one: after a crash the copy with more attempts wins. */
  private async retryLater(e: Entry, delayMs: number): Promise<void> {
    e.ev.notBefore = Date.now() + delayMs;
    const old = e.file;
    e.file = await this.files.add(e.ev);
    await this.files.release(old, e.ev.id);
    this.add(e);
  }

  private async run(e: Entry): Promise<void> {
    const { ev } = e;
    const fn = this.store.get(ev.functionArn);
    const name = ev.functionArn.split(':').pop()!;
    if (!fn || !fn.live) {
      dropLine(
        ev.id,
        name,
        ev.attempts,
        fn ? `the function is in state ${fn.state}` : 'ResourceNotFoundException (the function no longer exists)',
      );
      return this.finish(e);
    }
    const settings = fn.eventInvokeConfig;
    const maxAgeMs = (settings?.maximumEventAgeInSeconds ?? 21600) * 1000;
    const maxRetries = settings?.maximumRetryAttempts ?? 2;
    if (Date.now() - ev.enqueuedAt > maxAgeMs) return this.fail(fn, e, 'EventAgeExceeded');
    if (ev.source && !serviceMayInvoke(fn, ev.source.service, ev.source.sourceArn, ev.source.sourceAccount)) {
      dropLine(
        ev.id,
        fn.name,
        ev.attempts,
        `${ev.source.service} is no longer allowed to invoke the function (resource policy)`,
      );
      return this.finish(e);
    }
    let result: InvokeResult;
    try {
      result = await this.store.engine.invoke({
        spec: this.store.spec(fn, fn.live),
        payload: Buffer.from(ev.payload, 'utf8'),
        requestId: ev.id,
        invokedFunctionArn: ev.invokedArn,
      });
    } catch (err) {
      if (this.stopped) return; // shutting down: it stays queued as it was
      ev.serviceFailures++;
      ev.lastErrorType = err instanceof Error ? err.name : 'ServiceException';
      const first = this.store.config.lambdaRetryDelaysMs[0];
      return this.retryLater(e, Math.min(MAX_BACKOFF_MS, Math.max(100, first) * 2 ** (ev.serviceFailures - 1)));
    }
    if (result.functionError && this.stopped) return; // most likely stopped by the shutdown: run it again later
    ev.attempts++;
    if (!result.functionError) {
      await deliverToDestination(this.store, (next) => this.enqueue(next), fn, ev, 'Success', result);
      return this.finish(e);
    }
    ev.lastErrorType = result.errorType ?? 'Unhandled';
    ev.lastResponse = result.payload.length <= MAX_KEPT_RESPONSE ? result.payload.toString('utf8') : undefined;
    if (ev.attempts <= maxRetries) {
      const delays = this.store.config.lambdaRetryDelaysMs;
      return this.retryLater(e, delays[Math.min(ev.attempts - 1, delays.length - 1)]!);
    }
    return this.fail(fn, e, 'RetriesExhausted');
  }

  private async fail(fn: FunctionRecord, e: Entry, condition: 'RetriesExhausted' | 'EventAgeExceeded'): Promise<void> {
    const delivered = await deliverToDestination(this.store, (next) => this.enqueue(next), fn, e.ev, condition);
    if (!delivered)
      dropLine(
        e.ev.id,
        fn.name,
        e.ev.attempts,
        condition === 'EventAgeExceeded'
          ? `EventAgeExceeded (last error: ${e.ev.lastErrorType ?? 'none'})`
          : (e.ev.lastErrorType ?? 'Unhandled'),
      );
    await this.finish(e);
  }

  /** Events waiting or running, per function ARN (for tests and diagnostics). */
  depth(arn?: string): number {
    let n = 0;
    for (const [k, list] of this.waiting) if (!arn || k === arn) n += list.length;
    for (const [k, r] of this.running) if (!arn || k === arn) n += r;
    return n;
  }

  /** Stops starting events and waits (bounded) for the running ones; what is left stays on disk. */
  async close(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_MS))),
    ]);
    clearTimeout(timer);
    this.files.compact();
  }
}

// One environment's log stream in CloudWatch Logs. Lines are buffered and written in batches; an
// invocation flushes before it returns, so its REPORT line is readable when the caller gets the
// result. As on AWS, Lambda writes with the function role's permissions: a role without
// logs:CreateLogGroup (when the group is missing), logs:CreateLogStream or logs:PutLogEvents
// produces no logs, and the invocation itself is unaffected.
import type { EngineServices, LogEvent, RoleSession } from './contract.ts';

const MAX_BATCH_EVENTS = 10_000;
const MAX_BATCH_BYTES = 1_048_576;
const EVENT_OVERHEAD = 26;
/** Lines printed outside an invocation (timers, init) are written after this delay. */
const BACKGROUND_FLUSH_MS = 50;

export class LogSink {
  private buffer: LogEvent[] = [];
  private lastTimestamp = 0;
  private streamReady = false;
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private warned = false;

  constructor(
    private readonly services: EngineServices,
    private readonly region: string,
    readonly group: string,
    readonly stream: string,
    private readonly session: RoleSession,
  ) {}

  /** Queues one event; timestamps never go backwards (PutLogEvents wants chronological batches). */
  add(message: string, timestamp = Date.now()): void {
    this.lastTimestamp = Math.max(this.lastTimestamp, timestamp);
    this.buffer.push({ timestamp: this.lastTimestamp, message });
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), BACKGROUND_FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Writes everything queued so far; resolves when it is stored (or dropped for lack of permission). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.buffer.length === 0) return this.writing;
    const events = this.buffer;
    this.buffer = [];
    // Writes of one stream stay in order.
    this.writing = this.writing.then(() => this.write(events));
    return this.writing;
  }

  private allowed(action: string, resource: string): boolean {
    return this.services.allowed(this.session, action, resource);
  }

  private async write(events: LogEvent[]): Promise<void> {
    const { accountId } = this.session;
    const groupArn = `arn:aws:logs:${this.region}:${accountId}:log-group:${this.group}`;
    const streamArn = `${groupArn}:log-stream:${this.stream}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        if (!this.streamReady) {
          if (!this.services.logs.hasLogGroup(this.region, this.group)) {
            if (!this.allowed('logs:CreateLogGroup', groupArn)) return;
            await this.services.logs.ensureLogGroup(this.region, this.group);
          }
          if (!this.allowed('logs:CreateLogStream', streamArn)) return;
          await this.services.logs.ensureLogStream(this.region, this.group, this.stream);
          this.streamReady = true;
        }
        if (!this.allowed('logs:PutLogEvents', streamArn)) return;
        for (const batch of batches(events))
          await this.services.logs.putLogEvents(this.region, this.group, this.stream, batch);
        return;
      } catch (e) {
        // The group or stream may have been deleted meanwhile: recreate once, then give up.
        this.streamReady = false;
        if (attempt === 1 && !this.warned) {
          this.warned = true;
          console.error(
            `[local-aws] lambda: could not write logs to ${this.group}/${this.stream}:`,
            (e as Error).message,
          );
        }
      }
    }
  }
}

function* batches(events: LogEvent[]): Generator<LogEvent[]> {
  let batch: LogEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(event.message, 'utf8') + EVENT_OVERHEAD;
    if (batch.length > 0 && (batch.length >= MAX_BATCH_EVENTS || bytes + size > MAX_BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(event);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}

// Reads a child's stdout or stderr line by line. The runtime client (bootstrap.mjs) writes a flush
// marker on both streams right before it reports a phase's end (init done, result posted), so the
// engine knows every line of that phase has arrived before it writes END/REPORT.
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** Must match FLUSH_MARK in bootstrap.mjs. */
export const FLUSH_MARK = '\u0000\u0000LAMBDA_RUNTIME_FLUSH ';

/** Lambda cuts longer lines (CloudWatch events are at most 256 KB from Lambda). */
export const MAX_LINE_CHARS = 256 * 1024;

export class LineReader {
  private partial = '';
  private readonly decoder = new StringDecoder('utf8');
  private readonly marks = new Set<string>();
  private readonly markWaiters = new Map<string, () => void>();
  private ended = false;

  constructor(
    stream: Readable,
    private readonly onLine: (line: string) => void,
  ) {
    stream.on('data', (chunk: Buffer) => this.push(this.decoder.write(chunk)));
    stream.on('end', () => this.end());
    stream.on('error', () => this.end());
  }

  /** Resolves once the marker for `key` arrived on this stream, or the stream ended. */
  waitMark(key: string): Promise<void> {
    if (this.ended || this.marks.delete(key)) return Promise.resolve();
    return new Promise((resolve) => this.markWaiters.set(key, resolve));
  }

  private push(text: string): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      this.line(this.partial + text.slice(start, nl));
      this.partial = '';
      start = nl + 1;
    }
    this.partial += text.slice(start);
    // A writer that never ends its line still produces bounded events.
    while (this.partial.length > MAX_LINE_CHARS) {
      this.onLine(this.partial.slice(0, MAX_LINE_CHARS));
      this.partial = this.partial.slice(MAX_LINE_CHARS);
    }
  }

  private line(text: string): void {
    const at = text.indexOf(FLUSH_MARK);
    if (at >= 0) {
      // Output without a final newline before the marker is still a line of its own.
      if (at > 0) this.emit(text.slice(0, at));
      this.mark(text.slice(at + FLUSH_MARK.length));
      return;
    }
    this.emit(text);
  }

  private emit(text: string): void {
    this.onLine(text.length > MAX_LINE_CHARS ? text.slice(0, MAX_LINE_CHARS) : text);
  }

  private mark(key: string): void {
    const waiter = this.markWaiters.get(key);
    if (waiter) {
      this.markWaiters.delete(key);
      waiter();
    } else {
      // Keep only a few: a marker nobody waited for is stale after the next phase.
      if (this.marks.size > 8) this.marks.clear();
      this.marks.add(key);
    }
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest.length > 0) this.line(rest);
    for (const resolve of this.markWaiters.values()) resolve();
    this.markWaiters.clear();
  }
}

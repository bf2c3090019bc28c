// Typed state of the local CloudWatch Logs: log groups and streams per region, and their events.
// (Contract used by other services; the wire code is in service.ts.)
import type { LocalAwsConfig } from '../config.ts';

export interface InputLogEvent {
  /** epoch ms */
  timestamp: number;
  message: string;
}

export class LogsStore {
  constructor(readonly config: LocalAwsConfig) {}

  hasLogGroup(_region: string, _group: string): boolean {
    return false;
  }

  /** Creates the group if missing (what Lambda does with the role's logs:CreateLogGroup). */
  async ensureLogGroup(_region: string, _group: string): Promise<void> {}

  /** Creates the stream if missing. */
  async ensureLogStream(_region: string, _group: string, _stream: string): Promise<void> {}

  /** Appends events (chronological) durably. */
  async putLogEvents(_region: string, _group: string, _stream: string, _events: InputLogEvent[]): Promise<void> {}

  async close(): Promise<void> {}
}

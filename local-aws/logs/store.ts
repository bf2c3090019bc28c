// Typed state of the local logs service, kept apart from its wire protocol code (service.ts).
import type { LocalAwsConfig } from '../config.ts';

export class LogsStore {
  constructor(readonly config: LocalAwsConfig) {}

  async close(): Promise<void> {}
}

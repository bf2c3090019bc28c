// Typed state of the local lambda service, kept apart from its wire protocol code (service.ts).
import type { LocalAwsConfig } from '../config.ts';

export class LambdaStore {
  constructor(readonly config: LocalAwsConfig) {}

  async close(): Promise<void> {}
}

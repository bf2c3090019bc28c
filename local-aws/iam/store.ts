// Typed state of the local iam service, kept apart from its wire protocol code (service.ts).
import type { LocalAwsConfig } from '../config.ts';

export class IamStore {
  constructor(readonly config: LocalAwsConfig) {}

  async close(): Promise<void> {}
}

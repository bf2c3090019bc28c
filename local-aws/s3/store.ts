// Typed state of the local s3 service, kept apart from its wire protocol code (service.ts).
import type { LocalAwsConfig } from '../config.ts';

export class S3Store {
  constructor(readonly config: LocalAwsConfig) {}

  async close(): Promise<void> {}
}

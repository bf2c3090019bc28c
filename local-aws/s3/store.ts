// Typed state of the local S3: buckets (with their configurations) and objects on disk.
// (Contract used by other services; the wire code is in service.ts.)
import type { LocalAwsConfig } from '../config.ts';

/** One S3 event as the notification machinery needs it (PROTOCOLS.md §6). */
export interface ObjectEvent {
  /** Without the `s3:` prefix, e.g. `ObjectCreated:Put`, `ObjectRemoved:Delete`. */
  eventName: string;
  bucket: string;
  bucketRegion: string;
  key: string;
  size?: number;
  /** Unquoted. */
  eTag?: string;
  sequencer: string;
  eventTime: string;
  requestId: string;
  hostId: string;
  sourceIp: string;
  /** `AWS:<userId>` of the caller */
  principalId: string;
}

export interface LambdaDestination {
  id: string;
  functionArn: string;
  events: string[];
  prefix?: string;
  suffix?: string;
}

/** Checks a bucket's Lambda destinations when a notification configuration is saved; returns the ARNs that fail. */
export type DestinationValidator = (bucket: string, bucketOwnerAccount: string, functionArns: string[]) => string[];

export type ObjectEventListener = (event: ObjectEvent, destinations: LambdaDestination[]) => void;

export class S3Store {
  constructor(readonly config: LocalAwsConfig) {}

  /** Whole object body; throws AwsError NoSuchBucket / NoSuchKey. */
  async getObjectBytes(_bucket: string, _key: string): Promise<Buffer> {
    throw new Error('S3 store not implemented yet');
  }

  async close(): Promise<void> {}
}

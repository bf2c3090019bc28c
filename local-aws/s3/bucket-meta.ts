// A bucket's record (name, region, settings), apart from the store so that objects.ts can use it
// without importing the store that imports it.
import type { NotificationConfig } from './notifications.ts';

export interface PublicAccessBlock {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

export interface BucketMeta {
  name: string;
  /** Name of its objects folder: random, never derived from the name. */
  id: string;
  /** As given at creation ('' for us-east-1). */
  locationConstraint: string;
  region: string;
  /** epoch ms */
  creationDate: number;
  tags?: Array<[string, string]>;
  publicAccessBlock?: PublicAccessBlock;
  notification?: NotificationConfig;
  /** Absent until PutBucketVersioning; never absent again after (as on S3). */
  versioning?: 'Enabled' | 'Suspended';
}

// Typed state of the local S3: buckets (with their configurations) and objects on disk.
// (Contract used by other services; the wire code is in service.ts.)
// Layout under <dataDir>/s3/: buckets.json (bucket metadata), objects/<bucket id>/<hh>/<sha256(key)>
// (one file per object: header + bytes, see object-file.ts), journal/ (group-commit redo log for
// small writes, see journal.ts), uploads/<upload id>/ (multipart, see multipart.ts).
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { LocalAwsConfig } from '../config.ts';
import { AwsError } from '../core/errors.ts';
import { JsonFile } from '../core/persist.ts';
import { noSuchBucket } from './bucket-name.ts';
import { UploadStore } from './multipart.ts';
import { EMPTY_NOTIFICATION, targetMatches } from './notifications.ts';
import type { BucketMeta } from './bucket-meta.ts';
import { Bucket, ObjectStore } from './objects.ts';
import { loadVersions, writeVersion } from './versions.ts';

export { Bucket, type NewObject, type OpenObject } from './objects.ts';
export type { ObjectMeta } from './object-file.ts';

/** One S3 event as the notification machinery needs it (docs/local-aws/protocols.md#s3-event-notifications). */
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

/** Resolves once the event is durably queued: S3 answers the request that caused it only then. */
export type ObjectEventListener = (event: ObjectEvent, destinations: LambdaDestination[]) => void | Promise<void>;

export interface TopicDestination {
  /** The configuration's Id (the event record's configurationId). */
  id: string;
  topicArn: string;
}

/** SNS as a destination of bucket notifications (TopicConfigurations). */
export interface TopicTarget {
  /**
   * Topics S3 may not publish to for this bucket, with the reason S3 gives
   * (docs/local-aws/protocols.md#notification-configuration).
   */
  validate(bucket: string, bucketOwnerAccount: string, topicArns: string[]): Array<{ arn: string; reason: string }>;
  /** S3's s3:TestEvent, sent to each topic when a configuration is saved. Never throws. */
  sendTestEvent(
    bucket: string,
    bucketOwnerAccount: string,
    topicArns: string[],
    requestId: string,
    hostId: string,
  ): void;
  /** An object event for the topics that want it, published durably before S3 answers. Never throws. */
  publish(event: ObjectEvent, destinations: TopicDestination[]): void;
}

export type { BucketMeta, PublicAccessBlock } from './bucket-meta.ts';

interface BucketsState {
  buckets: BucketMeta[];
}

export class S3Store {
  readonly root: string;
  readonly uploads: UploadStore;
  private readonly state: JsonFile<BucketsState>;
  private readonly buckets = new Map<string, Bucket>();
  private readonly bucketsById = new Map<string, Bucket>();
  readonly objects: ObjectStore;
  private lastSequencer = 0n;
  private validator: DestinationValidator | undefined;
  private readonly listeners: ObjectEventListener[] = [];
  private topicTarget: TopicTarget | undefined;

  constructor(readonly config: LocalAwsConfig) {
    this.root = path.join(config.dataDir, 's3');
    fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
    this.state = new JsonFile<BucketsState>(path.join(this.root, 'buckets.json'), () => ({ buckets: [] }));
    for (const meta of this.state.data.buckets)
      this.addBucket(new Bucket(meta, path.join(this.root, 'objects', meta.id)));
    this.objects = new ObjectStore(this.root, this.bucketsById);
    this.objects.writeVersioned = (bucket, fields, body) => writeVersion(this.objects, bucket, fields, body);
    for (const bucket of this.bucketsById.values())
      loadVersions(this.objects, bucket, this.objects.nullMarkers.get(bucket.meta.id) ?? []);
    this.objects.nullMarkers.clear();
    // Version files of a bucket deleted just before a crash.
    const versionsRoot = path.join(this.root, 'versions');
    if (fs.existsSync(versionsRoot))
      for (const id of fs.readdirSync(versionsRoot))
        if (!this.bucketsById.has(id)) fs.rmSync(path.join(versionsRoot, id), { recursive: true, force: true });
    this.uploads = new UploadStore(path.join(this.root, 'uploads'));
    this.uploads.load(new Set(this.bucketsById.keys()), this.objects.completedUploads);
  }

  private addBucket(bucket: Bucket): void {
    this.buckets.set(bucket.name, bucket);
    this.bucketsById.set(bucket.meta.id, bucket);
  }

  // ---- buckets -------------------------------------------------------------------------------

  listBuckets(): Bucket[] {
    return [...this.buckets.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  findBucket(name: string): Bucket | undefined {
    return this.buckets.get(name);
  }

  bucket(name: string): Bucket {
    const b = this.buckets.get(name);
    if (!b) throw noSuchBucket(name);
    return b;
  }

  async createBucket(name: string, locationConstraint: string, region: string): Promise<Bucket> {
    const meta: BucketMeta = {
      name,
      id: randomBytes(8).toString('hex'),
      locationConstraint,
      region,
      creationDate: Date.now(),
    };
    const bucket = new Bucket(meta, this.objects.bucketDir(meta.id));
    this.addBucket(bucket);
    this.state.data.buckets.push(meta);
    await this.state.save();
    return bucket;
  }

  /** Removes a bucket (the caller checked it is empty) with its unfinished multipart uploads. */
  async deleteBucket(bucket: Bucket): Promise<void> {
    this.buckets.delete(bucket.name);
    this.bucketsById.delete(bucket.meta.id);
    this.state.data.buckets = this.state.data.buckets.filter((b) => b !== bucket.meta);
    await this.state.save();
    await fsp.rm(bucket.dir, { recursive: true, force: true });
    await fsp.rm(path.join(this.root, 'versions', bucket.meta.id), { recursive: true, force: true });
    await this.uploads.removeBucket(bucket.meta.id);
  }

  /** Persists a change made to a bucket's `meta` (tags, configurations). */
  saveBucket(): Promise<void> {
    return this.state.save();
  }

  // ---- objects -------------------------------------------------------------------------------

  /** Whole object body; throws AwsError NoSuchBucket / NoSuchKey. */
  async getObjectBytes(bucketName: string, key: string): Promise<Buffer> {
    const bucket = this.bucket(bucketName);
    const opened = await this.objects.open(bucket, key);
    if (!opened) throw noSuchKey(key);
    if (opened.bytes) return opened.bytes;
    const chunks: Buffer[] = [];
    for await (const chunk of opened.stream(0, Math.max(opened.meta.size - 1, 0))) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  // ---- notifications and Lambda hooks ----------------------------------------------------------

  setDestinationValidator(fn: DestinationValidator | undefined): void {
    this.validator = fn;
  }

  /** ARNs that fail validation (none when no validator is registered). */
  validateDestinations(bucket: string, functionArns: string[]): string[] {
    if (!this.validator || functionArns.length === 0) return [];
    return this.validator(bucket, this.config.accountId, functionArns);
  }

  setTopicTarget(target: TopicTarget | undefined): void {
    this.topicTarget = target;
  }

  /** Topic ARNs that fail validation, with the reason (none when SNS is not wired). */
  validateTopics(bucket: string, topicArns: string[]): Array<{ arn: string; reason: string }> {
    if (!this.topicTarget || topicArns.length === 0) return [];
    return this.topicTarget.validate(bucket, this.config.accountId, topicArns);
  }

  sendTestEvent(bucket: string, topicArns: string[], requestId: string, hostId: string): void {
    if (this.topicTarget && topicArns.length > 0)
      this.topicTarget.sendTestEvent(bucket, this.config.accountId, topicArns, requestId, hostId);
  }

  onObjectEvent(listener: ObjectEventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Monotonic upper-case hex: a later event on a key always compares greater. */
  private nextSequencer(): string {
    const candidate = BigInt(Date.now()) << 16n;
    this.lastSequencer = candidate > this.lastSequencer ? candidate : this.lastSequencer + 1n;
    return this.lastSequencer.toString(16).toUpperCase().padStart(16, '0');
  }

  /**
   * Tells the listeners (Lambda) and SNS about an event the bucket's destinations want; resolves once
   * the listeners have queued it durably. Never rejects.
   */
  async emit(
    bucket: Bucket,
    event: Omit<ObjectEvent, 'bucket' | 'bucketRegion' | 'sequencer' | 'eventTime'>,
  ): Promise<void> {
    if (this.listeners.length === 0 && !this.topicTarget) return;
    const config = bucket.meta.notification ?? EMPTY_NOTIFICATION;
    const destinations: LambdaDestination[] =
      this.listeners.length === 0
        ? []
        : config.lambdas
            .filter((t) => targetMatches(t, event.eventName, event.key))
            .map((t) => ({
              id: t.id,
              functionArn: t.arn,
              events: t.events,
              prefix: t.filter.find((r) => r.name === 'Prefix')?.value,
              suffix: t.filter.find((r) => r.name === 'Suffix')?.value,
            }));
    const topics: TopicDestination[] = !this.topicTarget
      ? []
      : config.topics
          .filter((t) => targetMatches(t, event.eventName, event.key))
          .map((t) => ({ id: t.id, topicArn: t.arn }));
    if (destinations.length === 0 && topics.length === 0) return;
    const full: ObjectEvent = {
      ...event,
      bucket: bucket.name,
      bucketRegion: bucket.meta.region,
      sequencer: this.nextSequencer(),
      eventTime: new Date().toISOString(),
    };
    const queued: Array<Promise<void>> = [];
    if (destinations.length > 0) {
      const failed = (e: unknown) => console.error('[local-aws] s3 event listener failed:', e);
      for (const listener of this.listeners) {
        try {
          const done = listener(full, destinations);
          if (done) queued.push(done.catch(failed));
        } catch (e) {
          failed(e);
        }
      }
    }
    if (topics.length > 0) {
      try {
        this.topicTarget!.publish(full, topics);
      } catch (e) {
        console.error('[local-aws] s3: publishing an event to SNS failed:', e);
      }
    }
    await Promise.all(queued);
  }

  async close(): Promise<void> {
    await this.objects.close();
    await this.state.save();
  }
}

export function noSuchKey(key: string): AwsError {
  return new AwsError('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
}

// Typed state of the local SNS: topics (attributes, policy, tags, delivery counters) and their
// subscriptions, kept in one durable JSON snapshot under <dataDir>/sns/state.json.
// (Contract used by other services; the wire code is in service.ts.)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { LocalAwsConfig } from '../config.ts';
import { JsonFile } from '../core/persist.ts';
import { MessageSigner } from './signing.ts';

/** Delivery counters, the local stand-in for the CloudWatch metrics of the same names (AWS/SNS). */
export interface TopicStats {
  /** NumberOfMessagesPublished */
  published: number;
  /** NumberOfNotificationsDelivered: handed to the subscriber (for Lambda: queued as an Event invocation). */
  delivered: number;
  /** NumberOfNotificationsFailed: refused by the subscriber (for Lambda: missing function or permission). */
  failed: number;
}

export interface TopicRecord {
  arn: string;
  name: string;
  region: string;
  /** Attributes set by the user (Policy always present), by AWS attribute name. */
  attributes: { [name: string]: string };
  tags: Array<[string, string]>;
  /** epoch ms */
  createdAt: number;
  /** Subscriptions removed from this topic so far (SubscriptionsDeleted). */
  subscriptionsDeleted: number;
  stats: TopicStats;
}

/** The only protocol the local endpoint delivers to. */
export type SubscriptionProtocol = 'lambda';

export interface SubscriptionRecord {
  /** `<topic arn>:<uuid>` */
  arn: string;
  topicArn: string;
  protocol: SubscriptionProtocol;
  /** A Lambda function ARN. */
  endpoint: string;
  /** Account of the subscriber. */
  owner: string;
  /** ARN of who subscribed (SubscriptionPrincipal). */
  principal: string;
  /** Attributes set by the user (DeliveryPolicy, ...). */
  attributes: { [name: string]: string };
  /** epoch ms */
  createdAt: number;
}

interface SnsState {
  topics: TopicRecord[];
  subscriptions: SubscriptionRecord[];
}

/** Builds a map from JSON without prototype surprises (keys such as `__proto__`). */
function dict(entries: Iterable<[string, string]>): { [name: string]: string } {
  const out = Object.create(null) as { [name: string]: string };
  for (const [k, v] of entries) out[k] = v;
  return out;
}

export class SnsStore {
  readonly root: string;
  readonly signer: MessageSigner;
  private readonly file: JsonFile<SnsState>;
  private readonly topics = new Map<string, TopicRecord>();
  private readonly subscriptions = new Map<string, SubscriptionRecord>();
  private counterSave: NodeJS.Timeout | undefined;

  constructor(readonly config: LocalAwsConfig) {
    this.root = path.join(config.dataDir, 'sns');
    fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
    this.file = new JsonFile<SnsState>(path.join(this.root, 'state.json'), () => ({ topics: [], subscriptions: [] }));
    for (const t of this.file.data.topics) {
      t.attributes = dict(Object.entries(t.attributes));
      this.topics.set(t.arn, t);
    }
    for (const s of this.file.data.subscriptions) {
      s.attributes = dict(Object.entries(s.attributes));
      this.subscriptions.set(s.arn, s);
    }
    this.signer = new MessageSigner(path.join(this.root, 'signing-key.pem'));
  }

  /** Writes the whole state durably (callers await it before answering). */
  save(): Promise<void> {
    this.file.data = { topics: [...this.topics.values()], subscriptions: [...this.subscriptions.values()] };
    return this.file.save();
  }

  // ---- topics ----------------------------------------------------------------------------------

  topic(arn: string): TopicRecord | undefined {
    return this.topics.get(arn);
  }

  /** Topics of a region, oldest first. */
  listTopics(region: string): TopicRecord[] {
    return [...this.topics.values()].filter((t) => t.region === region);
  }

  async createTopic(t: {
    arn: string;
    name: string;
    region: string;
    attributes: Array<[string, string]>;
    tags: Array<[string, string]>;
  }): Promise<TopicRecord> {
    const record: TopicRecord = {
      arn: t.arn,
      name: t.name,
      region: t.region,
      attributes: dict(t.attributes),
      tags: t.tags,
      createdAt: Date.now(),
      subscriptionsDeleted: 0,
      stats: { published: 0, delivered: 0, failed: 0 },
    };
    this.topics.set(record.arn, record);
    await this.save();
    return record;
  }

  /** Removes the topic and its subscriptions; false when it did not exist. */
  async deleteTopic(arn: string): Promise<boolean> {
    if (!this.topics.delete(arn)) return false;
    for (const s of [...this.subscriptions.values()]) if (s.topicArn === arn) this.subscriptions.delete(s.arn);
    await this.save();
    return true;
  }

  // ---- subscriptions ---------------------------------------------------------------------------

  subscription(arn: string): SubscriptionRecord | undefined {
    return this.subscriptions.get(arn);
  }

  subscriptionsOf(topicArn: string): SubscriptionRecord[] {
    return [...this.subscriptions.values()].filter((s) => s.topicArn === topicArn);
  }

  /** Subscriptions of the region's topics, oldest first. */
  listSubscriptions(region: string): SubscriptionRecord[] {
    return [...this.subscriptions.values()].filter((s) => this.topics.get(s.topicArn)?.region === region);
  }

  async subscribe(s: Omit<SubscriptionRecord, 'arn' | 'createdAt'>): Promise<SubscriptionRecord> {
    const record: SubscriptionRecord = {
      ...s,
      arn: `${s.topicArn}:${randomUUID()}`,
      attributes: dict(Object.entries(s.attributes)),
      createdAt: Date.now(),
    };
    this.subscriptions.set(record.arn, record);
    await this.save();
    return record;
  }

  async unsubscribe(arn: string): Promise<void> {
    const s = this.subscriptions.get(arn);
    if (!s) return;
    this.subscriptions.delete(arn);
    const topic = this.topics.get(s.topicArn);
    if (topic) topic.subscriptionsDeleted++;
    await this.save();
  }

  // ---- delivery counters -----------------------------------------------------------------------

  /** Counts deliveries. Counters are statistics, not acknowledged writes: saved soon, not awaited. */
  count(topic: TopicRecord, change: Partial<TopicStats>): void {
    topic.stats.published += change.published ?? 0;
    topic.stats.delivered += change.delivered ?? 0;
    topic.stats.failed += change.failed ?? 0;
    if (this.counterSave) return;
    this.counterSave = setTimeout(() => {
      this.counterSave = undefined;
      this.save().catch((e: unknown) => console.error('[local-aws] sns: could not save the delivery counters:', e));
    }, 200);
    this.counterSave.unref();
  }

  async close(): Promise<void> {
    if (this.counterSave) clearTimeout(this.counterSave);
    this.counterSave = undefined;
    await this.save();
  }
}

// What the suite created, per target, account and region: written after each resource is created,
// so an interrupted run resumes and teardown knows what is its own.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TargetKind } from './settings.ts';

export interface OwnedResource {
  name: string;
  /** True only when this suite created it: teardown removes nothing else. */
  createdBySuite: boolean;
}

export interface RoleRecord extends OwnedResource {
  arn: string;
  inlinePolicyName: string;
}

export interface FunctionRecord extends OwnedResource {
  arn: string;
  codeSha256?: string;
}

/** The sharp layer: the versions this suite published (teardown deletes exactly those). */
export interface LayerRecord extends OwnedResource {
  /** Unversioned layer ARN. */
  arn: string;
  versions: Array<{ version: number; arn: string; codeSha256: string }>;
  /** CodeSha256 of a publish under way: a run killed before the answer still knows the version is its own. */
  publishing?: string;
}

export interface PermissionRecord {
  functionName: string;
  statementId: string;
}

export interface NotificationRecord {
  bucket: string;
  configurationId: string;
  /** What the configuration targets: the function (LambdaFunctionConfigurations) or the topic (TopicConfigurations). */
  kind?: 'lambda' | 'sns';
}

/** TRIGGER=sns: the topic between the bucket and the function. */
export interface TopicRecord extends OwnedResource {
  arn: string;
  /** Sid of the statement that lets S3 publish (in the topic policy). */
  policyStatementId?: string;
  /** The function's subscription. */
  subscriptionArn?: string;
}

export interface TestRecord {
  key: string;
  thumbnailKey: string;
  savedTo: string;
  width: number;
  at: string;
}

/** Kinds of resources an extra may register in the owned list (teardown removes them in this order). */
export const OWNED_KINDS = ['function', 'log-group', 'role'] as const;
export type OwnedKind = (typeof OWNED_KINDS)[number];

/** A resource an extra created (or adopted as its own), by kind: teardown removes it through lib/resources. */
export interface OwnedEntry {
  kind: OwnedKind;
  name: string;
  /** Which extra made it (for messages only). */
  by: string;
  record: OwnedResource & { arn?: string; codeSha256?: string };
}

export interface WalkthroughState {
  version: 1;
  target: TargetKind;
  endpoint?: string;
  accountId: string;
  region: string;
  updatedAt?: string;
  role?: RoleRecord;
  logGroup?: OwnedResource;
  sourceBucket?: OwnedResource;
  destBucket?: OwnedResource;
  layer?: LayerRecord;
  function?: FunctionRecord;
  permission?: PermissionRecord;
  /** TRIGGER=sns: the function permission that lets the topic invoke it. */
  snsPermission?: PermissionRecord;
  topic?: TopicRecord;
  notification?: NotificationRecord;
  lastTest?: TestRecord;
  /** Resources the extras made, by kind. */
  owned?: OwnedEntry[];
  /** Records the extras keep for themselves (an interrupted `npm run tune`), by extra. */
  notes?: Record<string, unknown>;
}

export const STATE_DIR = '.walkthrough';
/** Where the steps write what a user may look at: the sample image, events, thumbnails. */
export const OUT_DIR = 'out';

/** One state file per target, account and region; `name` tells the walkthrough's from an extra's (lambdash). */
export function stateFile(
  target: TargetKind,
  endpoint: string | undefined,
  accountId: string,
  region: string,
  name = 'state',
): string {
  const where =
    target === 'endpoint' && endpoint ? `endpoint-${new URL(endpoint).host.replace(/[^A-Za-z0-9.-]/g, '_')}` : target;
  return path.resolve(STATE_DIR, `${name}-${where}-${accountId}-${region}.json`);
}

/** A typed state file (the walkthrough's by default), written atomically after each change. */
export class StateFile<T extends { version: 1; updatedAt?: string } = WalkthroughState> {
  data: T;
  /** Was there a state file when this run started? (Teardown says what it looked at when not.) */
  readonly existed: boolean;

  constructor(
    readonly file: string,
    initial: Omit<T, 'version'>,
    /** A dry run never writes. */
    private readonly readOnly = false,
  ) {
    this.existed = fs.existsSync(file);
    if (this.existed) {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as T;
      if (parsed.version !== 1)
        throw new Error(`${file} has an unknown format (version ${String(parsed.version)}); move it away and re-run.`);
      this.data = parsed;
    } else {
      this.data = { version: 1, ...initial } as T;
    }
  }

  /** Applies a change and writes the file atomically at once. */
  update(change: (s: T) => void): void {
    change(this.data);
    if (this.readOnly) return;
    this.data.updatedAt = new Date().toISOString();
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data, null, 2) + '\n');
    fs.renameSync(tmp, this.file);
  }

  /** Teardown: the state is done with. */
  remove(): void {
    if (!this.readOnly) fs.rmSync(this.file, { force: true });
  }
}

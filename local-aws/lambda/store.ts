// Typed state of the local Lambda: functions and their state machine (Pending -> Active on create,
// InProgress -> Successful on updates, while the code is unpacked), kept in one durable JSON file;
// the code store, the execution engine and the asynchronous-invocation queue hang off it. Built
// idle: start() (backend.ts, once everything is wired) resumes what a previous run left.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { LocalAwsConfig } from '../config.ts';
import { JsonFile } from '../core/persist.ts';
import type { AwsResponse } from '../core/request.ts';
import { CodeStore, optKey, type CodePackage } from './code.ts';
import { codeUrl, serveCode } from './code-url.ts';
import { conflict, dict, functionNotFound, preconditionFailed, resourceNotFound } from './input.ts';
import { LayerStore, type LayerRecord, type LayerVersionRecord } from './layers.ts';
import {
  functionArn,
  lambdaTimestamp,
  type FunctionConfig,
  type FunctionRecord,
  type FunctionRef,
  type LayerRef,
} from './model.ts';
import { AsyncQueue } from './queue.ts';
import type { ExecutionEngine, FunctionSpec } from './runtime/contract.ts';
import { applySettings, type SettingsChange } from './settings.ts';

interface LambdaState {
  functions: FunctionRecord[];
}

/** Shortest time a function stays Pending / InProgress, so that clients can observe it. */
const DEFAULT_TRANSITION_MS = 250;
const CREATING = 'The function is being created.';

/** What Lambda asks of IAM: may the function's role, as Lambda acting for it, do `action` on `resource`? */
export type RolePermission = (roleArn: string, sessionName: string, action: string, resource: string) => boolean;

export class LambdaStore {
  readonly code: CodeStore;
  readonly layers: LayerStore;
  readonly queue: AsyncQueue;
  private readonly file: JsonFile<LambdaState>;
  private readonly functions = new Map<string, FunctionRecord>();
  private readonly transitions = new Set<Promise<void>>();
  /** Code being saved for a function record not yet written: kept from garbage collection. */
  private readonly incoming = new Map<string, number>();
  private closed = false;

  constructor(
    readonly config: LocalAwsConfig,
    readonly engine: ExecutionEngine,
    readonly roleMay: RolePermission,
  ) {
    const root = path.join(config.dataDir, 'lambda');
    this.file = new JsonFile<LambdaState>(path.join(root, 'state.json'), () => ({ functions: [] }));
    for (const fn of this.file.data.functions) {
      fn.tags = dict(Object.entries(fn.tags));
      if (fn.config.environment) fn.config.environment = dict(Object.entries(fn.config.environment));
      this.functions.set(fn.arn, fn);
    }
    this.code = new CodeStore(root);
    this.layers = new LayerStore(root, config.accountId);
    this.queue = new AsyncQueue(this, path.join(root, 'queue'));
  }

  /** Resumes what a previous run left: unfinished transitions, queued events; collects unused code. */
  start(): void {
    // Transitions a previous run left unfinished pick up where they were.
    for (const fn of this.functions.values())
      if (fn.state === 'Pending' || fn.lastUpdateStatus === 'InProgress') this.transition(fn);
    void this.collect();
    this.queue.resume();
  }

  get transitionMs(): number {
    return this.config.lambdaTransitionMs ?? DEFAULT_TRANSITION_MS;
  }

  async save(): Promise<void> {
    this.file.data = { functions: [...this.functions.values()] };
    await this.file.save();
  }

  get(arn: string): FunctionRecord | undefined {
    return this.functions.get(arn);
  }

  /** The function a reference names; only `$LATEST` exists locally. */
  require(ref: FunctionRef): FunctionRecord {
    const fn = ref.accountId === this.config.accountId ? this.functions.get(ref.arn) : undefined;
    if (!fn) throw functionNotFound(ref.qualifier ? `${ref.arn}:${ref.qualifier}` : ref.arn);
    if (ref.qualifier !== undefined && ref.qualifier !== '$LATEST')
      throw functionNotFound(`${ref.arn}:${ref.qualifier}`);
    return fn;
  }

  list(region: string): FunctionRecord[] {
    return [...this.functions.values()]
      .filter((f) => f.region === region)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  all(): FunctionRecord[] {
    return [...this.functions.values()];
  }

  /** What the engine needs to run a configuration. */
  spec(fn: FunctionRecord, cfg: FunctionConfig): FunctionSpec {
    return {
      functionName: fn.name,
      functionArn: fn.arn,
      region: fn.region,
      accountId: this.config.accountId,
      runtime: cfg.runtime,
      handler: cfg.handler,
      codeDir: this.code.codeDir(cfg.codeHex),
      optDir: cfg.layers?.length ? this.code.optDir(optKey(cfg.layers.map((l) => l.codeHex))) : undefined,
      codeSha256: cfg.codeSha256,
      memorySize: cfg.memorySize,
      timeout: cfg.timeout,
      environment: { ...(cfg.environment ?? {}) },
      architecture: cfg.architecture,
      roleArn: cfg.role,
      logGroup: cfg.logGroup,
      logFormat: cfg.logFormat,
      applicationLogLevel: cfg.applicationLogLevel,
      systemLogLevel: cfg.systemLogLevel,
      revisionId: cfg.specRevision,
      ephemeralStorageMb: cfg.ephemeralStorage,
    };
  }

  /** Changes that are refused while the function is still being created or updated. */
  assertChangeable(fn: FunctionRecord): void {
    if (fn.state === 'Pending')
      throw conflict(
        'The operation cannot be performed at this time. The function is currently in the following state: Pending',
      );
    if (fn.lastUpdateStatus === 'InProgress')
      throw conflict(
        `The operation cannot be performed at this time. An update is in progress for resource: ${fn.arn}`,
      );
  }

  alreadyExists(name: string): Error {
    return conflict(`Function already exist: ${name}`);
  }

  /** GetFunction's Code.Location, and the download it points to (see code-url.ts). */
  codeUrl(hex: string): string {
    return codeUrl(this.config, hex);
  }

  serveCode(rawPath: string, rawQuery: string): AwsResponse {
    return serveCode(this.config, rawPath, rawQuery, (hex) => this.code.zipFile(hex));
  }

  checkRevision(fn: FunctionRecord, revisionId: string | undefined, api?: string): void {
    if (revisionId !== undefined && revisionId !== fn.revisionId) throw preconditionFailed(api);
  }

  /** A new RevisionId (every change), and LastModified for configuration/code changes. */
  touch(fn: FunctionRecord, modified = false): void {
    fn.revisionId = randomUUID();
    if (modified) fn.lastModified = lambdaTimestamp();
  }

  async create(opts: {
    name: string;
    region: string;
    change: SettingsChange;
    pkg: CodePackage;
    layers?: LayerRef[];
    tags: Array<[string, string]>;
  }): Promise<FunctionRecord> {
    const arn = functionArn(opts.region, this.config.accountId, opts.name);
    if (this.functions.has(arn)) throw this.alreadyExists(opts.name);
    await this.withIncoming(opts.pkg, () => this.code.save(opts.pkg));
    if (this.functions.has(arn)) throw this.alreadyExists(opts.name);
    const base: FunctionConfig = {
      runtime: '',
      role: '',
      handler: '',
      description: '',
      timeout: 3,
      memorySize: 128,
      architecture: 'x86_64',
      ephemeralStorage: 512,
      logFormat: 'Text',
      logGroup: '',
      tracingMode: 'PassThrough',
      codeSha256: opts.pkg.sha256,
      codeHex: opts.pkg.hex,
      codeSize: opts.pkg.size,
      layers: opts.layers?.length ? opts.layers : undefined,
      specRevision: randomUUID(),
    };
    const fn: FunctionRecord = {
      name: opts.name,
      arn,
      region: opts.region,
      config: applySettings(base, opts.change, opts.name),
      state: 'Pending',
      stateReason: CREATING,
      stateReasonCode: 'Creating',
      lastModified: lambdaTimestamp(),
      revisionId: randomUUID(),
      policy: [],
      tags: dict(opts.tags),
      recursiveLoop: 'Terminate',
    };
    this.functions.set(arn, fn);
    await this.save();
    this.transition(fn);
    return fn;
  }

  /** Starts an update: the new configuration is InProgress until its code is unpacked. */
  async update(fn: FunctionRecord, next: FunctionConfig, pkg?: CodePackage): Promise<void> {
    if (pkg) await this.withIncoming(pkg, () => this.code.save(pkg));
    this.assertChangeable(fn);
    fn.config = { ...next, specRevision: randomUUID() };
    fn.lastUpdateStatus = 'InProgress';
    fn.lastUpdateStatusReason = CREATING;
    fn.lastUpdateStatusReasonCode = 'Creating';
    this.touch(fn, true);
    await this.save();
    this.transition(fn);
  }

  async delete(fn: FunctionRecord): Promise<void> {
    if (this.functions.get(fn.arn) !== fn) throw resourceNotFound(`Function not found: ${fn.arn}`);
    this.functions.delete(fn.arn);
    await this.save();
    await this.engine.retire(fn.arn);
    await this.collect();
  }

  /** A new layer version; its zip is kept from garbage collection until the version is recorded. */
  async publishLayer(
    opts: Omit<Parameters<LayerStore['publish']>[0], 'pkg'> & { pkg: CodePackage },
  ): Promise<{ layer: LayerRecord; version: LayerVersionRecord }> {
    let out: { layer: LayerRecord; version: LayerVersionRecord } | undefined;
    await this.withIncoming(opts.pkg, async () => {
      await this.code.save(opts.pkg);
      out = await this.layers.publish(opts);
    });
    return out!;
  }

  /** Deletes a layer version; its content stays while a function uses it, as on AWS. */
  async deleteLayerVersion(arn: string, version: number): Promise<void> {
    await this.layers.delete(arn, version);
    await this.collect();
  }

  private collect(): Promise<void> {
    return this.code.gc(
      (hex) => this.isReferenced(hex),
      (key) => this.optUsed(key),
    );
  }

  /**
   * Runs `work` with the package's code protected from a concurrent gc (until the next turn, when its
   * record exists).
   */
  private async withIncoming(pkg: CodePackage, work: () => Promise<void>): Promise<void> {
    this.incoming.set(pkg.hex, (this.incoming.get(pkg.hex) ?? 0) + 1);
    try {
      await work();
    } finally {
      // Released after the caller's synchronous continuation has recorded the function.
      setImmediate(() => {
        const n = (this.incoming.get(pkg.hex) ?? 1) - 1;
        if (n <= 0) this.incoming.delete(pkg.hex);
        else this.incoming.set(pkg.hex, n);
      });
    }
  }

  private isReferenced(hex: string): boolean {
    if (this.incoming.has(hex) || this.layers.holds(hex)) return true;
    for (const fn of this.functions.values())
      for (const cfg of [fn.config, fn.live])
        if (cfg && (cfg.codeHex === hex || cfg.layers?.some((l) => l.codeHex === hex))) return true;
    return false;
  }

  private optUsed(key: string): boolean {
    for (const fn of this.functions.values())
      for (const cfg of [fn.config, fn.live])
        if (cfg?.layers?.length && optKey(cfg.layers.map((l) => l.codeHex)) === key) return true;
    return false;
  }

  /** Unpacks the configuration's code (taking at least transitionMs), then makes it the live one. */
  private transition(fn: FunctionRecord): void {
    const target = fn.config;
    const minimum = new Promise<void>((resolve) => setTimeout(resolve, this.transitionMs).unref());
    const job = (async () => {
      let failure: string | undefined;
      try {
        const layers = target.layers?.length ? this.code.assembleOpt(target.layers.map((l) => l.codeHex)) : undefined;
        await Promise.all([this.code.unpack(target.codeHex), layers, minimum]);
      } catch (e) {
        failure = e instanceof Error ? e.message : String(e);
      }
      // Superseded (deleted, or updated again) or shutting down: nothing to finish here.
      if (this.closed || this.functions.get(fn.arn) !== fn || fn.config !== target) return;
      const wasLive = fn.live !== undefined;
      if (failure !== undefined) {
        if (fn.state === 'Pending') {
          fn.state = 'Failed';
          fn.stateReason = failure;
          fn.stateReasonCode = 'InvalidZipFileException';
        } else {
          fn.lastUpdateStatus = 'Failed';
          fn.lastUpdateStatusReason = failure;
          fn.lastUpdateStatusReasonCode = 'InvalidZipFileException';
        }
      } else {
        fn.state = 'Active';
        fn.stateReason = fn.stateReasonCode = undefined;
        fn.lastUpdateStatus = 'Successful';
        fn.lastUpdateStatusReason = fn.lastUpdateStatusReasonCode = undefined;
        fn.live = target;
      }
      this.touch(fn);
      // Retired in the same turn as the update goes live: an invocation that sees Successful must
      // not get an environment that is retired (and replaced) right after it.
      const retiring = failure === undefined && wasLive ? this.engine.retire(fn.arn) : undefined;
      await Promise.all([this.save(), retiring]);
      if (failure === undefined) this.queue.kick(fn.arn);
    })().catch((e) => console.error(`[local-aws] lambda: could not finish updating ${fn.name}:`, e));
    this.transitions.add(job);
    void job.finally(() => this.transitions.delete(job));
  }

  /** Lets running asynchronous invocations finish (bounded) and starts no more. */
  async drain(): Promise<void> {
    await this.queue.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue.close();
    await Promise.allSettled([...this.transitions]);
    await this.engine.close();
  }
}

// Everything the local endpoint knows: one typed store per service, and the credentials it accepts.
// The only place that wires services together: each gets the narrow interfaces it asks for
// (adapters in integrations/), and none reaches into another.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DATA_MARKER, endpointUrl, type LocalAwsConfig } from './config.ts';
import type { CredentialLookup, CredentialRecord } from './core/authenticate.ts';
import { lockDataFolder } from './core/data-lock.ts';
import { AwsError } from './core/errors.ts';
import type { AwsRequest, Caller, RootCaller, ServiceName } from './core/request.ts';
import type { Authorizer } from './iam/authorize.ts';
import type { ConditionContext, Decision } from './iam/store.ts';
import { IamStore } from './iam/store.ts';
import { engineServices, lambdaRolePermission } from './integrations/lambda-runtime.ts';
import { destinationValidator, objectEventListener } from './integrations/s3-lambda.ts';
import { topicTarget } from './integrations/s3-sns.ts';
import { lambdaSubscribers } from './integrations/sns-lambda.ts';
import { statusLogServices } from './integrations/sns-logs.ts';
import { createExecutionEngine } from './lambda/runtime/engine.ts';
import { ServiceInvoker } from './lambda/service-invoke.ts';
import { LambdaStore } from './lambda/store.ts';
import { LogsStore } from './logs/store.ts';
import { S3Store } from './s3/store.ts';
import { SnsDelivery } from './sns/delivery.ts';
import { DeliveryStatusLog } from './sns/status-log.ts';
import { SnsStore } from './sns/store.ts';
import { sessionCaller, StsStore } from './sts/store.ts';

export class Backend implements Authorizer {
  readonly iam: IamStore;
  readonly sts: StsStore;
  readonly s3: S3Store;
  readonly logs: LogsStore;
  readonly lambda: LambdaStore;
  readonly sns: SnsStore;
  readonly snsDelivery: SnsDelivery;
  readonly root: RootCaller;
  private readonly unlock: () => void;

  constructor(readonly config: LocalAwsConfig) {
    fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    this.unlock = lockDataFolder(config.dataDir);
    try {
      // The marker tells `local:reset` that this folder is ours to wipe.
      const marker = path.join(config.dataDir, DATA_MARKER);
      if (!fs.existsSync(marker))
        fs.writeFileSync(marker, JSON.stringify({ createdBy: 'local-aws', version: 1 }) + '\n');
      this.root = {
        kind: 'root',
        accountId: config.accountId,
        accessKeyId: config.accessKeyId,
        arn: `arn:aws:iam::${config.accountId}:root`,
        userId: config.accountId,
      };
      this.iam = new IamStore(config);
      this.sts = new StsStore(config.dataDir);
      // Sessions of a deleted role stop working at once.
      this.iam.onRoleDeleted((roleArn) => this.sts.revokeRole(roleArn));
      this.s3 = new S3Store(config);
      this.logs = new LogsStore(config);
      const { accountId } = config;
      // Lambda runs functions as their roles (STS), writes their logs (Logs), asks IAM about destinations.
      const engine = createExecutionEngine(
        config,
        engineServices({ config, iam: this.iam, sts: this.sts, logs: this.logs }),
      );
      this.lambda = new LambdaStore(config, engine, lambdaRolePermission(this.iam, accountId));
      const lambda = new ServiceInvoker(this.lambda);
      // S3 checks Lambda destinations with Lambda, and hands it the object events they want.
      this.s3.setDestinationValidator(destinationValidator(lambda, config.defaultRegion));
      this.s3.onObjectEvent(objectEventListener(lambda, accountId));
      // SNS: topics as bucket destinations, delivering to Lambda subscribers, logging to Logs.
      this.sns = new SnsStore(config);
      const status = new DeliveryStatusLog(statusLogServices(this.iam, this.logs, accountId), accountId);
      this.snsDelivery = new SnsDelivery(this.sns, lambdaSubscribers(lambda), status, endpointUrl(config), accountId);
      this.s3.setTopicTarget(topicTarget({ store: this.sns, delivery: this.snsDelivery }, accountId));
    } catch (e) {
      this.unlock();
      throw e;
    }
  }

  /** Starts what runs in the background (Lambda resumes its transitions and queued events): once wired. */
  start(): void {
    this.lambda.start();
  }

  /** The local root key, or a session key issued by the local STS. */
  readonly lookupCredential: CredentialLookup = (accessKeyId): CredentialRecord | undefined => {
    if (accessKeyId === this.config.accessKeyId)
      return { secretAccessKey: this.config.secretAccessKey, caller: this.root };
    const session = this.sts.find(accessKeyId);
    if (!session) return undefined;
    return {
      secretAccessKey: session.secretAccessKey,
      sessionToken: session.sessionToken,
      expiration: new Date(session.expiration),
      caller: sessionCaller(session),
    };
  };

  /** IAM's decision for a caller: the root is allowed everything, a role session what its policies allow. */
  decide(caller: Caller, action: string, resource: string, context: ConditionContext = {}): Decision {
    if (caller.kind === 'root') return 'allow';
    return this.iam.evaluate(caller, action, resource, context);
  }

  /** Throws the service's own access-denied error unless the caller may do `action` on `resource`. */
  authorize(
    req: Pick<AwsRequest, 'caller' | 'service'>,
    action: string,
    resource: string,
    context: ConditionContext = {},
  ): void {
    const decision = this.decide(req.caller, action, resource, context);
    if (decision !== 'allow') throw accessDenied(req.service, req.caller.arn, action, resource, decision);
  }

  /**
   * The same for a resource with a policy of its own (a function's, a topic's): an explicit deny in
   * either policy refuses; an Allow in either grants. `byResourcePolicy` is evaluated only for role sessions.
   */
  authorizeWithResourcePolicy(
    req: Pick<AwsRequest, 'caller' | 'service'>,
    action: string,
    resource: string,
    byResourcePolicy: () => Decision | 'none',
  ): void {
    if (req.caller.kind === 'root') return;
    const byPolicy = byResourcePolicy();
    if (byPolicy === 'explicit-deny')
      throw accessDenied(req.service, req.caller.arn, action, resource, 'explicit-deny', 'resource-based');
    const identity = this.decide(req.caller, action, resource);
    if (identity === 'explicit-deny') throw accessDenied(req.service, req.caller.arn, action, resource, identity);
    if (identity === 'allow' || byPolicy === 'allow') return;
    throw accessDenied(req.service, req.caller.arn, action, resource, identity);
  }

  async close(): Promise<void> {
    try {
      await this.lambda.close();
      // SNS's delivery status lines go to Logs: written before Logs closes.
      await this.snsDelivery.flush();
      await Promise.all([this.s3.close(), this.logs.close(), this.iam.close(), this.sns.close()]);
    } finally {
      this.unlock();
    }
  }
}

/** AWS's access-denied error for each service (docs/local-aws/protocols.md#access-denied). */
export function accessDenied(
  service: ServiceName,
  callerArn: string,
  action: string,
  resource: string,
  decision: Exclude<Decision, 'allow'>,
  policyKind: 'identity-based' | 'resource-based' = 'identity-based',
): AwsError {
  const why =
    decision === 'explicit-deny'
      ? `with an explicit deny in ${policyKind === 'identity-based' ? 'an identity-based' : 'a resource-based'} policy`
      : `because no identity-based policy allows the ${action} action`;
  const quoted = service === 's3' ? `"${resource}"` : resource;
  const message = `User: ${callerArn} is not authorized to perform: ${action} on resource: ${quoted} ${why}`;
  switch (service) {
    case 's3':
    case 'iam':
    case 'sts':
    case 'sns':
      return new AwsError(service === 'sns' ? 'AuthorizationError' : 'AccessDenied', message, 403);
    case 'lambda':
      return new AwsError('AccessDeniedException', message, 403);
    case 'logs':
      return new AwsError('AccessDeniedException', message, 400);
  }
}

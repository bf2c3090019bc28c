// Lambda as AWS services reach it (S3 notifications, SNS subscriptions): find the function a
// service's configuration names, check its policy for the service, and invoke it asynchronously as
// that service. The integrations (../integrations/) use this, never Lambda's internals.
import { randomUUID } from 'node:crypto';
import { parseFunctionRef, type QueuedEvent, type ServiceSource } from './model.ts';
import { serviceMayInvoke } from './permissions.ts';
import type { LambdaStore } from './store.ts';

export type { ServiceSource } from './model.ts';

export interface ServiceInvocation {
  /** The function's unqualified ARN (from find()). */
  functionArn: string;
  /** The ARN as the service's configuration names it. */
  invokedArn: string;
  /** The event, JSON text. */
  payload: string;
  source: ServiceSource;
}

export class ServiceInvoker {
  constructor(private readonly store: LambdaStore) {}

  /** The unqualified ARN of the function a name or ARN refers to ($LATEST only), if it exists. */
  find(nameOrArn: string, region: string): string | undefined {
    let arn: string | undefined;
    try {
      const ref = parseFunctionRef(nameOrArn, region, this.store.config.accountId);
      arn = ref.qualifier === undefined || ref.qualifier === '$LATEST' ? ref.arn : undefined;
    } catch {
      arn = undefined;
    }
    return arn && this.store.get(arn) ? arn : undefined;
  }

  /** Does the function's policy let the service invoke it for this source? */
  allows(functionArn: string, source: ServiceSource): boolean {
    const fn = this.store.get(functionArn);
    return fn !== undefined && serviceMayInvoke(fn, source.service, source.sourceArn, source.sourceAccount);
  }

  /** Queues an Event invocation: on disk when this resolves. The policy is checked again when it runs. */
  async invokeAsync(call: ServiceInvocation): Promise<string> {
    const ev = queuedEvent(call);
    await this.store.queue.enqueue(ev);
    return ev.id;
  }

  /** The same, synchronously: for callers that must not answer before the event is durable (S3). */
  invokeAsyncSync(call: ServiceInvocation): string {
    const ev = queuedEvent(call);
    this.store.queue.enqueueSync(ev);
    return ev.id;
  }
}

function queuedEvent(call: ServiceInvocation): QueuedEvent {
  const now = Date.now();
  return {
    id: randomUUID(),
    functionArn: call.functionArn,
    invokedArn: call.invokedArn,
    payload: call.payload,
    enqueuedAt: now,
    attempts: 0,
    serviceFailures: 0,
    notBefore: now,
    source: call.source,
  };
}

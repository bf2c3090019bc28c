// The source bucket's notification entry (to the function, or to the topic). PutBucketNotification
// replaces the bucket's whole configuration, so it is read, merged and written back (pitfall 4), and
// other entries survive; switching TRIGGER leaves exactly one of ours.
import type {
  Event,
  LambdaFunctionConfiguration,
  NotificationConfiguration,
  TopicConfiguration,
} from '@aws-sdk/client-s3';
import { getBucketNotificationConfiguration, headBucket, putBucketNotificationConfiguration } from '../actions/s3.ts';
import type { Ctx } from '../context.ts';
import { awsCode, UserError } from '../errors.ts';
import { retry } from '../retry.ts';
import { alreadyDone } from './done.ts';
import { notificationId, topicNotificationId } from './trigger-ids.ts';

const sortedEvents = (e: string[] | undefined) => JSON.stringify([...(e ?? [])].sort());

function sameEntry(
  a: LambdaFunctionConfiguration | TopicConfiguration,
  b: LambdaFunctionConfiguration | TopicConfiguration,
): boolean {
  const target = (c: LambdaFunctionConfiguration | TopicConfiguration) =>
    'TopicArn' in c ? c.TopicArn : c.LambdaFunctionArn;
  return (
    target(a) === target(b) &&
    sortedEvents(a.Events) === sortedEvents(b.Events) &&
    (a.Filter?.Key?.FilterRules ?? []).length === 0
  );
}

export async function ensureNotification(ctx: Ctx, kind: 'lambda' | 'sns', targetArn: string): Promise<void> {
  const { settings: s, report, state } = ctx;
  const lambdaId = notificationId(ctx);
  const topicId = topicNotificationId(ctx);
  const id = kind === 'lambda' ? lambdaId : topicId;
  const target = kind === 'lambda' ? s.functionName : `topic ${s.topicName}`;
  // In a dry run on a fresh account the bucket does not exist yet: nothing to merge with.
  const current: NotificationConfiguration = await getBucketNotificationConfiguration(ctx, s.sourceBucket).catch(
    (err: unknown) => {
      if (ctx.dryRun && awsCode(err) === 'NoSuchBucket') return {};
      throw err;
    },
  );
  const lambdas = current.LambdaFunctionConfigurations ?? [];
  const topics = current.TopicConfigurations ?? [];
  const mine = kind === 'lambda' ? lambdas.find((c) => c.Id === lambdaId) : topics.find((c) => c.Id === topicId);
  // The other variant's entry goes: one trigger at a time (S3 also refuses overlapping ones).
  const stale = kind === 'lambda' ? topics.some((c) => c.Id === topicId) : lambdas.some((c) => c.Id === lambdaId);
  const events: Event[] = ['s3:ObjectCreated:*'];
  const wanted: LambdaFunctionConfiguration | TopicConfiguration =
    kind === 'lambda'
      ? { Id: id, LambdaFunctionArn: targetArn, Events: events }
      : { Id: id, TopicArn: targetArn, Events: events };
  state.update((x) => (x.notification = { bucket: s.sourceBucket, configurationId: id, kind }));
  const what = `notification ${id}: s3:ObjectCreated:* on ${s.sourceBucket} -> ${target}`;
  if (mine && sameEntry(mine, wanted) && !stale) {
    await putBucketNotificationConfiguration(alreadyDone(ctx), s.sourceBucket, current, `notify ${target}`);
    return report.unchanged(what);
  }
  const otherLambdas = lambdas.filter((c) => c.Id !== lambdaId);
  const otherTopics = topics.filter((c) => c.Id !== topicId);
  const merged: NotificationConfiguration = {
    ...current,
    LambdaFunctionConfigurations:
      kind === 'lambda' ? [...otherLambdas, wanted as LambdaFunctionConfiguration] : otherLambdas,
    TopicConfigurations: kind === 'sns' ? [...otherTopics, wanted as TopicConfiguration] : otherTopics,
  };
  const others = otherLambdas.length + otherTopics.length + (current.QueueConfigurations ?? []).length;
  const description =
    `notify ${target} of s3:ObjectCreated:* on ${s.sourceBucket}` +
    (others ? ` (keeping ${others} other configuration(s))` : '');
  try {
    const done = await retry(() => putBucketNotificationConfiguration(ctx, s.sourceBucket, merged, description), {
      deadlineMs: 60_000,
      initialDelayMs: 1000,
      // The new permission or topic policy may take a moment to be seen by S3's validation.
      retryable: (err) => awsCode(err) === 'InvalidArgument' && /Unable to validate/i.test((err as Error).message),
    });
    if (done === undefined && ctx.dryRun) return;
  } catch (err) {
    if (awsCode(err) === 'InvalidArgument' && /overlap/i.test((err as Error).message))
      throw new UserError(
        `${s.sourceBucket} already sends s3:ObjectCreated events to another destination, ` +
          'and S3 refuses overlapping configurations.',
        'Use another SOURCE_BUCKET, or remove the other configuration.',
      );
    if (awsCode(err) === 'InvalidArgument' && /Unable to validate/i.test((err as Error).message))
      throw kind === 'lambda'
        ? new UserError(
            `S3 could not validate the function as a destination: ${(err as Error).message}`,
            'The invoke permission is missing or names another bucket/account (pitfall 4): re-run this step.',
          )
        : new UserError(
            `S3 could not validate the topic as a destination: ${(err as Error).message}`,
            `The topic policy must let s3.amazonaws.com publish to ${s.topicName} for this bucket and account: ` +
              're-run this step.',
          );
    throw err;
  }
  if (stale)
    report.removed(
      `notification ${kind === 'lambda' ? topicId : lambdaId} ` +
        `(the ${kind === 'lambda' ? 'sns' : 'lambda'} trigger) on ${s.sourceBucket}`,
    );
  if (mine) report.changed(what);
  else report.created(what);
}

/** Both triggers' entries (TRIGGER=lambda and TRIGGER=sns), whichever is there; other entries stay. */
export async function removeNotification(ctx: Ctx): Promise<void> {
  const bucket = ctx.state.data.notification?.bucket ?? ctx.settings.sourceBucket;
  const ids = new Set([
    notificationId(ctx),
    topicNotificationId(ctx),
    ctx.state.data.notification?.configurationId ?? notificationId(ctx),
  ]);
  const named = [...ids].join(', ');
  if ((await headBucket(ctx, bucket)) !== 'ours')
    return ctx.report.gone(`notification ${named} (bucket ${bucket} is gone)`);
  const current = await getBucketNotificationConfiguration(ctx, bucket);
  const lambdas = current.LambdaFunctionConfigurations ?? [];
  const topics = current.TopicConfigurations ?? [];
  const found = [...lambdas, ...topics].filter((c) => c.Id !== undefined && ids.has(c.Id)).map((c) => c.Id!);
  if (found.length === 0) {
    ctx.report.gone(`notification ${ctx.state.data.notification?.configurationId ?? notificationId(ctx)} on ${bucket}`);
  } else {
    const rest = {
      ...current,
      LambdaFunctionConfigurations: lambdas.filter((c) => !ids.has(c.Id ?? '')),
      TopicConfigurations: topics.filter((c) => !ids.has(c.Id ?? '')),
    };
    if (
      await putBucketNotificationConfiguration(
        ctx,
        bucket,
        rest,
        `remove notification ${found.join(', ')} from ${bucket}`,
      )
    )
      for (const id of found) ctx.report.removed(`notification ${id} on ${bucket}`);
  }
  ctx.state.update((x) => delete x.notification);
}

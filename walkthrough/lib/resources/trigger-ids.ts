// The identifiers the trigger's resources go by: statement ids, notification ids, the topic's ARN.
import type { Ctx } from '../context.ts';
import { partitionOf } from '../policies.ts';

const sanitize = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 100);

export function statementId(ctx: Ctx): string {
  return sanitize(`s3-invoke-${ctx.settings.sourceBucket}`);
}

export function notificationId(ctx: Ctx): string {
  return `${ctx.settings.functionName}-thumbnails`;
}

/** TRIGGER=sns: the bucket's TopicConfiguration. */
export function topicNotificationId(ctx: Ctx): string {
  return `${ctx.settings.functionName}-thumbnails-sns`;
}

/** TRIGGER=sns: the function permission that lets the topic invoke it. */
export function snsStatementId(ctx: Ctx): string {
  return sanitize(`sns-invoke-${ctx.settings.topicName}`);
}

/** TRIGGER=sns: the topic policy statement that lets S3 publish. */
export function topicStatementId(ctx: Ctx): string {
  return sanitize(`s3-publish-${ctx.settings.sourceBucket}`);
}

export function topicArnOf(ctx: Ctx): string {
  return ctx.state.data.topic?.name === ctx.settings.topicName
    ? ctx.state.data.topic.arn
    : `arn:${partitionOf(ctx.identity.arn)}:sns:${ctx.settings.region}:` +
        `${ctx.settings.accountId}:${ctx.settings.topicName}`;
}

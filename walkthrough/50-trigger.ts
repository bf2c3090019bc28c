#!/usr/bin/env -S node --import=tsx
// Step 6. The trigger. TRIGGER=lambda (default): S3 may invoke the function for this bucket and
// account only (SourceArn and SourceAccount), then the bucket notifies the function of every new
// object. TRIGGER=sns: bucket -> topic -> function: a topic whose policy lets S3 publish for this
// bucket and account only, a permission for that topic (and only it) to invoke the function, the
// function's subscription, and the bucket notifying the topic. With the aws-cli (TRIGGER=lambda):
//   aws lambda add-permission --function-name "$FUNCTION_NAME" --principal s3.amazonaws.com \
//     --statement-id s3-invoke-"$SOURCE_BUCKET" --action lambda:InvokeFunction \
//     --source-arn "arn:aws:s3:::$SOURCE_BUCKET" --source-account "$ACCOUNT_ID"
//   aws s3api put-bucket-notification-configuration --bucket "$SOURCE_BUCKET" --notification-configuration ...
import type { Ctx } from './lib/context.ts';
import { UserError } from './lib/errors.ts';
import { stepMain } from './lib/main.ts';
import { partitionOf } from './lib/policies.ts';
import { snsStatementId, statementId } from './lib/resources/trigger-ids.ts';
import { runFirst } from './lib/steps.ts';

export async function triggerStep(ctx: Ctx): Promise<void> {
  const { settings: s, state } = ctx;
  const fn = state.data.function;
  if (!fn?.arn && !ctx.dryRun) throw new UserError('The function does not exist yet.', runFirst('function'));
  const partition = partitionOf(ctx.identity.arn);
  const functionArn = fn?.arn ?? `arn:${partition}:lambda:${s.region}:${s.accountId}:function:${s.functionName}`;
  const { ensureInvokePermission } = await import('./lib/resources/permission.ts');
  const { ensureNotification } = await import('./lib/resources/notification.ts');
  if (s.trigger === 'sns') {
    const { ensureSubscription, ensureTopic, ensureTopicPolicy } = await import('./lib/resources/topic.ts');
    const { arn: topicArn, attributes } = await ensureTopic(ctx);
    await ensureTopicPolicy(ctx, topicArn, attributes);
    const permission = {
      functionName: s.functionName,
      statementId: snsStatementId(ctx),
      principal: 'sns.amazonaws.com',
      sourceArn: topicArn,
    };
    await ensureInvokePermission(ctx, permission, (r) => state.update((x) => (x.snsPermission = r)));
    await ensureSubscription(ctx, topicArn, functionArn);
    return ensureNotification(ctx, 'sns', topicArn);
  }
  const permission = {
    functionName: s.functionName,
    statementId: statementId(ctx),
    principal: 's3.amazonaws.com',
    sourceArn: `arn:${partition}:s3:::${s.sourceBucket}`,
    sourceAccount: s.accountId,
  };
  await ensureInvokePermission(ctx, permission, (r) => state.update((x) => (x.permission = r)));
  await ensureNotification(ctx, 'lambda', functionArn);
  if (state.data.topic)
    ctx.report.info(
      `topic ${state.data.topic.name} (from TRIGGER=sns) no longer hears from the bucket; ` +
        'teardown removes what the walkthrough made of it',
    );
}

await stepMain(import.meta.url, triggerStep);

#!/usr/bin/env -S node --import=tsx
// Step 8 (TRIGGER=sns). Event-driven through a topic: anyone allowed to publish to the topic can
// trigger the function without knowing it exists. This publishes a hand-made S3 event for an object
// already in the source bucket (the last test upload, or --key KEY) as `aws sns publish` does, after
// removing that object's thumbnail, and waits for the function to make it again. With the aws-cli:
//   aws sns publish --topic-arn "$TOPIC_ARN" --subject 'Hand-made S3 event' --message file://out/sns-message.json
//   npx tsx walkthrough/70-publish.ts [--key KEY] [--cli] [--dry-run]
import type { Ctx } from './lib/context.ts';
import { UserError } from './lib/errors.ts';
import { stepMain } from './lib/main.ts';
import { topicArnOf } from './lib/resources/trigger-ids.ts';
import { runFirst, stepRef } from './lib/steps.ts';

export async function publishStep(ctx: Ctx): Promise<void> {
  const { state } = ctx;
  const topic = state.data.topic;
  if (!topic && !ctx.dryRun)
    throw new UserError(
      'There is no topic between the bucket and the function (the trigger is not TRIGGER=sns).',
      runFirst('trigger', '--trigger sns'),
    );
  const topicArn = topic?.arn ?? topicArnOf(ctx);
  const key = ctx.argv.key !== undefined && ctx.argv.key !== true ? String(ctx.argv.key) : state.data.lastTest?.key;
  if (!key)
    throw new UserError(
      'No object to publish an event for.',
      `Run the test step first (${stepRef('test')}), or name an object of the source bucket with --key KEY.`,
    );
  const { publishAndCheck } = await import('./lib/topic-publish.ts');
  await publishAndCheck(ctx, topicArn, key);
}

await stepMain(import.meta.url, publishStep);

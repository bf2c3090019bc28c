// Step 8's work: publish a hand-made S3 event for an object already in the source bucket to the
// topic, as `aws sns publish` does, after removing that object's thumbnail, and wait for the function
// to make it again.
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { loadConfig } from '../../local-aws/config.ts';
import { logFile } from '../../local-aws/control.ts';
import { deleteObject, getObject, headObject, waitObjectExists } from './actions/s3.ts';
import { publish } from './actions/sns.ts';
import type { Ctx } from './context.ts';
import { UserError } from './errors.ts';
import { s3PutEvent } from './events.ts';
import { stepNumber, stepRef } from './steps.ts';
import { partitionOf } from './policies.ts';
import { PollTimeout } from './retry.ts';
import type { TargetKind } from './settings.ts';
import { OUT_DIR } from './state.ts';

export const SUBJECT = 'Hand-made S3 event';

/** Where the local endpoint's `[local-aws] sns: delivery of <id> to <function> failed: <why>` line goes. */
export function deliveryLogWhere(target: TargetKind): string {
  const line =
    'and its log says why in a line "[local-aws] sns: delivery of <message id> to <function> failed: <reason>"';
  // The walkthrough starts the local endpoint in the background: its output goes to <data dir>/server.log.
  if (target === 'local') return `${line} (in ${logFile(loadConfig())})`;
  return (
    `${line} (in the output of the endpoint's process; ` +
    '<data dir>/server.log when started with npm run local:start)'
  );
}

/** Publishes the event for `key` and checks that the thumbnail is made again. */
export async function publishAndCheck(ctx: Ctx, topicArn: string, key: string): Promise<void> {
  const { settings: s, report } = ctx;
  const object = await headObject(ctx, s.sourceBucket, key);
  if (!object)
    throw new UserError(
      `s3://${s.sourceBucket}/${key} does not exist.`,
      'Name an object of the source bucket with --key KEY.',
    );

  // The message: the S3 event S3 itself would publish for that object, written where the command reads it.
  const event = s3PutEvent({
    bucket: s.sourceBucket,
    key,
    size: object.ContentLength ?? 0,
    eTag: object.ETag ?? '',
    region: s.region,
    partition: partitionOf(ctx.identity.arn),
    configurationId: 'hand-made',
  });
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const messageFile = path.join(OUT_DIR, 'sns-message.json');
  const message = JSON.stringify(event, null, 2);
  fs.writeFileSync(messageFile, message + '\n');

  // Without the thumbnail, one that appears afterwards can only come from this message.
  const thumbKey = `resized-${key}`;
  if ((await headObject(ctx, s.destBucket, thumbKey)) && (await deleteObject(ctx, s.destBucket, thumbKey)))
    report.info(`removed s3://${s.destBucket}/${thumbKey}, so that the function has to make it again`);
  const published = await publish(ctx, topicArn, SUBJECT, message, messageFile);
  if (!published) return; // dry run
  report.info(
    `published ${messageFile} to ${s.topicName} as ${ctx.identity.arn} (message ${published.MessageId}): ` +
      'nothing in it names the function',
  );

  let thumbnail: Buffer;
  try {
    await report.wait(`waiting for s3://${s.destBucket}/${thumbKey}`, () =>
      waitObjectExists(ctx, s.destBucket, thumbKey, s.target === 'aws' ? 120_000 : 60_000),
    );
    thumbnail = await getObject(ctx, s.destBucket, thumbKey, path.join(OUT_DIR, path.basename(thumbKey)));
  } catch (err) {
    if (!(err instanceof PollTimeout)) throw err;
    throw new UserError(
      `No thumbnail appeared after publishing to ${s.topicName}: ${err.message}`,
      "Check the subscription and the function's permission for the topic " +
        `(re-run ${stepRef('trigger')} with --trigger sns); on the local endpoint, NumberOfNotificationsFailed in ` +
        `\`aws sns get-topic-attributes --topic-arn ${topicArn}\` counts refused deliveries, ` +
        `${deliveryLogWhere(s.target)}.`,
    );
  }
  const meta = await sharp(thumbnail).metadata();
  if (!meta.width || meta.width > s.thumbnailWidth)
    throw new UserError(
      `The thumbnail is ${meta.width} px wide, expected at most ${s.thumbnailWidth} px.`,
      `Re-run step ${stepNumber('function')} so the function has the current settings.`,
    );
  report.info(
    `the function, triggered through the topic, wrote s3://${s.destBucket}/${thumbKey} again: ` +
      `a ${meta.width}x${meta.height} ${meta.format}`,
  );
}

#!/usr/bin/env -S node --import=tsx
// Step 7. The test: (a) invoke the function with a generated S3 put event and check its answer;
// (b) upload an image for real, wait for `resized-<key>` in the destination bucket, check it decodes
// at the requested width, save it under out/, and show the function's log lines for that run.
// With the aws-cli:
//   aws lambda invoke --function-name "$FUNCTION_NAME" --cli-binary-format raw-in-base64-out \
//     --payload file://out/event.json out/response.json
//   aws s3 cp out/sample.jpg "s3://$SOURCE_BUCKET/images/sample.jpg"
//   aws s3api wait object-exists --bucket "$DEST_BUCKET" --key resized-images/sample.jpg
import type { Ctx } from './lib/context.ts';
import { UserError } from './lib/errors.ts';
import { stepMain } from './lib/main.ts';

export async function testStep(ctx: Ctx): Promise<void> {
  if (!ctx.state.data.function && !ctx.dryRun)
    throw new UserError('The function does not exist yet.', 'Run the earlier steps first: npm run walkthrough');
  const { invokeWithPutEvent, prepareRun, uploadAndCheck } = await import('./lib/thumbnail-test.ts');
  const run = await prepareRun(ctx);
  // (a) A generated S3 put event, invoked synchronously (a dry run stops there: nothing to wait for).
  if (!(await invokeWithPutEvent(ctx, run))) return;
  // (b) The real thing: an upload triggers the function through the bucket notification.
  await uploadAndCheck(ctx, run);
}

await stepMain(import.meta.url, testStep);

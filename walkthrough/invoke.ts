#!/usr/bin/env -S node --import=tsx
// `npm run invoke`: one synchronous invocation of the function with an S3 event, its result, log tail
// and REPORT line; the exit status is 1 when the function failed. With the aws-cli:
//   aws lambda invoke --function-name "$FUNCTION_NAME" --cli-binary-format raw-in-base64-out \
//     --payload file://out/invoke-event.json --log-type Tail --query LogResult --output text \
//     out/invoke-response.json | base64 --decode
import { isMain } from './lib/main.ts';
import { stepNumber, stepRef } from './lib/steps.ts';
import { invokeInput } from './lib/tool-args.ts';
import { toolMain } from './lib/tool-main.ts';

const HELP = `npm run invoke: invokes the function once, synchronously, with an S3 put event, and prints its
result, its log tail and the REPORT line. Give one of:
  --key KEY       an object already in the source bucket
  --image PATH    an image of yours: uploaded to the source bucket (as invoke/<name>) first
  --event FILE    an event of yours, sent as it is (e.g. out/event.json, which step ${stepNumber('test')} writes)
The source and thumbnail are added to out/index.html. Exit status 1 when the function fails.
Needs the function: ${stepRef('function')};\nfor --key and --image also the buckets: ${stepRef('buckets')}.`;

if (isMain(import.meta.url))
  await toolMain(
    { script: 'invoke.ts', help: HELP, heading: 'Invoke', check: (argv) => void invokeInput(argv) },
    process.argv.slice(2),
    async (ctx) => (await import('./lib/invoke-command.ts')).runInvoke(ctx),
  );

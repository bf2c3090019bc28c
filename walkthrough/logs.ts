#!/usr/bin/env -S node --import=tsx
// `npm run logs`: the function's log events, grouped by invocation, newest last. With the aws-cli:
//   aws logs tail "/aws/lambda/$FUNCTION_NAME" --since 10m [--filter-pattern PATTERN] [--follow]
import { DEFAULT_SINCE, parseSince } from './lib/tool-args.ts';
import { isMain } from './lib/main.ts';
import { stepRef } from './lib/steps.ts';
import { toolMain } from './lib/tool-main.ts';

const HELP = `npm run logs: the function's log events, grouped by invocation (START … REPORT), newest last.
  --since WHEN       how far back: 30s, 10m, 1h, 2d, 1w or an ISO date (default 10m)
  --filter PATTERN   a CloudWatch Logs filter pattern, applied by the service: ERROR, "a phrase",
                     ?ERROR ?WARN (any of), -term (without), { $.level = "ERROR" } (JSON lines)
  --follow           keep printing new events as they come, until Ctrl-C
  --cli              also print the aws logs tail equivalent
Needs the function's log group: ${stepRef('function')}.`;

if (isMain(import.meta.url))
  await toolMain(
    {
      script: 'logs.ts',
      help: HELP,
      heading: 'Function logs',
      readOnly: true,
      check: (argv) => void parseSince(argv.since === undefined ? DEFAULT_SINCE : String(argv.since)),
    },
    process.argv.slice(2),
    async (ctx, signal) => (await import('./lib/logs-command.ts')).showLogs(ctx, signal),
  );

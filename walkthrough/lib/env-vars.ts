// Step 1's shell variables: the names every later step uses, as `export NAME=value` lines.
import { shellQuote } from './aws-cli.ts';
import type { Ctx } from './context.ts';
import { logGroupName } from './policies.ts';

export { exportedVariables, printExports };

/** The names every later step uses, as the 2014 command-line companion put them in shell variables. */
function exportedVariables(ctx: Ctx): Array<[string, string]> {
  const s = ctx.settings;
  const vars: Array<[string, string]> = [
    ['TARGET', s.target === 'endpoint' ? 'local' : s.target],
    ['AWS_REGION', s.region],
    ['FUNCTION_NAME', s.functionName],
    ['SOURCE_BUCKET', s.sourceBucket],
    ['DEST_BUCKET', s.destBucket],
    ['ROLE_NAME', s.roleName],
    ['LOG_GROUP_NAME', logGroupName(s)],
    ['THUMBNAIL_WIDTH', String(s.thumbnailWidth)],
    ['RUNTIME', s.runtime],
    ['ARCHITECTURE', s.architecture],
    ['MEMORY_SIZE', String(s.memorySize)],
    ['TIMEOUT', String(s.timeout)],
    ['TRIGGER', s.trigger],
  ];
  if (s.trigger === 'sns') vars.push(['TOPIC_NAME', s.topicName]);
  if (s.profile) vars.push(['AWS_PROFILE', s.profile]);
  return vars;
}

function printExports(ctx: Ctx): void {
  if (ctx.settings.target !== 'aws')
    console.log(
      `# aws-cli against ${ctx.settings.endpoint}: add --endpoint-url ${ctx.settings.endpoint} ` +
        '(credentials: test / test)',
    );
  for (const [name, value] of exportedVariables(ctx)) console.log(`export ${name}=${shellQuote(value)}`);
}

// Synchronous invocations with the log tail (LogType=Tail), for the extras that invoke many times:
// the aws-cli equivalent is recorded once by the caller, not once per call.
import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { ActionCtx } from '../../lib/actions/run.ts';
import { awsCommand } from '../../lib/aws-cli.ts';

export interface TailedInvoke {
  functionError?: string;
  payload: string;
  /** The last 4 KB of the invocation's log (START … REPORT). */
  logTail: string;
}

export async function invokeTail(ctx: ActionCtx, functionName: string, event: unknown): Promise<TailedInvoke> {
  const r = await ctx.clients.lambda.send(
    new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(event)), LogType: 'Tail' }),
  );
  return {
    functionError: r.FunctionError,
    payload: r.Payload ? Buffer.from(r.Payload).toString('utf8') : '',
    logTail: r.LogResult ? Buffer.from(r.LogResult, 'base64').toString('utf8') : '',
  };
}

/** `aws lambda invoke … --log-type Tail` printing the log tail (REPORT line included). */
export function invokeCli(ctx: ActionCtx, functionName: string, eventFile: string, outFile: string): string {
  return (
    awsCommand(ctx.cliTarget, 'lambda', 'invoke', {
      'function-name': functionName,
      'cli-binary-format': 'raw-in-base64-out',
      payload: `file://${eventFile}`,
      'log-type': 'Tail',
      query: 'LogResult',
      output: 'text',
    }) + ` ${outFile} | base64 --decode`
  );
}

/** errorType of a function error payload, or the payload itself. */
export function errorTypeOf(payload: string): string {
  try {
    const p = JSON.parse(payload) as { errorType?: string; errorMessage?: string };
    return [p.errorType, p.errorMessage].filter(Boolean).join(': ') || payload;
  } catch {
    return payload.slice(0, 200);
  }
}

// Runs the command: one synchronous Invoke, then the output printed as if the command ran here
// (stdout to stdout, stderr to stderr, bytes exact), the S3 objects of large output fetched and
// deleted, and the exit status that the client should exit with.
import { constants } from 'node:os';
import { isLambdashResult, type LambdashResult, type StreamOutput } from '../../../handlers/lambdash/protocol.ts';
import { invokeJson } from '../../lib/actions/lambda.ts';
import { deleteObject, getObjectStream } from '../../lib/actions/s3.ts';
import { UserError } from '../../lib/errors.ts';
import { MAX_TIMEOUT } from './args.ts';
import type { LambdashCtx } from './context.ts';

/** The exit status when the command ran out of time, as GNU timeout(1) uses. */
export const TIMED_OUT_EXIT = 124;

/** Writes a chunk and waits until it is handed over; false once the reader has gone (EPIPE). */
function write(stream: NodeJS.WritableStream, chunk: Uint8Array): Promise<boolean> {
  return new Promise((resolve, reject) =>
    stream.write(chunk, (err) => {
      if (!err) resolve(true);
      else if ((err as NodeJS.ErrnoException).code === 'EPIPE') resolve(false);
      else reject(err);
    }),
  );
}

async function print(
  c: LambdashCtx,
  which: 'stdout' | 'stderr',
  out: StreamOutput,
  to: NodeJS.WritableStream,
): Promise<void> {
  if ('base64' in out) {
    if (out.size > 0) await write(to, Buffer.from(out.base64, 'base64'));
    return;
  }
  c.report.info(`${which}: ${out.size} bytes through s3://${out.s3.bucket}/${out.s3.key}`);
  const body = await getObjectStream(c, out.s3.bucket, out.s3.key, `/dev/${which}`);
  for await (const chunk of body) {
    if (!(await write(to, chunk))) break; // e.g. `| head`: the rest is not wanted
  }
}

/** The function failed rather than the command: say why and what to do. */
function functionFailure(c: LambdashCtx, payload: string): UserError {
  let errorType = 'Unhandled';
  let errorMessage = payload;
  try {
    const p = JSON.parse(payload) as { errorType?: string; errorMessage?: string };
    errorType = p.errorType ?? errorType;
    errorMessage = p.errorMessage ?? errorMessage;
  } catch {
    // not JSON: shown as is
  }
  const logs = `Its log group ${c.names.logGroup} has the details.`;
  switch (errorType) {
    case 'Sandbox.Timedout':
      return new UserError(
        `The function timed out before it could return the output (${errorMessage}).`,
        `Raise --timeout (at most ${MAX_TIMEOUT}). ${logs}`,
      );
    case 'Runtime.OutOfMemory':
      return new UserError(
        `The function ran out of memory (${c.args.memory} MB) while running the command.`,
        `Raise --memory. ${logs}`,
      );
    default:
      return new UserError(
        `The lambdash function failed: ${errorType}: ${errorMessage}`,
        `${logs} If it was changed or damaged, \`npm run lambdash -- --deploy\` checks and repairs it.`,
      );
  }
}

function exitStatus(r: LambdashResult): number {
  if (r.timedOut) {
    process.stderr.write(
      `lambdash: the command was killed after ${r.timeoutSeconds} s, its time limit ` +
        `(raise it with --timeout, at most ${MAX_TIMEOUT})\n`,
    );
    return TIMED_OUT_EXIT;
  }
  if (r.exitCode !== null) return r.exitCode;
  const number = r.signal ? constants.signals[r.signal as keyof typeof constants.signals] : undefined;
  process.stderr.write(`lambdash: the command was ended by ${r.signal ?? 'a signal'}\n`);
  return 128 + (number ?? 0);
}

/** Runs `command` remotely, prints its output here and returns its exit status. */
export async function runRemote(c: LambdashCtx, command: string): Promise<number> {
  const r = await invokeJson(c, c.names.functionName, { command });
  if (r.functionError) throw functionFailure(c, r.payload);
  let result: unknown;
  try {
    result = JSON.parse(r.payload);
  } catch {
    result = undefined;
  }
  if (!isLambdashResult(result))
    throw new UserError(
      `${c.names.functionName} answered something that is not a lambdash result.`,
      'Is it really lambdash? `npm run lambdash -- --deploy` checks and repairs it.',
    );
  const objects = [result.stdout, result.stderr].flatMap((o) => ('s3' in o ? [o.s3] : []));
  try {
    await print(c, 'stdout', result.stdout, process.stdout);
    await print(c, 'stderr', result.stderr, process.stderr);
  } finally {
    // The output is the user's to have once: nothing stays behind in the bucket.
    for (const o of objects) await deleteObject(c, o.bucket, o.key);
  }
  return exitStatus(result);
}

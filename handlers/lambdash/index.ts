// lambdash: runs one shell command in the Lambda environment and returns its stdout, stderr and exit
// status. Small output comes back inline; output too big for a synchronous response goes into an
// object in OUTPUT_BUCKET (the role may only put objects there), which the client reads and deletes.
// WHOEVER MAY INVOKE THIS FUNCTION MAY RUN ANY COMMAND AS ITS ROLE: nothing but lambdash invokes it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  INLINE_LIMIT_BYTES,
  MAX_COMMAND_BYTES,
  RESERVE_SECONDS,
  type LambdashEvent,
  type LambdashResult,
  type StreamOutput,
} from './protocol.ts';
import { runCommand } from './run.ts';

/** The part of Lambda's context object used here. */
interface Context {
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

const s3 = new S3Client({});

function commandOf(event: unknown): string {
  const command = (event as Partial<LambdashEvent> | null)?.command;
  if (typeof command !== 'string' || command.trim() === '')
    throw new Error('lambdash: the event must be {"command": "<shell command>"}');
  if (Buffer.byteLength(command) > MAX_COMMAND_BYTES)
    throw new Error(`lambdash: the command is longer than ${MAX_COMMAND_BYTES} bytes`);
  return command;
}

function timeoutSeconds(): number {
  const n = Number(process.env.COMMAND_TIMEOUT_SECONDS);
  return Number.isFinite(n) && n > 0 ? n : 60;
}

/** Which streams go inline: both when they fit together, else the smaller one if it fits alone. */
function inlineChoice(outSize: number, errSize: number): { stdout: boolean; stderr: boolean } {
  if (outSize + errSize <= INLINE_LIMIT_BYTES) return { stdout: true, stderr: true };
  return {
    stdout: outSize < errSize && outSize <= INLINE_LIMIT_BYTES,
    stderr: errSize <= outSize && errSize <= INLINE_LIMIT_BYTES,
  };
}

async function deliver(file: string, inline: boolean, bucket: string | undefined, key: string): Promise<StreamOutput> {
  const size = fs.statSync(file).size;
  if (inline) return { size, base64: fs.readFileSync(file).toString('base64') };
  if (!bucket) throw new Error('lambdash: the output is too large to return and OUTPUT_BUCKET is not set');
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: fs.createReadStream(file), ContentLength: size }),
  );
  return { size, s3: { bucket, key } };
}

export async function handler(event: unknown, context: Context): Promise<LambdashResult> {
  const command = commandOf(event);
  const limit = timeoutSeconds();
  // The function's own deadline wins if it is nearer (e.g. configured by hand), minus time to upload.
  const remaining = context.getRemainingTimeInMillis();
  const timeoutMs = Math.min(limit * 1000, remaining - Math.min(RESERVE_SECONDS * 1000, remaining / 5));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdash-'));
  try {
    const run = await runCommand(command, { dir, timeoutMs });
    const sizes = { out: fs.statSync(run.stdoutFile).size, err: fs.statSync(run.stderrFile).size };
    const inline = inlineChoice(sizes.out, sizes.err);
    const bucket = process.env.OUTPUT_BUCKET;
    const prefix = `lambdash/${context.awsRequestId}`;
    const [stdout, stderr] = await Promise.all([
      deliver(run.stdoutFile, inline.stdout, bucket, `${prefix}/stdout`),
      deliver(run.stderrFile, inline.stderr, bucket, `${prefix}/stderr`),
    ]);
    // The function's log keeps a record of what was run, and by which request.
    console.log(
      JSON.stringify({
        command: command.length > 1000 ? command.slice(0, 1000) + '…' : command,
        exitCode: run.exitCode,
        signal: run.signal,
        timedOut: run.timedOut,
        durationMs: run.durationMs,
        stdoutBytes: sizes.out,
        stderrBytes: sizes.err,
        viaS3: !inline.stdout || !inline.stderr,
      }),
    );
    return {
      lambdash: 1,
      exitCode: run.exitCode,
      signal: run.signal,
      timedOut: run.timedOut,
      timeoutSeconds: Math.round(timeoutMs / 100) / 10,
      durationMs: run.durationMs,
      stdout,
      stderr,
    };
  } finally {
    // Environments are reused: /tmp must not fill up with old output.
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

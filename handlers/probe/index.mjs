// The persistence probe (walkthrough/extras/persistence.ts): reports which execution environment
// served an invocation and what that environment still held from earlier ones, a value cached in
// module scope and a file cached in /tmp. Deployed as is (no dependencies); it touches nothing else.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// Module scope runs once per environment (INIT); everything here survives between invocations.
const envId = randomUUID();
const initAt = new Date().toISOString();
let count = 0;
let cached;

const TMP_FILE = path.join(os.tmpdir(), 'persistence-probe-cache.json');
const MAX_HOLD_MS = 10_000;

export const handler = async (event, context) => {
  count += 1;
  const moduleCacheHit = cached !== undefined;
  cached ??= { by: context.awsRequestId, at: new Date().toISOString() };

  let tmpFileHit = false;
  try {
    JSON.parse(fs.readFileSync(TMP_FILE, 'utf8'));
    tmpFileHit = true;
  } catch {
    fs.writeFileSync(TMP_FILE, JSON.stringify({ by: context.awsRequestId, envId, at: new Date().toISOString() }));
  }

  // Held a moment when asked, so that invocations sent at once overlap and need environments of their own.
  const holdMs = Math.min(Math.max(Number(event?.holdMs) || 0, 0), MAX_HOLD_MS);
  if (holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));

  console.log(JSON.stringify({ envId, count, moduleCacheHit, tmpFileHit }));
  return {
    envId,
    initAt,
    count,
    moduleCacheHit,
    tmpFileHit,
    logStreamName: context.logStreamName,
    tmpDir: os.tmpdir(),
  };
};

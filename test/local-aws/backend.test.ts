// Building the endpoint's stores starts nothing: work a previous run left (a queued Lambda event)
// waits for Backend.start(), which the server calls once everything is wired.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Backend } from '../../local-aws/backend.ts';
import { loadConfig } from '../../local-aws/config.ts';
import { ACCOUNT, tempDir } from '../support/local-aws.ts';

describe('Backend', () => {
  it('resumes queued events only when started, not when built', async () => {
    const dataDir = tempDir();
    const queue = path.join(dataDir, 'lambda', 'queue');
    fs.mkdirSync(queue, { recursive: true });
    const now = Date.now();
    const event = {
      id: 'left-by-a-previous-run',
      functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:gone`,
      invokedArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:gone`,
      payload: '{}',
      enqueuedAt: now,
      attempts: 0,
      serviceFailures: 0,
      notBefore: now,
    };
    fs.writeFileSync(path.join(queue, `${now}-1-000000-${event.id}.json`), JSON.stringify(event));
    const backend = new Backend(loadConfig({}, { port: 0, dataDir }));
    try {
      assert.equal(backend.lambda.queue.depth(), 0);
      backend.start();
      assert.equal(backend.lambda.queue.depth(), 1);
    } finally {
      await backend.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

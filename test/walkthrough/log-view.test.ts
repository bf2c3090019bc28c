// npm run logs' pure parts: --since, the request id of each kind of Lambda log line, and grouping.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  groupByInvocation,
  requestIdOf,
  shortMessage,
  withFrames,
  type LogLine,
} from '../../walkthrough/lib/log-view.ts';
import { UsageError } from '../../walkthrough/lib/main.ts';
import { parseSince } from '../../walkthrough/lib/tool-args.ts';

const A = '6c956e3e-3ff2-407a-8a9c-439c63d1cc4e';
const B = '0316ce43-9cd5-45d4-97fa-b77f17ccfd93';
let n = 0;
const line = (timestamp: number, message: string): LogLine => ({ eventId: `e${n++}`, timestamp, stream: 's', message });

describe('npm run logs, its parts', () => {
  it('--since: durations as aws logs tail takes them, and ISO dates', () => {
    const now = Date.UTC(2024, 4, 1, 12, 0, 0);
    assert.equal(parseSince('30s', now), now - 30_000);
    assert.equal(parseSince('10m', now), now - 600_000);
    assert.equal(parseSince('1h', now), now - 3_600_000);
    assert.equal(parseSince('2d', now), now - 2 * 86_400_000);
    assert.equal(parseSince('1w', now), now - 7 * 86_400_000);
    assert.equal(parseSince('2024-05-01T11:00:00Z', now), now - 3_600_000);
    assert.equal(parseSince('2024-05-01', now), Date.UTC(2024, 4, 1));
    for (const bad of ['', '10', 'm', '10 minutes', '-5m', '2024-13-45', 'yesterday'])
      assert.throws(() => parseSince(bad, now), UsageError, bad);
  });

  it('finds the request id of platform, text and JSON lines', () => {
    assert.equal(requestIdOf(`START RequestId: ${A} Version: $LATEST`), A);
    assert.equal(requestIdOf(`END RequestId: ${A}`), A);
    assert.equal(requestIdOf(`REPORT RequestId: ${A}\tDuration: 1.00 ms`), A);
    assert.equal(requestIdOf(`2024-05-01T12:00:00.000Z\t${A}\tINFO\t{"x":1}`), A);
    assert.equal(requestIdOf(`{"time":"t","type":"platform.start","record":{"requestId":"${A}"}}`), A);
    assert.equal(requestIdOf('INIT_START Runtime Version: nodejs:22.v1'), undefined);
    assert.equal(shortMessage(`2024-05-01T12:00:00.000Z\t${A}\tINFO\t{"x":1}`), 'INFO  {"x":1}');
  });

  it('groups by invocation, oldest first, whatever order the events came in', () => {
    const lines = [
      line(5, `REPORT RequestId: ${B}\tDuration: 2 ms`),
      line(1, `START RequestId: ${A} Version: $LATEST`),
      line(0, 'INIT_START Runtime Version: nodejs:22.v1'),
      line(3, `START RequestId: ${B} Version: $LATEST`),
      line(2, `2024-05-01T12:00:00.000Z\t${A}\tINFO\tone`),
      line(4, `2024-05-01T12:00:00.000Z\t${B}\tINFO\ttwo`),
      line(4.5, `END RequestId: ${A}`),
    ];
    const groups = groupByInvocation(lines);
    assert.deepEqual(
      groups.map((g) => [g.requestId, g.lines.map((l) => l.timestamp)]),
      [
        [undefined, [0]],
        [A, [1, 2, 4.5]],
        [B, [3, 4, 5]],
      ],
    );
  });

  it('keeps the frames of matched invocations only, each event once', () => {
    const matched = [line(2, `2024-05-01T12:00:00.000Z\t${A}\tINFO\tneedle`)];
    const frames = [
      line(1, `START RequestId: ${A} Version: $LATEST`),
      line(3, `REPORT RequestId: ${A}\tDuration: 1 ms`),
      line(4, `START RequestId: ${B} Version: $LATEST`),
    ];
    const kept = withFrames({ matched, frames: [...frames, frames[0]!] });
    assert.deepEqual(
      kept.map((l) => l.timestamp).sort((a, b) => a - b),
      [1, 2, 3],
    );
  });
});

// Filter patterns as CloudWatch Logs documents them, on the matcher itself: terms (substrings, so
// ERROR matches ERRORCODE and Exception matches IllegalArgumentException), "phrases", ?any, -none,
// space-delimited [fields] and %regex%. FilterLogEvents over the wire: sdk.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter } from '../../../local-aws/logs/filter.ts';
import { messageFields } from '../../../local-aws/logs/filter-delimited.ts';

const matching = (pattern: string, messages: string[]) => messages.filter(compileFilter(pattern));

const ACCESS = [
  '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
  '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /index.html HTTP/1.0" 404 1534',
  '127.0.0.1 - alice [10/Oct/2000:13:50:35 -0700] "POST /index.html HTTP/1.0" 500 2000',
  '10.0.0.9 - - [10/Oct/2000:14:01:00 -0700] "GET /favicon.ico HTTP/1.0" 200 318',
];

describe('filter patterns', () => {
  it('terms and phrases, as in the documentation', () => {
    const events = ['[ERROR] A fatal exception has occurred', 'Exiting with ERRORCODE: -1', '[WARN] ok'];
    assert.deepEqual(matching('ERROR', events), events.slice(0, 2));
    assert.deepEqual(matching('ERROR -Exiting', events), events.slice(0, 1));
    const caught = ['[ERROR] Caught IllegalArgumentException', '[ERROR] Unhandled Exception', '[ERROR] other'];
    assert.deepEqual(matching('ERROR Exception', caught), caught.slice(0, 2));
    const failed = [
      '[WARN] Failed to process the request',
      '[ERROR] Unable to continue: Failed to process the request',
    ];
    assert.deepEqual(matching('"Failed to process the request"', [...failed, 'the request Failed to process']), failed);
    assert.deepEqual(matching('?ERROR ?WARN', [...events, 'INFO']), events);
    assert.deepEqual(matching('error', events), [], 'case-sensitive');
  });

  it('splits a message into fields at whitespace, keeping "quoted" and [bracketed] runs', () => {
    assert.deepEqual(messageFields(ACCESS[0]!), [
      '127.0.0.1',
      '-',
      'frank',
      '10/Oct/2000:13:25:15 -0700',
      'GET /apache_pb.gif HTTP/1.0',
      '200',
      '1534',
    ]);
    assert.deepEqual(messageFields('2024-01-01T00:00:00Z\tid-1\tINFO\thello world'), [
      '2024-01-01T00:00:00Z',
      'id-1',
      'INFO',
      'hello',
      'world',
    ]);
  });

  it('space-delimited patterns: fields, wildcards, numbers, && and ||, and ...', () => {
    const fields = '[ip, identity, user, timestamp, request, status, bytes]';
    assert.deepEqual(matching(fields, ACCESS), ACCESS);
    assert.deepEqual(matching('[ip, identity, user]', ACCESS), [], 'without ... the field count must match');
    assert.deepEqual(matching('[..., status = 4*, bytes]', ACCESS), [ACCESS[1]]);
    assert.deepEqual(matching('[..., status = 4* || status = 5*, bytes]', ACCESS), [ACCESS[1], ACCESS[2]]);
    assert.deepEqual(matching('[ip, identity, user = frank, ...]', ACCESS), ACCESS.slice(0, 2));
    assert.deepEqual(matching('[ip, identity, user != frank, ...]', ACCESS), ACCESS.slice(2));
    assert.deepEqual(matching('[..., request = "*index.html*", status, bytes >= 1534 && bytes < 2000]', ACCESS), [
      ACCESS[1],
    ]);
    assert.deepEqual(matching('[ip = 10.*, ...]', ACCESS), [ACCESS[3]]);
    assert.deepEqual(matching('[..., bytes = 318]', ACCESS), [ACCESS[3]]);
    assert.deepEqual(matching('[...]', [...ACCESS, '']), [...ACCESS, '']);
    assert.deepEqual(matching('[a, ..., b, ..., c = 1534]', ACCESS), ACCESS.slice(0, 2));
  });

  it('refuses what CloudWatch refuses', () => {
    for (const bad of ['[ip, user', '[ip, bytes > big]', '[ip, bytes = "x]', '[1ip]', '[ip, user = x && other = y]'])
      assert.throws(() => compileFilter(bad), { name: 'InvalidParameterException' }, bad);
    assert.throws(() => compileFilter('%(a|b)%'), { name: 'InvalidParameterException' });
  });

  it('%regex% patterns', () => {
    const events = ['[ERROR 401] UNAUTHORIZED REQUEST', '[SUCCESS 200] AUTHORIZED REQUEST', 'colour', 'color', 'x'];
    assert.deepEqual(matching('%AUTHORIZED%', events), events.slice(0, 2));
    assert.deepEqual(matching('%colou?r%', events), ['colour', 'color']);
    assert.deepEqual(matching('%^\\[SUCCESS%', events), [events[1]]);
  });
});

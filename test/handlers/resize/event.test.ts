// S3 event parsing: key decoding, several records, test events, SNS-wrapped events.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeS3Key,
  encodeS3Key,
  makeS3PutEvent,
  makeS3Record,
  parseEvent,
  wrapInSns,
  type ParsedRecord,
} from '../../../handlers/resize/event.ts';

const objects = (records: ParsedRecord[]) => records.flatMap((r) => (r.kind === 'object' ? [r.ref] : []));

describe('S3 key encoding', () => {
  const pairs: Array<[string, string]> = [
    ['Happy+Face+%281%29+%2B%C3%A9t%C3%A9.jpg', 'Happy Face (1) +été.jpg'],
    ['this+im+%2B+age.txt', 'this im + age.txt'], // docs/local-aws/protocols.md#s3-event-notifications
    ['images/2024/a+b.jpg', 'images/2024/a b.jpg'], // '/' stays unencoded
    ['100%25+juice+%2B+caf%C3%A9+%E6%97%A5%E6%9C%AC+%F0%9F%8D%8A.jpg', '100% juice + café 日本 🍊.jpg'],
    ['it%27s%21+%2A.png', "it's! *.png"],
  ];
  for (const [raw, key] of pairs) {
    it(`${raw} <-> ${key}`, () => {
      assert.equal(decodeS3Key(raw), key);
      assert.equal(encodeS3Key(key), raw);
    });
  }
  it('also decodes %20 and lower-case escapes', () => {
    assert.equal(decodeS3Key('a%20b%c3%a9'), 'a bé');
  });
});

describe('parseEvent', () => {
  it('returns every record, decoded, with size, eTag and versionId', () => {
    const event = makeS3PutEvent([
      { bucket: 'src', key: 'Happy Face (1) +été.jpg', size: 564311, eTag: 'abc' },
      { bucket: 'src', key: 'b/c.png', size: 10 },
      { bucket: 'other', key: 'd.gif', size: 0 },
    ]);
    const first = event.Records[0];
    assert.ok(first);
    Object.assign((first.s3 as { object: object }).object, { versionId: 'v1' });
    const refs = objects(parseEvent(event));
    assert.deepEqual(
      refs.map((r) => [r.bucket, r.key, r.size]),
      [
        ['src', 'Happy Face (1) +été.jpg', 564311],
        ['src', 'b/c.png', 10],
        ['other', 'd.gif', 0],
      ],
    );
    assert.equal(refs[0]?.rawKey, 'Happy+Face+%281%29+%2B%C3%A9t%C3%A9.jpg');
    assert.equal(refs[0]?.versionId, 'v1');
    assert.equal(refs[0]?.eTag, 'abc');
    assert.equal(refs[0]?.eventName, 'ObjectCreated:Put');
  });

  it('decodes the exact key of a hand-written event', () => {
    const event = {
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:CompleteMultipartUpload',
          s3: { bucket: { name: 'b' }, object: { key: 'Happy+Face+%281%29+%2B%C3%A9t%C3%A9.jpg' } },
        },
      ],
    };
    assert.deepEqual(
      objects(parseEvent(event)).map((r) => [r.key, r.size]),
      [['Happy Face (1) +été.jpg', undefined]],
    );
  });

  it('skips s3:TestEvent and events without Records', () => {
    const test = {
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2024-05-01T12:34:56.789Z',
      Bucket: 'src',
      RequestId: 'R',
      HostId: 'H',
    };
    assert.deepEqual(parseEvent(test), [{ kind: 'skip', reason: 'test_event', detail: 's3:TestEvent', bucket: 'src' }]);
    for (const e of [{}, null, 'text', 42, { Records: 'no' }]) {
      assert.deepEqual(
        parseEvent(e).map((r) => [r.kind, r.kind === 'object' ? '' : r.reason]),
        [['skip', 'unrecognized_event']],
      );
    }
  });

  it('skips records that are not ObjectCreated or not from S3', () => {
    const removed = makeS3Record({ bucket: 'src', key: 'x.jpg', size: 1, eventName: 'ObjectRemoved:Delete' });
    const sqs = { eventSource: 'aws:sqs', body: '{}' };
    const put = makeS3Record({ bucket: 'src', key: 'y.jpg', size: 1 });
    const parsed = parseEvent({ Records: [removed, sqs, put] });
    assert.deepEqual(
      parsed.map((r) => [r.kind, r.kind === 'object' ? r.ref.key : r.reason]),
      [
        ['skip', 'not_object_created'],
        ['skip', 'unrecognized_record'],
        ['object', 'y.jpg'],
      ],
    );
  });

  it('reports malformed records and keys that are not valid URL encoding', () => {
    const bad = (key: unknown) => ({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: 'b' }, object: { key } },
    });
    assert.deepEqual(
      parseEvent({
        Records: [bad('100%.jpg'), bad(''), bad(7), 'str', { eventSource: 'aws:s3', eventName: 'ObjectCreated:Put' }],
      }).map((r) => [r.kind, r.kind === 'object' ? '' : r.reason]),
      [
        ['invalid', 'invalid_key_encoding'],
        ['invalid', 'malformed_record'],
        ['invalid', 'malformed_record'],
        ['invalid', 'malformed_record'],
        ['invalid', 'malformed_record'],
      ],
    );
  });

  it('unwraps S3 events delivered through SNS', () => {
    const s3Event = makeS3PutEvent([
      { bucket: 'src', key: 'a b.jpg', size: 5 },
      { bucket: 'src', key: 'c+d.png', size: 6 },
    ]);
    const sns = wrapInSns(s3Event);
    assert.equal(sns.Records[0]?.EventSource, 'aws:sns');
    const refs = objects(parseEvent(sns));
    assert.deepEqual(
      refs.map((r) => [r.bucket, r.key, r.rawKey]),
      [
        ['src', 'a b.jpg', 'a+b.jpg'],
        ['src', 'c+d.png', 'c%2Bd.png'],
      ],
    );
    // Two SNS records in one event, one of them S3's test event.
    const twice = {
      Records: [...wrapInSns(s3Event).Records, ...wrapInSns({ Event: 's3:TestEvent', Bucket: 'src' }).Records],
    };
    assert.deepEqual(
      parseEvent(twice).map((r) => (r.kind === 'object' ? r.ref.key : r.reason)),
      ['a b.jpg', 'c+d.png', 'test_event'],
    );
  });

  it('refuses SNS messages that are not JSON, and SNS inside SNS', () => {
    const notJson = { Records: [{ EventSource: 'aws:sns', Sns: { Message: 'hello' } }] };
    assert.deepEqual(
      parseEvent(notJson).map((r) => [r.kind, r.kind === 'object' ? '' : r.reason]),
      [['invalid', 'malformed_record']],
    );
    const nested = wrapInSns(wrapInSns(makeS3PutEvent([{ bucket: 'b', key: 'k', size: 1 }])));
    assert.deepEqual(
      parseEvent(nested).map((r) => [r.kind, r.kind === 'object' ? '' : r.reason]),
      [['skip', 'unrecognized_record']],
    );
  });
});

// S3 event parsing (docs/local-aws/protocols.md#s3-event-notifications): direct S3 notifications and S3
// events wrapped in SNS records, key decoding, and the matching encoder/generator for test events.

export interface S3ObjectRef {
  bucket: string;
  /** Decoded key, as S3 stores it. */
  key: string;
  /** Key as it appeared in the event (form-URL-encoded). */
  rawKey: string;
  eventName: string;
  size?: number;
  versionId?: string;
  eTag?: string;
}

export type SkipReason = 'test_event' | 'not_object_created' | 'unrecognized_event' | 'unrecognized_record';
export type InvalidReason = 'malformed_record' | 'invalid_key_encoding';

export type ParsedRecord =
  | { kind: 'object'; ref: S3ObjectRef }
  | { kind: 'skip'; reason: SkipReason; detail: string; bucket?: string; key?: string }
  | { kind: 'invalid'; reason: InvalidReason; detail: string; bucket?: string; key?: string };

type Json = { [k: string]: unknown };

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** S3 event keys are form-URL-encoded: `+` is a space, `%2B` a plus, non-ASCII is UTF-8 %XX. Throws URIError. */
export function decodeS3Key(raw: string): string {
  return decodeURIComponent(raw.replace(/\+/g, ' '));
}

/** The encoding S3 applies to keys in event records (the inverse of decodeS3Key). */
export function encodeS3Key(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/');
}

function parseS3Record(rec: Json): ParsedRecord {
  const s3 = isObject(rec.s3) ? rec.s3 : undefined;
  const bucket = s3 && isObject(s3.bucket) ? str(s3.bucket.name) : undefined;
  const object = s3 && isObject(s3.object) ? s3.object : undefined;
  const rawKey = object ? str(object.key) : undefined;
  const eventName = str(rec.eventName) ?? '';
  if (!eventName.startsWith('ObjectCreated:')) {
    return {
      kind: 'skip',
      reason: 'not_object_created',
      detail: `event ${eventName || '(none)'} is not ObjectCreated`,
      bucket,
      key: rawKey,
    };
  }
  if (!bucket || rawKey === undefined || rawKey === '') {
    return {
      kind: 'invalid',
      reason: 'malformed_record',
      detail: 'S3 record without s3.bucket.name or s3.object.key',
      bucket,
      key: rawKey,
    };
  }
  let key: string;
  try {
    key = decodeS3Key(rawKey);
  } catch {
    return {
      kind: 'invalid',
      reason: 'invalid_key_encoding',
      detail: `key is not valid URL encoding: ${rawKey}`,
      bucket,
      key: rawKey,
    };
  }
  const ref: S3ObjectRef = { bucket, key, rawKey, eventName };
  if (object && typeof object.size === 'number' && Number.isFinite(object.size)) ref.size = object.size;
  const versionId = object ? str(object.versionId) : undefined;
  if (versionId) ref.versionId = versionId;
  const eTag = object ? str(object.eTag) : undefined;
  if (eTag) ref.eTag = eTag;
  return { kind: 'object', ref };
}

function parseSnsRecord(rec: Json, depth: number): ParsedRecord[] {
  const message = isObject(rec.Sns) ? str(rec.Sns.Message) : undefined;
  if (message === undefined)
    return [{ kind: 'invalid', reason: 'malformed_record', detail: 'SNS record without Sns.Message' }];
  let inner: unknown;
  try {
    inner = JSON.parse(message);
  } catch {
    return [{ kind: 'invalid', reason: 'malformed_record', detail: 'SNS message is not JSON' }];
  }
  return parseEventAt(inner, depth + 1);
}

function parseEventAt(event: unknown, depth: number): ParsedRecord[] {
  if (isObject(event) && event.Event === 's3:TestEvent') {
    return [{ kind: 'skip', reason: 'test_event', detail: 's3:TestEvent', bucket: str(event.Bucket) }];
  }
  if (!isObject(event) || !Array.isArray(event.Records)) {
    return [{ kind: 'skip', reason: 'unrecognized_event', detail: 'event has no Records array' }];
  }
  const out: ParsedRecord[] = [];
  for (const rec of event.Records) {
    if (!isObject(rec)) {
      out.push({ kind: 'invalid', reason: 'malformed_record', detail: 'record is not an object' });
    } else if (rec.eventSource === 'aws:s3') {
      out.push(parseS3Record(rec));
    } else if (rec.EventSource === 'aws:sns' && depth === 0) {
      // One level of wrapping only: an SNS message is an S3 event, not another SNS envelope.
      out.push(...parseSnsRecord(rec, depth));
    } else {
      const source = str(rec.eventSource) ?? str(rec.EventSource) ?? '(none)';
      out.push({ kind: 'skip', reason: 'unrecognized_record', detail: `record from ${source} ignored` });
    }
  }
  return out;
}

/** Every record of an invocation event, in order; never throws. */
export function parseEvent(event: unknown): ParsedRecord[] {
  return parseEventAt(event, 0);
}

export interface PutEventInput {
  bucket: string;
  /** The real (decoded) key; it is encoded as S3 does. */
  key: string;
  size: number;
  eTag?: string;
  region?: string;
  eventName?: string;
  sequencer?: string;
  eventTime?: Date;
}

/** One S3 notification record, shaped like the ones S3 sends (for test invokes and tests). */
export function makeS3Record(input: PutEventInput): Json {
  const region = input.region ?? 'us-east-1';
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime: (input.eventTime ?? new Date()).toISOString(),
    eventName: input.eventName ?? 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:AIDAEXAMPLEUSERID' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: {
      'x-amz-request-id': 'C3D13FE58DE4C810',
      'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'resize',
      bucket: {
        name: input.bucket,
        ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
        arn: `arn:aws:s3:::${input.bucket}`,
      },
      object: {
        key: encodeS3Key(input.key),
        size: input.size,
        eTag: input.eTag ?? 'd41d8cd98f00b204e9800998ecf8427e',
        sequencer: input.sequencer ?? '0055AED6DCD90281E5',
      },
    },
  };
}

/** An S3 put event with one record per object. */
export function makeS3PutEvent(objects: PutEventInput[]): { Records: Json[] } {
  return { Records: objects.map(makeS3Record) };
}

/** The same S3 event delivered through an SNS topic subscription. */
export function wrapInSns(
  s3Event: unknown,
  topicArn = 'arn:aws:sns:us-east-1:000000000000:thumbnails',
): { Records: Json[] } {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
        Sns: {
          Type: 'Notification',
          MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
          TopicArn: topicArn,
          Subject: 'Amazon S3 Notification',
          Message: JSON.stringify(s3Event),
          Timestamp: new Date().toISOString(),
        },
      },
    ],
  };
}

// Input checks for SNS parameters, with the errors AWS answers (InvalidParameter "Invalid parameter:
// …", ParameterValueInvalid for message attributes, NotFound, ValidationError for missing members).
import { AwsError } from '../core/errors.ts';
import type { QueryParams } from '../protocols/query.ts';

export function invalidParameter(what: string): AwsError {
  return new AwsError('InvalidParameter', `Invalid parameter: ${what}`, 400);
}

/** InvalidParameterValueException: its wire code is `ParameterValueInvalid`. */
export function invalidValue(message: string): AwsError {
  return new AwsError('ParameterValueInvalid', message, 400);
}

export function topicNotFound(): AwsError {
  return new AwsError('NotFound', 'Topic does not exist', 404);
}

export function subscriptionNotFound(): AwsError {
  return new AwsError('NotFound', 'Subscription does not exist', 404);
}

export function validationError(field: string): AwsError {
  return new AwsError(
    'ValidationError',
    `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    400,
  );
}

export const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;

export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

/** Splits an ARN; fewer than 6 parts -> InvalidParameter as SNS words it. */
export function parseArn(arn: string, param: string): ParsedArn {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn')
    throw invalidParameter(`${param} Reason: An ARN must have at least 6 elements, not ${parts.length}`);
  return {
    partition: parts[1]!,
    service: parts[2]!,
    region: parts[3]!,
    account: parts[4]!,
    resource: parts.slice(5).join(':'),
  };
}

/** A topic ARN of this region: `arn:aws:sns:<region>:<account>:<name>`. */
export function checkTopicArn(arn: string, region: string, param = 'TopicArn'): ParsedArn {
  const p = parseArn(arn, param);
  if (
    p.service !== 'sns' ||
    !/^aws[a-z-]*$/.test(p.partition) ||
    !/^\d{12}$/.test(p.account) ||
    !TOPIC_NAME.test(p.resource.replace(/\.fifo$/, ''))
  )
    throw invalidParameter(param);
  if (p.region !== region) throw invalidParameter(param);
  return p;
}

/** A subscription ARN: the topic ARN plus `:<id>`. */
export function checkSubscriptionArn(arn: string): ParsedArn {
  const p = parseArn(arn, 'SubscriptionArn');
  if (p.service !== 'sns' || !/^[A-Za-z0-9_.-]+:[0-9a-f-]{36}$/.test(p.resource))
    throw invalidParameter('SubscriptionId');
  return p;
}

/** A required member: absent -> ValidationError; some SNS members answer InvalidParameter instead. */
export function required(params: QueryParams, name: string): string {
  const v = params.get(name);
  if (v === undefined) throw validationError(name.charAt(0).toLowerCase() + name.slice(1));
  return v;
}

/** `Attributes.entry.N.key` / `.value` pairs in order. */
export function attributeEntries(params: QueryParams, name = 'Attributes'): Array<[string, string]> {
  return params.map(name).map((e) => {
    if (e.key === undefined) throw validationError(`${name.toLowerCase()}.key`);
    return [e.key, e.value ?? ''];
  });
}

export const MAX_TAGS = 50;

/** Tags.member.N.Key/Value, as SNS checks them. */
export function parseTags(params: QueryParams, name = 'Tags'): Array<[string, string]> {
  const tags = params.structList(name).map((t, i): [string, string] => {
    if (t.Key === undefined) throw validationError(`tags.${i + 1}.member.key`);
    if (t.Key.length < 1 || t.Key.length > 128)
      throw invalidParameter('Tags Reason: A tag key must be 1 to 128 characters long.');
    const value = t.Value ?? '';
    if (value.length > 256) throw invalidParameter('Tags Reason: A tag value must be at most 256 characters long.');
    return [t.Key, value];
  });
  if (new Set(tags.map(([k]) => k)).size !== tags.length) throw invalidParameter('Duplicated keys are not allowed.');
  return tags;
}

export function tagLimitExceeded(): AwsError {
  return new AwsError('TagLimitExceeded', 'Could not complete request: tag quota of per resource exceeded', 400);
}

// ---- Publish ------------------------------------------------------------------------------------

/** Message plus attributes may not exceed 256 KiB. */
export const MAX_MESSAGE_BYTES = 262144;

export interface MessageAttribute {
  name: string;
  /** `String`, `Number`, `Binary`, `String.Array`, or one of those with a custom `.suffix`. */
  dataType: string;
  /** StringValue, or BinaryValue as base64 (as the wire carries it). */
  value: string;
  binary: boolean;
}

const ATTR_NAME = /^(?!\.)(?!.*\.\.)[A-Za-z0-9_.-]+(?<!\.)$/;
const ATTR_TYPE = /^(String|Number|Binary)(\..+)?$/;

/** `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue` / `.Value.BinaryValue`. */
export function parseMessageAttributes(params: QueryParams): MessageAttribute[] {
  const out: MessageAttribute[] = [];
  for (const e of params.map('MessageAttributes')) {
    const name = e.Name ?? '';
    if (name.length === 0) throw validationError('messageAttributes.key');
    if (Buffer.byteLength(name) > 256)
      throw invalidValue('Length of message attribute name must be less than 256 bytes.');
    if (!ATTR_NAME.test(name)) {
      if (name.startsWith('.'))
        throw invalidValue("Invalid message attribute name starting with character '.' was found.");
      if (name.endsWith('.')) throw invalidValue("Invalid message attribute name ending with character '.' was found.");
      if (name.includes('..')) throw invalidValue("Message attribute name can not have successive '.' character.");
      const bad = [...name].find((c) => !/[A-Za-z0-9_.-]/.test(c)) ?? '?';
      throw invalidValue(
        `Invalid non-alphanumeric character '#x${bad.codePointAt(0)!.toString(16).toUpperCase()}' ` +
          'was found in the message attribute name. ' +
          'Can only include alphanumeric characters, hyphens, underscores, or dots.',
      );
    }
    const dataType = e['Value.DataType'];
    if (dataType === undefined) throw validationError(`messageAttributes.${name}.member.dataType`);
    if (!ATTR_TYPE.test(dataType))
      throw invalidValue(
        `The message attribute '${name}' has an invalid message attribute type, ` +
          'the set of supported type prefixes is Binary, Number, and String.',
      );
    const binary = dataType.startsWith('Binary');
    const field = binary ? 'BinaryValue' : 'StringValue';
    const value = e[`Value.${field}`];
    const other = e[`Value.${binary ? 'StringValue' : 'BinaryValue'}`];
    if (value === undefined && other !== undefined)
      throw invalidValue(
        `The message attribute '${name}' with type '${dataType}' must use field '${binary ? 'Binary' : 'String'}'.`,
      );
    if (value === undefined || value === '')
      throw invalidValue(
        `The message attribute '${name}' must contain non-empty message attribute value ` +
          `for message attribute type '${dataType}'.`,
      );
    if (dataType.startsWith('Number') && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value.trim()))
      throw invalidValue(`Could not cast message attribute '${name}' value to number.`);
    if (dataType === 'String.Array') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        parsed = undefined;
      }
      if (!Array.isArray(parsed))
        throw invalidValue(`The message attribute '${name}' with type 'String.Array' must be a JSON array.`);
    }
    out.push({ name, dataType, value, binary });
  }
  if (new Set(out.map((a) => a.name)).size !== out.length)
    throw invalidParameter('MessageAttributes Reason: Duplicate attribute names.');
  return out;
}

/** Bytes counted against the 256 KiB limit: the message and each attribute's name, type and value. */
export function publishSize(message: string, attributes: MessageAttribute[]): number {
  let n = Buffer.byteLength(message);
  for (const a of attributes)
    n +=
      Buffer.byteLength(a.name) +
      Buffer.byteLength(a.dataType) +
      (a.binary ? Buffer.from(a.value, 'base64').length : Buffer.byteLength(a.value));
  return n;
}

/** ASCII, starting with a letter, digit or punctuation, no control characters, under 100 characters. */
export function checkSubject(subject: string): void {
  if (subject.length === 0 || subject.length >= 100 || !/^[\x21-\x7e][\x20-\x7e]*$/.test(subject))
    throw invalidParameter('Subject');
}

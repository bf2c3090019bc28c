// Typed access to a Logs JSON request body, with AWS's errors: wrong JSON types -> SerializationException,
// constraint violations -> InvalidParameterException "1 validation error detected: …".
import { AwsError } from '../core/errors.ts';
import type { JsonObject } from '../protocols/json.ts';
import { constraintMessage, JsonInput, nullMessage } from '../protocols/json-input.ts';

export function invalidParameter(message: string): AwsError {
  return new AwsError('InvalidParameterException', message, 400);
}

function constraint(value: string, field: string, rule: string): AwsError {
  return invalidParameter(constraintMessage(value, field, rule));
}

export const GROUP_NAME = /^[.\-_/#A-Za-z0-9]+$/;
export const STREAM_NAME = /^[^:*]+$/;

export class LogsInput extends JsonInput {
  constructor(body: JsonObject) {
    super(body, { validation: invalidParameter, field: (name) => name });
  }
}

export function nullError(field: string): AwsError {
  return invalidParameter(nullMessage(field));
}

/** Tags: at most 50; keys 1–128 and values 0–256 characters. */
export function checkTags(tags: Array<[string, string]>, field = 'tags'): void {
  if (tags.length > 50) throw constraint('{…}', field, 'Member must have length less than or equal to 50');
  for (const [k, v] of tags) {
    if (k.length < 1 || k.length > 128 || !/^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u.test(k))
      throw constraint(
        k,
        `${field}.key`,
        'Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$',
      );
    if (v.length > 256) throw constraint(v, `${field}.value`, 'Member must have length less than or equal to 256');
  }
}

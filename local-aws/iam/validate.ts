// Input checks for IAM parameters, with the ValidationError texts AWS sends (botocore's IAM model
// constraints: names, paths, descriptions, tags, paging).
import { AwsError } from '../core/errors.ts';
import type { Tag } from './model.ts';

export function validationError(message: string): AwsError {
  return new AwsError('ValidationError', message, 400);
}

function constraint(value: string, field: string, rule: string): AwsError {
  return validationError(
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${rule}`,
  );
}

export function checkLength(value: string, field: string, min: number, max: number): void {
  if (value.length < min) throw constraint(value, field, `Member must have length greater than or equal to ${min}`);
  if (value.length > max) throw constraint(value, field, `Member must have length less than or equal to ${max}`);
}

const NAME = /^[\w+=,.@-]+$/;

/** Role names `[\w+=,.@-]{1,64}`; policy names the same pattern up to 128. */
export function checkName(value: string, field: 'roleName' | 'policyName', max: number): void {
  checkLength(value, field, 1, max);
  if (!NAME.test(value)) throw constraint(value, field, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
}

const PATH_MESSAGE =
  'The specified value for path is invalid. ' +
  'It must begin and end with / and contain only alphanumeric characters and/or / characters.';

/** `/` or `/a/b/`, printable ASCII, at most 512 characters. */
export function checkPath(value: string): void {
  checkLength(value, 'path', 1, 512);
  if (!(value === '/' || /^\/[\x21-\x7e]+\/$/.test(value))) throw validationError(PATH_MESSAGE);
}

export function checkPathPrefix(value: string): void {
  checkLength(value, 'pathPrefix', 1, 512);
  if (!/^\/[\x21-\x7f]*$/.test(value))
    throw constraint(value, 'pathPrefix', 'Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*');
}

export function checkDescription(value: string | undefined): void {
  if (value === undefined) return;
  checkLength(value, 'description', 0, 1000);
  // eslint-disable-next-line no-control-regex -- IAM's allowed characters include tab, LF and CR
  if (!/^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/.test(value))
    throw constraint(
      value,
      'description',
      'Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*',
    );
}

export function checkMaxSessionDuration(value: number): void {
  if (value < 3600)
    throw constraint(String(value), 'maxSessionDuration', 'Member must have value greater than or equal to 3600');
  if (value > 43200)
    throw constraint(String(value), 'maxSessionDuration', 'Member must have value less than or equal to 43200');
}

/** MaxItems 1..1000 (default 100). */
export function checkMaxItems(value: number | undefined): number {
  if (value === undefined) return 100;
  if (value < 1) throw constraint(String(value), 'maxItems', 'Member must have value greater than or equal to 1');
  if (value > 1000) throw constraint(String(value), 'maxItems', 'Member must have value less than or equal to 1000');
  return value;
}

export const MAX_TAGS = 50;

export function checkTags(tags: Array<Record<string, string>>): Tag[] {
  if (tags.length > MAX_TAGS)
    throw constraint('[…]', 'tags', `Member must have length less than or equal to ${MAX_TAGS}`);
  const out: Tag[] = [];
  const seen = new Set<string>();
  tags.forEach((t, i) => {
    const key = t.Key;
    const value = t.Value ?? '';
    if (key === undefined) throw constraint('null', `tags.${i + 1}.member.key`, 'Member must not be null');
    checkLength(key, `tags.${i + 1}.member.key`, 1, 128);
    checkLength(value, `tags.${i + 1}.member.value`, 0, 256);
    if (!/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u.test(key))
      throw constraint(
        key,
        `tags.${i + 1}.member.key`,
        'Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+',
      );
    if (seen.has(key.toLowerCase()))
      throw new AwsError(
        'InvalidInput',
        'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
        400,
      );
    seen.add(key.toLowerCase());
    out.push({ Key: key, Value: value });
  });
  return out;
}

/** `arn:aws:iam::<acct>:<type><path><name>` -> parts, or undefined. */
export function parseIamArn(arn: string): { account: string; type: string; path: string; name: string } | undefined {
  const m = /^arn:aws:iam::(\d{12}|aws):(role|policy|user|group)(\/(?:[\x21-\x7e]*\/)?)([\w+=,.@-]+)$/.exec(arn);
  if (!m) return undefined;
  return { account: m[1]!, type: m[2]!, path: m[3]!, name: m[4]! };
}

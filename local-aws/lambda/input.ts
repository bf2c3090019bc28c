// Lambda's errors (docs/local-aws/protocols.md#lambda-errors) and typed access to its REST-JSON request bodies.
import { AwsError } from '../core/errors.ts';
import type { JsonObject } from '../protocols/json.ts';
import { constraintMessage, JsonInput, nullMessage } from '../protocols/json-input.ts';

export function invalidParameter(message: string): AwsError {
  return new AwsError('InvalidParameterValueException', message, 400);
}

/** Model constraint violations ("1 validation error detected: …"). */
export function validationError(message: string): AwsError {
  return new AwsError('ValidationException', message, 400);
}

export function resourceNotFound(message: string): AwsError {
  return new AwsError('ResourceNotFoundException', message, 404);
}

export function functionNotFound(arn: string): AwsError {
  return resourceNotFound(`Function not found: ${arn}`);
}

export function conflict(message: string): AwsError {
  return new AwsError('ResourceConflictException', message, 409);
}

export function preconditionFailed(what = 'GetFunction/GetAlias'): AwsError {
  return new AwsError(
    'PreconditionFailedException',
    'The Revision Id provided does not match the latest Revision Id. ' +
      `Call the ${what} API to retrieve the latest Revision Id`,
    412,
  );
}

export function tooLarge(message: string): AwsError {
  return new AwsError('RequestEntityTooLargeException', message, 413);
}

export function constraint(value: string, field: string, rule: string): AwsError {
  return validationError(constraintMessage(value, field, rule));
}

/** A string -> string record without a prototype, so names like `__proto__` stay plain keys. */
export function dict(entries: Iterable<[string, string]> = []): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of entries) out[k] = v;
  return out;
}

export class LambdaInput extends JsonInput {
  constructor(
    body: JsonObject,
    /** Prefix for nested field names in messages (`environment.`). */
    prefix = '',
  ) {
    super(body, {
      validation: validationError,
      field: (name) => prefix + name.charAt(0).toLowerCase() + name.slice(1),
    });
  }

  /** A nested structure, as its own input (field names in messages get `parent.` in front). */
  obj(name: string): LambdaInput | undefined {
    const v = this.structure(name);
    return v && new LambdaInput(v, this.field(name) + '.');
  }
}

export function nullError(field: string): AwsError {
  return validationError(nullMessage(field));
}

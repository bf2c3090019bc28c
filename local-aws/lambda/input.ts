// Lambda's errors (PROTOCOLS.md §3.3, §7) and typed access to its REST-JSON request bodies.
import { AwsError } from '../core/errors.ts';
import type { Json, JsonObject } from '../protocols/json.ts';

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
    `The Revision Id provided does not match the latest Revision Id. Call the ${what} API to retrieve the latest Revision Id`,
    412,
  );
}

export function tooLarge(message: string): AwsError {
  return new AwsError('RequestEntityTooLargeException', message, 413);
}

export function constraint(value: string, field: string, rule: string): AwsError {
  const shown = value.length > 200 ? value.slice(0, 200) + '…' : value;
  return validationError(`1 validation error detected: Value '${shown}' at '${field}' failed to satisfy constraint: ${rule}`);
}

function wrongType(field: string, expected: string): AwsError {
  return new AwsError('SerializationException', `Unexpected value type for '${field}': expected ${expected}.`, 400);
}

/** A string -> string record without a prototype, so names like `__proto__` stay plain keys. */
export function dict(entries: Iterable<[string, string]> = []): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of entries) out[k] = v;
  return out;
}

export class LambdaInput {
  constructor(
    private readonly body: JsonObject,
    /** Prefix for nested field names in messages (`environment.`). */
    private readonly prefix = '',
  ) {}

  raw(name: string): Exclude<Json, null> | undefined {
    const v = Object.hasOwn(this.body, name) ? this.body[name] : undefined;
    return v === null || v === undefined ? undefined : v;
  }

  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  private field(name: string): string {
    return this.prefix + name.charAt(0).toLowerCase() + name.slice(1);
  }

  str(name: string, opts: { min?: number; max?: number; pattern?: RegExp; patternText?: string } = {}): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw wrongType(name, 'a string');
    const f = this.field(name);
    if (opts.min !== undefined && v.length < opts.min) throw constraint(v, f, `Member must have length greater than or equal to ${opts.min}`);
    if (opts.max !== undefined && v.length > opts.max) throw constraint(v, f, `Member must have length less than or equal to ${opts.max}`);
    if (opts.pattern && !opts.pattern.test(v))
      throw constraint(v, f, `Member must satisfy regular expression pattern: ${opts.patternText ?? opts.pattern.source}`);
    return v;
  }

  requiredStr(name: string, opts: Parameters<LambdaInput['str']>[1] = {}): string {
    const v = this.str(name, opts);
    if (v === undefined) throw nullError(this.field(name));
    return v;
  }

  int(name: string, opts: { min?: number; max?: number } = {}): number | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw wrongType(name, 'an integer');
    const f = this.field(name);
    if (opts.min !== undefined && v < opts.min) throw constraint(String(v), f, `Member must have value greater than or equal to ${opts.min}`);
    if (opts.max !== undefined && v > opts.max) throw constraint(String(v), f, `Member must have value less than or equal to ${opts.max}`);
    return v;
  }

  bool(name: string): boolean | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw wrongType(name, 'a boolean');
    return v;
  }

  strList(name: string): string[] | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw wrongType(name, 'a list of strings');
    return v as string[];
  }

  /** A string -> string map as [key, value] pairs (so `__proto__` stays a plain key). */
  strMap(name: string): Array<[string, string]> | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw wrongType(name, 'a map');
    const out: Array<[string, string]> = [];
    for (const [k, val] of Object.entries(v)) {
      if (typeof val !== 'string') throw wrongType(`${name}.${k}`, 'a string');
      out.push([k, val]);
    }
    return out;
  }

  /** A nested structure, as its own input (field names in messages get `parent.` in front). */
  obj(name: string): LambdaInput | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw wrongType(name, 'a structure');
    return new LambdaInput(v, this.field(name) + '.');
  }
}

export function nullError(field: string): AwsError {
  return validationError(`1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
}

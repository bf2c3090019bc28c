// Typed access to a JSON request body (JSON 1.1 and REST-JSON services), with AWS's errors: a wrong
// JSON type -> SerializationException; a constraint -> the service's validation error, "1 validation
// error detected: …". Services differ only in that error's code and in how they name fields.
import { AwsError } from '../core/errors.ts';
import type { Json, JsonObject } from './json.ts';

export interface InputRules {
  /** The service's validation error (Lambda: ValidationException; Logs: InvalidParameterException). */
  validation(message: string): AwsError;
  /** How a member is named in messages (Lambda: `memorySize`; Logs: as sent). */
  field(name: string): string;
}

export function constraintMessage(value: string, field: string, rule: string): string {
  const shown = value.length > 200 ? value.slice(0, 200) + '…' : value;
  return `1 validation error detected: Value '${shown}' at '${field}' failed to satisfy constraint: ${rule}`;
}

export function nullMessage(field: string): string {
  return `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`;
}

function wrongType(field: string, expected: string): AwsError {
  return new AwsError('SerializationException', `Unexpected value type for '${field}': expected ${expected}.`, 400);
}

export class JsonInput {
  constructor(
    protected readonly body: JsonObject,
    protected readonly rules: InputRules,
  ) {}

  /** A member's value; null counts as absent. */
  raw(name: string): Exclude<Json, null> | undefined {
    const v = Object.hasOwn(this.body, name) ? this.body[name] : undefined;
    return v === null || v === undefined ? undefined : v;
  }

  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  protected field(name: string): string {
    return this.rules.field(name);
  }

  private constraint(value: string, name: string, rule: string): AwsError {
    return this.rules.validation(constraintMessage(value, this.field(name), rule));
  }

  private nullError(name: string): AwsError {
    return this.rules.validation(nullMessage(this.field(name)));
  }

  str(
    name: string,
    opts: { min?: number; max?: number; pattern?: RegExp; patternText?: string } = {},
  ): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw wrongType(name, 'a string');
    if (opts.min !== undefined && v.length < opts.min)
      throw this.constraint(v, name, `Member must have length greater than or equal to ${opts.min}`);
    if (opts.max !== undefined && v.length > opts.max)
      throw this.constraint(v, name, `Member must have length less than or equal to ${opts.max}`);
    if (opts.pattern && !opts.pattern.test(v))
      throw this.constraint(
        v,
        name,
        `Member must satisfy regular expression pattern: ${opts.patternText ?? opts.pattern.source}`,
      );
    return v;
  }

  requiredStr(name: string, opts: Parameters<JsonInput['str']>[1] = {}): string {
    const v = this.str(name, opts);
    if (v === undefined) throw this.nullError(name);
    return v;
  }

  int(name: string, opts: { min?: number; max?: number } = {}): number | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw wrongType(name, 'an integer');
    if (opts.min !== undefined && v < opts.min)
      throw this.constraint(String(v), name, `Member must have value greater than or equal to ${opts.min}`);
    if (opts.max !== undefined && v > opts.max)
      throw this.constraint(String(v), name, `Member must have value less than or equal to ${opts.max}`);
    return v;
  }

  bool(name: string): boolean | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw wrongType(name, 'a boolean');
    return v;
  }

  strList(name: string, opts: { min?: number; max?: number } = {}): string[] | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw wrongType(name, 'a list of strings');
    if (opts.min !== undefined && v.length < opts.min)
      throw this.constraint('[]', name, `Member must have length greater than or equal to ${opts.min}`);
    if (opts.max !== undefined && v.length > opts.max)
      throw this.constraint('[…]', name, `Member must have length less than or equal to ${opts.max}`);
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

  /** A nested structure, unchecked (the caller wraps it in its own input). */
  protected structure(name: string): JsonObject | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw wrongType(name, 'a structure');
    return v;
  }

  /** A list of structures (e.g. logEvents). */
  objList(name: string): JsonObject[] | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => x === null || typeof x !== 'object' || Array.isArray(x)))
      throw wrongType(name, 'a list of structures');
    return v as JsonObject[];
  }
}

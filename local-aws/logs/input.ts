// Typed access to a Logs JSON request body, with AWS's errors: wrong JSON types -> SerializationException,
// constraint violations -> InvalidParameterException "1 validation error detected: …".
import { AwsError } from '../core/errors.ts';
import type { Json, JsonObject } from '../protocols/json.ts';

export function invalidParameter(message: string): AwsError {
  return new AwsError('InvalidParameterException', message, 400);
}

function constraint(value: string, field: string, rule: string): AwsError {
  const shown = value.length > 200 ? value.slice(0, 200) + '…' : value;
  return invalidParameter(`1 validation error detected: Value '${shown}' at '${field}' failed to satisfy constraint: ${rule}`);
}

function wrongType(field: string, expected: string): AwsError {
  return new AwsError('SerializationException', `Unexpected value type for '${field}': expected ${expected}.`, 400);
}

export const GROUP_NAME = /^[.\-_/#A-Za-z0-9]+$/;
export const STREAM_NAME = /^[^:*]+$/;

export class LogsInput {
  constructor(private readonly body: JsonObject) {}

  private raw(name: string): Json | undefined {
    return Object.hasOwn(this.body, name) ? this.body[name] : undefined;
  }

  has(name: string): boolean {
    const v = this.raw(name);
    return v !== undefined && v !== null;
  }

  str(name: string, opts: { required?: boolean; min?: number; max?: number; pattern?: RegExp; patternText?: string } = {}): string | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) {
      if (opts.required) throw nullError(name);
      return undefined;
    }
    if (typeof v !== 'string') throw wrongType(name, 'a string');
    if (opts.min !== undefined && v.length < opts.min) throw constraint(v, name, `Member must have length greater than or equal to ${opts.min}`);
    if (opts.max !== undefined && v.length > opts.max) throw constraint(v, name, `Member must have length less than or equal to ${opts.max}`);
    if (opts.pattern && !opts.pattern.test(v))
      throw constraint(v, name, `Member must satisfy regular expression pattern: ${opts.patternText ?? opts.pattern.source}`);
    return v;
  }

  requiredStr(name: string, opts: { min?: number; max?: number; pattern?: RegExp; patternText?: string } = {}): string {
    return this.str(name, { ...opts, required: true })!;
  }

  int(name: string, opts: { min?: number; max?: number } = {}): number | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw wrongType(name, 'an integer');
    if (opts.min !== undefined && v < opts.min) throw constraint(String(v), name, `Member must have value greater than or equal to ${opts.min}`);
    if (opts.max !== undefined && v > opts.max) throw constraint(String(v), name, `Member must have value less than or equal to ${opts.max}`);
    return v;
  }

  bool(name: string): boolean | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw wrongType(name, 'a boolean');
    return v;
  }

  strList(name: string, opts: { min?: number; max?: number } = {}): string[] | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw wrongType(name, 'a list of strings');
    if (opts.min !== undefined && v.length < opts.min) throw constraint('[]', name, `Member must have length greater than or equal to ${opts.min}`);
    if (opts.max !== undefined && v.length > opts.max) throw constraint('[…]', name, `Member must have length less than or equal to ${opts.max}`);
    return v as string[];
  }

  /** A string -> string map as [key, value] pairs (so `__proto__` stays a plain key). */
  strMap(name: string): Array<[string, string]> | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw wrongType(name, 'a map');
    const out: Array<[string, string]> = [];
    for (const [k, val] of Object.entries(v)) {
      if (typeof val !== 'string') throw wrongType(`${name}.${k}`, 'a string');
      out.push([k, val]);
    }
    return out;
  }

  /** A list of objects (e.g. logEvents). */
  objList(name: string): JsonObject[] | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => x === null || typeof x !== 'object' || Array.isArray(x))) throw wrongType(name, 'a list of structures');
    return v as JsonObject[];
  }
}

export function nullError(field: string): AwsError {
  return invalidParameter(`1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
}

/** Tags: at most 50; keys 1–128 and values 0–256 characters. */
export function checkTags(tags: Array<[string, string]>, field = 'tags'): void {
  if (tags.length > 50) throw constraint('{…}', field, 'Member must have length less than or equal to 50');
  for (const [k, v] of tags) {
    if (k.length < 1 || k.length > 128 || !/^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u.test(k))
      throw constraint(k, `${field}.key`, 'Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$');
    if (v.length > 256) throw constraint(v, `${field}.value`, 'Member must have length less than or equal to 256');
  }
}

// The query protocol (IAM, STS, SNS): form-encoded input, XML output.
import { AwsError } from '../core/errors.ts';
import type { AwsRequest, AwsResponse } from '../core/request.ts';
import { toXml, xmlFragment, type XmlNode } from './xml.ts';

/** Form parameters with helpers for the `Name.member.N` list encoding. */
export class QueryParams {
  readonly params: URLSearchParams;

  constructor(req: Pick<AwsRequest, 'body' | 'query' | 'method'>) {
    const merged = new URLSearchParams(req.query);
    if (req.method === 'POST' && req.body.length > 0) {
      for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) merged.append(k, v);
    }
    this.params = merged;
  }

  get action(): string {
    return this.params.get('Action') ?? '';
  }

  get(name: string): string | undefined {
    return this.params.get(name) ?? undefined;
  }

  /** A required parameter: missing -> ValidationError as AWS reports it. */
  required(name: string): string {
    const v = this.params.get(name);
    if (v === null || v === '') {
      const camel = name.charAt(0).toLowerCase() + name.slice(1);
      throw new AwsError(
        'ValidationError',
        `1 validation error detected: Value null at '${camel}' failed to satisfy constraint: Member must not be null`,
        400,
      );
    }
    return v;
  }

  int(name: string): number | undefined {
    const v = this.params.get(name);
    if (v === null || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new AwsError('ValidationError', `Value '${v}' for ${name} is not an integer.`, 400);
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.params.get(name);
    return v === null ? undefined : v === 'true';
  }

  /** `Name.member.1`, `Name.member.2`, … in order. */
  list(name: string): string[] {
    const out: string[] = [];
    for (let i = 1; ; i++) {
      const v = this.params.get(`${name}.member.${i}`);
      if (v === null) return out;
      out.push(v);
    }
  }

  /** `Name.member.1.Key`, `Name.member.1.Value`, … as objects. */
  structList(name: string): Array<Record<string, string>> {
    const out: Array<Record<string, string>> = [];
    for (let i = 1; ; i++) {
      const prefix = `${name}.member.${i}.`;
      const item: Record<string, string> = {};
      for (const [k, v] of this.params) if (k.startsWith(prefix)) item[k.slice(prefix.length)] = v;
      if (Object.keys(item).length === 0) return out;
      out.push(item);
    }
  }

  /** `Name.entry.N.key` / `.value` (SNS uses `Name.entry.N.Name` / `.Value.*` too). */
  map(name: string): Array<Record<string, string>> {
    const out: Array<Record<string, string>> = [];
    for (let i = 1; ; i++) {
      const prefix = `${name}.entry.${i}.`;
      const item: Record<string, string> = {};
      for (const [k, v] of this.params) if (k.startsWith(prefix)) item[k.slice(prefix.length)] = v;
      if (Object.keys(item).length === 0) return out;
      out.push(item);
    }
  }
}

/** The query protocol's answer to an action a service does not have (or no Action at all). */
export function invalidAction(action: string, apiVersion: string): AwsError {
  return new AwsError(
    'InvalidAction',
    action
      ? `Could not find operation ${action} for version ${apiVersion} (the local AWS endpoint does not implement it).`
      : `Could not find operation  for version ${apiVersion}: the request has no Action parameter.`,
    400,
  );
}

/** `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…</ResponseMetadata></ActionResponse>` */
export function queryResponse(action: string, xmlns: string, requestId: string, result?: XmlNode): AwsResponse {
  const inner = result ? `<${action}Result>${xmlFragment(result)}</${action}Result>` : '';
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${xmlns}">${inner}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml' }, body };
}

export function renderQueryError(err: AwsError, requestId: string, xmlns: string): AwsResponse {
  const fields: XmlNode = {};
  for (const [k, v] of Object.entries(err.fields)) fields[k] = String(v);
  const body = toXml(
    'ErrorResponse',
    {
      Error: { Type: err.isServerFault ? 'Receiver' : 'Sender', Code: err.code, Message: err.message, ...fields },
      RequestId: requestId,
    },
    xmlns,
  );
  return { status: err.status, headers: { 'content-type': 'text/xml', ...err.headers }, body };
}

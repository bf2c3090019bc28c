// What every Logs operation handler gets, and the helpers they share (group references, ARNs, authorisation).
import type { LocalAwsConfig } from '../config.ts';
import { AwsError } from '../core/errors.ts';
import type { AwsRequest } from '../core/request.ts';
import type { Json } from '../protocols/json.ts';
import type { Authorizer } from '../iam/authorize.ts';
import { GROUP_NAME, invalidParameter, nullError, STREAM_NAME, type LogsInput } from './input.ts';
import type { LogsStore } from './store.ts';

/** What the Logs handlers use of the endpoint (Backend is one). */
export interface LogsBackend extends Pick<Authorizer, 'authorize'> {
  readonly config: LocalAwsConfig;
  readonly logs: LogsStore;
}

export interface LogsContext {
  req: AwsRequest;
  input: LogsInput;
  backend: LogsBackend;
  op: string;
}

export type LogsHandler = (ctx: LogsContext) => Promise<Json | undefined>;

export function groupArn(ctx: LogsContext, region: string, name: string): string {
  return `arn:aws:logs:${region}:${ctx.backend.config.accountId}:log-group:${name}`;
}

/** Authorises `logs:<Op>` for the caller. */
export function allow(ctx: LogsContext, resource: string): void {
  ctx.backend.authorize(ctx.req, `logs:${ctx.op}`, resource);
}

export const GROUP_PATTERN = { min: 1, max: 512, pattern: GROUP_NAME, patternText: '[\\.\\-_/#A-Za-z0-9]+' };
export const STREAM_PATTERN = { min: 1, max: 512, pattern: STREAM_NAME, patternText: '[^:*]*' };

/** `logGroupName`, or `logGroupIdentifier` (a name or a log-group ARN, possibly of another region). */
export function groupRef(ctx: LogsContext, opts: { identifier?: boolean } = {}): { region: string; name: string } {
  const byName = ctx.input.str('logGroupName', GROUP_PATTERN);
  const id = opts.identifier ? ctx.input.str('logGroupIdentifier', { min: 1, max: 2048 }) : undefined;
  if (byName !== undefined && id !== undefined)
    throw invalidParameter('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  if (byName !== undefined) return { region: ctx.req.region, name: byName };
  if (id === undefined) throw nullError('logGroupName');
  const m = /^arn:aws[\w-]*:logs:([a-z0-9-]+):(\d{12}):log-group:([^:]+)(:\*)?$/.exec(id);
  if (m) {
    if (m[2] !== ctx.backend.config.accountId)
      throw new AwsError('ResourceNotFoundException', 'The specified log group does not exist.', 400);
    return { region: m[1]!, name: m[3]! };
  }
  if (!GROUP_NAME.test(id)) throw invalidParameter(`Invalid logGroupIdentifier: ${id}`);
  return { region: ctx.req.region, name: id };
}

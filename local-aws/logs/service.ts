// Wire protocol of the local logs service (JSON 1.1, X-Amz-Target Logs_20140328.<Op>): parses requests,
// authorises them on the log-group / log-stream ARN, calls the store, renders responses.
import { AwsError } from '../core/errors.ts';
import type { AwsRequest, AwsResponse } from '../core/request.ts';
import { json11Response, jsonTarget, parseJsonBody, type JsonObject } from '../protocols/json.ts';
import { filterLogEvents, getLogEvents } from './events.ts';
import {
  allow,
  groupArn,
  groupRef,
  GROUP_PATTERN,
  STREAM_PATTERN,
  type LogsContext,
  type LogsHandler,
  type LogsBackend,
} from './context.ts';
import { invalidParameter, LogsInput, nullError, checkTags } from './input.ts';
import type { InputLogEvent, LogGroup, LogStream } from './store.ts';
import { TAG_HANDLERS } from './tags.ts';

function streamName(ctx: LogsContext): string {
  return ctx.input.requiredStr('logStreamName', STREAM_PATTERN);
}

function streamArn(ctx: LogsContext, region: string, group: string, stream: string): string {
  return `${groupArn(ctx, region, group)}:log-stream:${stream}`;
}

/** Opaque paging token for the Describe* operations: the offset of the next item. */
function offsetToken(ctx: LogsContext): number {
  const t = ctx.input.str('nextToken', { min: 1 });
  if (t === undefined) return 0;
  const m = /^o(\d{1,9})$/.exec(Buffer.from(t, 'base64url').toString('utf8'));
  if (!m) throw invalidParameter('The specified nextToken is invalid.');
  return Number(m[1]);
}

function pageOf<T>(items: T[], offset: number, limit: number): { items: T[]; nextToken?: string } {
  const slice = items.slice(offset, offset + limit);
  const next = offset + limit < items.length ? Buffer.from(`o${offset + limit}`).toString('base64url') : undefined;
  return { items: slice, nextToken: next };
}

const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

function groupJson(ctx: LogsContext, g: LogGroup): JsonObject {
  const arn = groupArn(ctx, g.meta.region, g.meta.name);
  const out: JsonObject = {
    logGroupName: g.meta.name,
    creationTime: g.meta.creationTime,
    metricFilterCount: 0,
    arn: `${arn}:*`,
    logGroupArn: arn,
    storedBytes: 0,
    logGroupClass: 'STANDARD',
    deletionProtectionEnabled: false,
  };
  if (g.meta.retentionInDays !== undefined) out.retentionInDays = g.meta.retentionInDays;
  return out;
}

function streamJson(ctx: LogsContext, g: LogGroup, s: LogStream): JsonObject {
  const out: JsonObject = {
    logStreamName: s.meta.name,
    creationTime: s.meta.creationTime,
    arn: streamArn(ctx, g.meta.region, g.meta.name, s.meta.name),
    storedBytes: 0,
  };
  if (s.firstEventTimestamp !== undefined) out.firstEventTimestamp = s.firstEventTimestamp;
  if (s.lastEventTimestamp !== undefined) out.lastEventTimestamp = s.lastEventTimestamp;
  if (s.lastIngestionTime !== undefined) out.lastIngestionTime = s.lastIngestionTime;
  return out;
}

/** Batch rules of PutLogEvents (docs/local-aws/protocols.md#putlogevents). */
function logEvents(ctx: LogsContext): InputLogEvent[] {
  const raw = ctx.input.objList('logEvents');
  if (raw === undefined) throw nullError('logEvents');
  if (raw.length < 1 || raw.length > 10000)
    throw invalidParameter(
      "1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length " +
        (raw.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 10000'),
    );
  let bytes = 0;
  const events = raw.map((e, i) => {
    const item = new LogsInput(e);
    const timestamp = item.int('timestamp', { min: 0 });
    if (timestamp === undefined) throw nullError(`logEvents.${i + 1}.member.timestamp`);
    const message = item.str('message', { min: 1 });
    if (message === undefined) throw nullError(`logEvents.${i + 1}.member.message`);
    bytes += Buffer.byteLength(message) + 26;
    return { timestamp, message };
  });
  if (bytes > 1048576) throw invalidParameter(`Upload too large: ${bytes} bytes exceeds limit of 1048576`);
  for (let i = 1; i < events.length; i++)
    if (events[i]!.timestamp < events[i - 1]!.timestamp)
      throw invalidParameter('Log events in a single PutLogEvents request must be in chronological order.');
  if (events.length > 0 && events[events.length - 1]!.timestamp - events[0]!.timestamp > 24 * 3600 * 1000)
    throw invalidParameter('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
  return events;
}

const HANDLERS: Record<string, LogsHandler> = {
  async CreateLogGroup(ctx) {
    const g = groupRef(ctx);
    const tags = ctx.input.strMap('tags') ?? [];
    checkTags(tags);
    ctx.input.str('kmsKeyId', { max: 256 });
    const cls = ctx.input.str('logGroupClass');
    if (cls !== undefined && !['STANDARD', 'INFREQUENT_ACCESS', 'DELIVERY'].includes(cls))
      throw invalidParameter(
        `1 validation error detected: Value '${cls}' at 'logGroupClass' failed to satisfy constraint: ` +
          'Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]',
      );
    allow(ctx, groupArn(ctx, g.region, g.name));
    await ctx.backend.logs.createGroup(g.region, g.name, tags);
    return undefined;
  },

  async DeleteLogGroup(ctx) {
    const g = groupRef(ctx);
    allow(ctx, groupArn(ctx, g.region, g.name));
    await ctx.backend.logs.deleteGroup(g.region, g.name);
    return undefined;
  },

  async DescribeLogGroups(ctx) {
    const prefix = ctx.input.str('logGroupNamePrefix', GROUP_PATTERN);
    const pattern = ctx.input.str('logGroupNamePattern', {
      min: 0,
      max: 512,
      pattern: /^[.\-_/#A-Za-z0-9]*$/,
      patternText: '[\\.\\-_/#A-Za-z0-9]*',
    });
    if (prefix !== undefined && pattern !== undefined)
      throw invalidParameter('LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.');
    const limit = ctx.input.int('limit', { min: 1, max: 50 }) ?? 50;
    const offset = offsetToken(ctx);
    allow(ctx, groupArn(ctx, ctx.req.region, '*'));
    const groups = ctx.backend.logs
      .listGroups(ctx.req.region)
      .filter(
        (g) =>
          (prefix === undefined || g.meta.name.startsWith(prefix)) &&
          (pattern === undefined || g.meta.name.includes(pattern)),
      );
    const page = pageOf(groups, offset, limit);
    const out: JsonObject = { logGroups: page.items.map((g) => groupJson(ctx, g)) };
    if (page.nextToken) out.nextToken = page.nextToken;
    return out;
  },

  async PutRetentionPolicy(ctx) {
    const g = groupRef(ctx);
    const days = ctx.input.int('retentionInDays');
    if (days === undefined) throw nullError('retentionInDays');
    if (!RETENTION_DAYS.includes(days))
      throw invalidParameter(
        `1 validation error detected: Value '${days}' at 'retentionInDays' failed to satisfy constraint: ` +
          `Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`,
      );
    allow(ctx, groupArn(ctx, g.region, g.name));
    const group = ctx.backend.logs.requireGroup(g.region, g.name);
    await ctx.backend.logs.updateGroup(group, (m) => (m.retentionInDays = days));
    return undefined;
  },

  async DeleteRetentionPolicy(ctx) {
    const g = groupRef(ctx);
    allow(ctx, groupArn(ctx, g.region, g.name));
    const group = ctx.backend.logs.requireGroup(g.region, g.name);
    await ctx.backend.logs.updateGroup(group, (m) => delete m.retentionInDays);
    return undefined;
  },

  async CreateLogStream(ctx) {
    const g = groupRef(ctx);
    const s = streamName(ctx);
    allow(ctx, streamArn(ctx, g.region, g.name, s));
    await ctx.backend.logs.createStream(g.region, g.name, s);
    return undefined;
  },

  async DeleteLogStream(ctx) {
    const g = groupRef(ctx);
    const s = streamName(ctx);
    allow(ctx, streamArn(ctx, g.region, g.name, s));
    await ctx.backend.logs.deleteStream(g.region, g.name, s);
    return undefined;
  },

  async DescribeLogStreams(ctx) {
    const g = groupRef(ctx, { identifier: true });
    const prefix = ctx.input.str('logStreamNamePrefix', STREAM_PATTERN);
    const orderBy = ctx.input.str('orderBy') ?? 'LogStreamName';
    if (orderBy !== 'LogStreamName' && orderBy !== 'LastEventTime')
      throw invalidParameter(
        `1 validation error detected: Value '${orderBy}' at 'orderBy' failed to satisfy constraint: ` +
          'Member must satisfy enum value set: [LogStreamName, LastEventTime]',
      );
    if (orderBy === 'LastEventTime' && prefix !== undefined)
      throw invalidParameter('Cannot order by LastEventTime with a logStreamNamePrefix.');
    const descending = ctx.input.bool('descending') === true;
    const limit = ctx.input.int('limit', { min: 1, max: 50 }) ?? 50;
    const offset = offsetToken(ctx);
    allow(ctx, groupArn(ctx, g.region, g.name));
    const group = ctx.backend.logs.requireGroup(g.region, g.name);
    let streams = group.sortedStreams().filter((s) => prefix === undefined || s.meta.name.startsWith(prefix));
    if (orderBy === 'LastEventTime') streams.sort((a, b) => (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0));
    if (descending) streams = streams.reverse();
    const page = pageOf(streams, offset, limit);
    const out: JsonObject = { logStreams: page.items.map((s) => streamJson(ctx, group, s)) };
    if (page.nextToken) out.nextToken = page.nextToken;
    return out;
  },

  async PutLogEvents(ctx) {
    const g = groupRef(ctx);
    const s = streamName(ctx);
    const events = logEvents(ctx);
    ctx.input.str('sequenceToken'); // accepted and ignored: AWS no longer checks it
    allow(ctx, streamArn(ctx, g.region, g.name, s));
    const rejected = await ctx.backend.logs.append(g.region, g.name, s, events);
    const out: JsonObject = { nextSequenceToken: String(Date.now()).padStart(56, '4') };
    if (Object.keys(rejected).length > 0) out.rejectedLogEventsInfo = { ...rejected };
    return out;
  },

  async GetLogEvents(ctx) {
    const g = groupRef(ctx, { identifier: true });
    const s = streamName(ctx);
    const startTime = ctx.input.int('startTime', { min: 0 });
    const endTime = ctx.input.int('endTime', { min: 0 });
    const limit = ctx.input.int('limit', { min: 1, max: 10000 }) ?? 10000;
    const startFromHead = ctx.input.bool('startFromHead') === true;
    const nextToken = ctx.input.str('nextToken', { min: 1 });
    ctx.input.bool('unmask');
    allow(ctx, streamArn(ctx, g.region, g.name, s));
    const stream = ctx.backend.logs.requireStream(g.region, g.name, s);
    return getLogEvents(stream, { startTime, endTime, limit, startFromHead, nextToken });
  },

  async FilterLogEvents(ctx) {
    const g = groupRef(ctx, { identifier: true });
    const names = ctx.input.strList('logStreamNames', { min: 1, max: 100 });
    const prefix = ctx.input.str('logStreamNamePrefix', STREAM_PATTERN);
    if (names !== undefined && prefix !== undefined)
      throw invalidParameter('You cannot specify both logStreamNames and logStreamNamePrefix in the same request.');
    const startTime = ctx.input.int('startTime', { min: 0 });
    const endTime = ctx.input.int('endTime', { min: 0 });
    const filterPattern = ctx.input.str('filterPattern', { max: 1024 });
    const limit = ctx.input.int('limit', { min: 1, max: 10000 }) ?? 10000;
    const nextToken = ctx.input.str('nextToken', { min: 1 });
    ctx.input.bool('interleaved'); // deprecated; results are always interleaved
    ctx.input.bool('unmask');
    allow(ctx, groupArn(ctx, g.region, g.name));
    const group = ctx.backend.logs.requireGroup(g.region, g.name);
    const wanted = names ? new Set(names) : undefined;
    const streams = group
      .sortedStreams()
      .filter((s) => (!wanted || wanted.has(s.meta.name)) && (prefix === undefined || s.meta.name.startsWith(prefix)));
    return filterLogEvents({ streams, startTime, endTime, filterPattern, limit, nextToken });
  },
};

export async function handleLogs(req: AwsRequest, backend: LogsBackend): Promise<AwsResponse> {
  const op = jsonTarget(req, 'Logs_20140328');
  const handler = Object.hasOwn(HANDLERS, op)
    ? HANDLERS[op]
    : Object.hasOwn(TAG_HANDLERS, op)
      ? TAG_HANDLERS[op]
      : undefined;
  if (!handler)
    throw new AwsError(
      'UnknownOperationException',
      `Unknown operation Logs_20140328.${op} (the local AWS endpoint does not implement it).`,
      400,
    );
  const input = new LogsInput(parseJsonBody(req));
  return json11Response(await handler({ req, input, backend, op }));
}

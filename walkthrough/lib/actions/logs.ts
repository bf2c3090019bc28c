// CloudWatch Logs actions: one SDK call each.
import {
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
  PutRetentionPolicyCommand,
  type FilteredLogEvent,
  type LogGroup,
  CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs';
import { awsCommand } from '../aws-cli.ts';
import { change, type ActionCtx } from './run.ts';
import { registerClient } from '../context.ts';

registerClient('logs', CloudWatchLogsClient);

/** DescribeLogGroups with the name as prefix: the group of exactly that name, if any. */
export async function describeLogGroups(ctx: ActionCtx, name: string): Promise<LogGroup | undefined> {
  const r = await ctx.clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
  return (r.logGroups ?? []).find((g) => g.logGroupName === name);
}

export function createLogGroup(ctx: ActionCtx, name: string, tags: Record<string, string>) {
  return change(
    ctx,
    `create log group ${name}`,
    awsCommand(ctx.cliTarget, 'logs', 'create-log-group', {
      'log-group-name': name,
      tags: Object.entries(tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    }),
    () => ctx.clients.logs.send(new CreateLogGroupCommand({ logGroupName: name, tags })),
  );
}

export function putRetentionPolicy(ctx: ActionCtx, name: string, days: number) {
  return change(
    ctx,
    `keep the logs of ${name} for ${days} days`,
    awsCommand(ctx.cliTarget, 'logs', 'put-retention-policy', { 'log-group-name': name, 'retention-in-days': days }),
    () => ctx.clients.logs.send(new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: days })),
  );
}

export function deleteLogGroup(ctx: ActionCtx, name: string) {
  return change(
    ctx,
    `delete log group ${name}`,
    awsCommand(ctx.cliTarget, 'logs', 'delete-log-group', { 'log-group-name': name }),
    () => ctx.clients.logs.send(new DeleteLogGroupCommand({ logGroupName: name })),
  );
}

/** Events matching a plain-text pattern (all pages). */
export async function filterLogEvents(
  ctx: ActionCtx,
  group: string,
  pattern: string,
  startTime: number,
): Promise<FilteredLogEvent[]> {
  const events: FilteredLogEvent[] = [];
  let nextToken: string | undefined;
  do {
    const r = await ctx.clients.logs.send(
      new FilterLogEventsCommand({ logGroupName: group, filterPattern: pattern, startTime, nextToken }),
    );
    events.push(...(r.events ?? []));
    nextToken = r.nextToken;
  } while (nextToken);
  return events;
}

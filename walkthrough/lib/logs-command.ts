// What `npm run logs` does once connected: checks the log group is there, prints the `aws logs tail`
// equivalent (--cli), then the events since --since grouped by invocation, and with --follow goes on.
import { describeLogGroups } from './actions/logs.ts';
import { awsCommand } from './aws-cli.ts';
import type { Ctx } from './context.ts';
import { UserError } from './errors.ts';
import { follow } from './log-follow.ts';
import {
  DEFAULT_SINCE,
  fetchWindow,
  formatInvocations,
  groupByInvocation,
  parseSince,
  withFrames,
} from './log-view.ts';
import { logGroupName } from './policies.ts';
import { runFirst } from './steps.ts';

export interface LogsOptions {
  since: string;
  filter?: string;
  follow: boolean;
}

export function logsOptions(argv: Ctx['argv']): LogsOptions {
  const since = argv.since === undefined ? DEFAULT_SINCE : String(argv.since);
  const filter = argv.filter === undefined ? undefined : String(argv.filter);
  return { since, filter: filter?.trim() ? filter : undefined, follow: Boolean(argv.follow) };
}

/** `aws logs tail` with the same window, pattern and --follow. */
export function logsTailCli(ctx: Pick<Ctx, 'cliTarget'>, group: string, o: LogsOptions): string {
  return awsCommand(
    ctx.cliTarget,
    'logs',
    'tail',
    { since: o.since, 'filter-pattern': o.filter, follow: o.follow, format: 'short' },
    [group],
  );
}

export async function showLogs(ctx: Ctx, signal: AbortSignal): Promise<number> {
  const o = logsOptions(ctx.argv);
  const startTime = parseSince(o.since);
  const group = logGroupName(ctx.settings);
  ctx.report.cli(logsTailCli(ctx, group, o));
  if (!(await describeLogGroups(ctx, group)))
    throw new UserError(
      `There is no log group ${group} yet: the function has not been created here ` +
        `(${ctx.settings.target}, ${ctx.settings.region}).`,
      runFirst('function'),
    );
  const what = `${group} since ${new Date(startTime).toISOString()}${o.filter ? `, matching ${o.filter}` : ''}`;
  if (o.follow) {
    ctx.report.info(`following ${what} (Ctrl-C to stop)`);
    await follow(ctx, { group, startTime, filter: o.filter, signal, print: (t) => ctx.report.print(t) });
    return 0;
  }
  const groups = groupByInvocation(withFrames(await fetchWindow(ctx, group, startTime, o.filter)));
  if (groups.length === 0) ctx.report.info(`no log events in ${what}`);
  else {
    ctx.report.info(`${groups.length} invocation(s) in ${what}, newest last`);
    ctx.report.print(formatInvocations(groups).join('\n'));
  }
  return 0;
}

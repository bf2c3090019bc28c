// SNS -> IAM, CloudWatch Logs: delivery status logging assumes the topic's feedback role as
// sns.amazonaws.com and writes with that role's permissions.
import { serviceRoleCaller } from '../iam/service-role.ts';
import type { IamStore } from '../iam/store.ts';
import type { LogsStore } from '../logs/store.ts';
import type { StatusLogServices } from '../sns/status-log.ts';

const SNS = 'sns.amazonaws.com';

export function statusLogServices(iam: IamStore, logs: LogsStore, accountId: string): StatusLogServices {
  return {
    roleSession(roleArn, topicName) {
      const role = iam.roleByArn(roleArn);
      if (!role || !iam.canAssume(role, { service: SNS })) return undefined;
      return serviceRoleCaller(role, accountId, 'SNS', `SNS-${topicName}`);
    },
    allowed: (caller, action, resource) => iam.evaluate(caller, action, resource) === 'allow',
    ensureLogGroup: (region, group) => logs.ensureLogGroup(region, group),
    ensureLogStream: (region, group, stream) => logs.ensureLogStream(region, group, stream),
    putLogEvents: (region, group, stream, events) => logs.putLogEvents(region, group, stream, events),
  };
}

// A role as an AWS service acts with it on its own behalf (Lambda sending to a destination, SNS
// writing delivery status): the session caller IAM evaluates, without credentials being issued.
import type { SessionCaller } from '../core/request.ts';
import type { Role } from './model.ts';

export function serviceRoleCaller(
  role: Role,
  accountId: string,
  sessionName: string,
  /** The session part of the assumed-role ARN, when it differs from the session name. */
  arnSessionName = sessionName,
): SessionCaller {
  return {
    kind: 'session',
    accountId,
    accessKeyId: '',
    arn: `arn:aws:sts::${accountId}:assumed-role/${role.roleName}/${arnSessionName}`.slice(0, 2048),
    userId: `${role.roleId}:${sessionName}`,
    roleName: role.roleName,
    roleArn: role.arn,
    sessionName,
    expiration: new Date(Date.now() + 3600_000),
  };
}

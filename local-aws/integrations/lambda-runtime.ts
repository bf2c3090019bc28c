// Lambda -> IAM, STS, CloudWatch Logs: the few things Lambda asks of them. The execution engine
// assumes the function's role for each environment and writes the function's logs as that role;
// the control plane asks whether the function's role may invoke a destination function.
import type { LocalAwsConfig } from '../config.ts';
import { serviceRoleCaller } from '../iam/service-role.ts';
import type { IamStore } from '../iam/store.ts';
import type { EngineServices } from '../lambda/runtime/contract.ts';
import type { RolePermission } from '../lambda/store.ts';
import type { LogsStore } from '../logs/store.ts';
import { AssumeRoleRefused, assumeRoleForService } from '../sts/assume.ts';
import { sessionCaller, type StsStore } from '../sts/store.ts';

interface Stores {
  readonly config: Pick<LocalAwsConfig, 'accountId'>;
  readonly iam: IamStore;
  readonly sts: StsStore;
  readonly logs: LogsStore;
}

export function engineServices(stores: Stores): EngineServices {
  const { iam, sts, logs } = stores;
  return {
    roleExists: (roleArn) => iam.roleByArn(roleArn) !== undefined,
    async assumeRole(roleArn, sessionName, durationSeconds) {
      try {
        return await assumeRoleForService(stores, roleArn, 'lambda.amazonaws.com', sessionName, durationSeconds);
      } catch (e) {
        if (e instanceof AssumeRoleRefused) return undefined;
        throw e;
      }
    },
    sessionValid: (session) => sts.find(session.accessKeyId) !== undefined,
    allowed: (session, action, resource) => iam.evaluate(sessionCaller(session), action, resource) === 'allow',
    logs,
  };
}

/** The function's role as Lambda uses it on the function's behalf (session named after the function). */
export function lambdaRolePermission(iam: IamStore, accountId: string): RolePermission {
  return (roleArn, sessionName, action, resource) => {
    const role = iam.roleByArn(roleArn);
    return (
      role !== undefined && iam.evaluate(serviceRoleCaller(role, accountId, sessionName), action, resource) === 'allow'
    );
  };
}

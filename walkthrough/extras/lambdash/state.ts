// lambdash's state, kept in a state file of its own beside the walkthrough's
// (`lambdash-<target>-<account>-<region>.json`, written by lib/state.ts): what lambdash created,
// written before each create so an interrupted deploy resumes and teardown knows what is its own;
// and what is deployed, so a run normally costs one Invoke.
import type { FunctionRecord, OwnedResource } from '../../lib/state.ts';
import type { TargetKind } from '../../lib/settings.ts';

export interface DeployedFunction {
  codeSha256: string;
  /** The function's timeout, seconds. */
  timeout: number;
  memorySize: number;
  architecture: string;
  roleArn: string;
  bucket: string;
}

export interface LambdashState {
  version: 1;
  target: TargetKind;
  endpoint?: string;
  accountId: string;
  region: string;
  updatedAt?: string;
  role?: OwnedResource & { arn: string };
  bucket?: OwnedResource;
  logGroup?: OwnedResource;
  function?: FunctionRecord & { deployed?: DeployedFunction };
}

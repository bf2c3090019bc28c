// Typed state of the local IAM: roles, inline and managed policies, attachments, tags.
// (Contract used by other services; IAM's own wire code is in service.ts.)
import type { LocalAwsConfig } from '../config.ts';
import type { SessionCaller } from '../core/request.ts';

export interface Tag {
  Key: string;
  Value: string;
}

export interface Role {
  roleName: string;
  /** `AROA` + 17 characters */
  roleId: string;
  arn: string;
  path: string;
  /** The trust policy as JSON text (decoded, not URL-encoded). */
  assumeRolePolicyDocument: string;
  description?: string;
  maxSessionDuration: number;
  /** ISO 8601 */
  createDate: string;
  tags: Tag[];
  /** Inline policies: name -> JSON text. */
  inlinePolicies: Record<string, string>;
  /** ARNs of attached managed policies. */
  attachedPolicyArns: string[];
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

/** Values for policy conditions (aws:SourceArn, aws:SourceAccount, …), keys case-insensitive. */
export type ConditionContext = Record<string, string>;

/** Who asks to assume a role: an AWS service (`lambda.amazonaws.com`) or an IAM/STS principal ARN. */
export type AssumingPrincipal = { service: string } | { arn: string; accountId: string };

export class IamStore {
  constructor(readonly config: LocalAwsConfig) {}

  getRole(_roleName: string): Role | undefined {
    return undefined;
  }

  /** `arn:aws:iam::<acct>:role[/path]/<name>` -> the role, if it exists. */
  roleByArn(_arn: string): Role | undefined {
    return undefined;
  }

  /** Does the role's trust policy let this principal call sts:AssumeRole? */
  canAssume(_role: Role, _principal: AssumingPrincipal): boolean {
    return false;
  }

  /** The identity-policy decision for a role session (inline + attached managed policies). */
  evaluate(_caller: SessionCaller, _action: string, _resource: string, _context: ConditionContext = {}): Decision {
    return 'allow';
  }

  async close(): Promise<void> {}
}

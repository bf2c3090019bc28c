// IAM's records (roles, customer managed policies, tags): shared by the store and its helpers.

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

/** Who asks to assume a role: an AWS service (`lambda.amazonaws.com`) or an IAM/STS principal ARN. */
export type AssumingPrincipal = { service: string } | { arn: string; accountId: string };

/** A customer managed policy and its versions. */
export interface StoredPolicy {
  policyName: string;
  policyId: string;
  arn: string;
  path: string;
  description?: string;
  createDate: string;
  updateDate: string;
  defaultVersionId: string;
  versions: Array<{ versionId: string; document: string; createDate: string }>;
  nextVersion: number;
  tags: Tag[];
}

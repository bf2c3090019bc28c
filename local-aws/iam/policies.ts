// Managed policies: the customer's own (with up to 5 versions) and AWS's (read-only). Mutations here
// are in memory; the caller (IamStore / the IAM service) saves the state before answering.
import { AwsError } from '../core/errors.ts';
import { AWS_MANAGED_POLICIES, awsManagedPolicy } from './managed-policies.ts';
import { parsePolicyDocument } from './policy.ts';
import { isoNow, uniqueId } from './ids.ts';
import type { StoredPolicy, Tag } from './model.ts';

export interface PolicyVersion {
  versionId: string;
  /** JSON text (decoded). */
  document: string;
  createDate: string;
}

/** One view over customer and AWS managed policies. */
export interface PolicyView {
  policyName: string;
  policyId: string;
  arn: string;
  path: string;
  description?: string;
  defaultVersionId: string;
  createDate: string;
  updateDate: string;
  isAws: boolean;
  attachmentCount: number;
  tags: Tag[];
  versions: PolicyVersion[];
}

export const MAX_POLICY_VERSIONS = 5;

export function noSuchPolicy(arn: string): AwsError {
  return new AwsError('NoSuchEntity', `Policy ${arn} was not found.`, 404);
}

export class ManagedPolicies {
  /** ARN -> customer managed policy. */
  private readonly byArn = new Map<string, StoredPolicy>();

  constructor(
    private readonly accountId: string,
    stored: StoredPolicy[],
    private readonly attachmentCount: (arn: string) => number,
  ) {
    for (const p of stored) this.byArn.set(p.arn, p);
  }

  all(): StoredPolicy[] {
    return [...this.byArn.values()];
  }

  get(arn: string): PolicyView | undefined {
    const aws = awsManagedPolicy(arn);
    if (aws) {
      const { document, ...rest } = aws;
      return {
        ...rest,
        isAws: true,
        attachmentCount: this.attachmentCount(arn),
        tags: [],
        versions: [{ versionId: aws.defaultVersionId, document, createDate: aws.createDate }],
      };
    }
    const p = this.byArn.get(arn);
    if (!p) return undefined;
    const { nextVersion: _next, ...rest } = p;
    return { ...rest, isAws: false, attachmentCount: this.attachmentCount(arn) };
  }

  require(arn: string): PolicyView {
    const p = this.get(arn);
    if (!p) throw noSuchPolicy(arn);
    return p;
  }

  private requireOwn(arn: string): StoredPolicy {
    if (awsManagedPolicy(arn)) throw new AwsError('AccessDenied', `Cannot modify an AWS managed policy: ${arn}`, 403);
    const p = this.byArn.get(arn);
    if (!p) throw noSuchPolicy(arn);
    return p;
  }

  /** The default version's JSON text (for evaluation). */
  defaultDocument(arn: string): string | undefined {
    const p = this.get(arn);
    return p?.versions.find((v) => v.versionId === p.defaultVersionId)?.document;
  }

  create(opts: {
    policyName: string;
    path: string;
    document: string;
    description?: string;
    tags: Tag[];
  }): StoredPolicy {
    const lower = opts.policyName.toLowerCase();
    if ([...this.byArn.values()].some((p) => p.policyName.toLowerCase() === lower))
      throw new AwsError(
        'EntityAlreadyExists',
        `A policy called ${opts.policyName} already exists. Duplicate names are not allowed.`,
        409,
      );
    parsePolicyDocument(opts.document, 'identity');
    const now = isoNow();
    const policy: StoredPolicy = {
      policyName: opts.policyName,
      policyId: uniqueId('ANPA'),
      arn: `arn:aws:iam::${this.accountId}:policy${opts.path}${opts.policyName}`,
      path: opts.path,
      description: opts.description,
      createDate: now,
      updateDate: now,
      defaultVersionId: 'v1',
      versions: [{ versionId: 'v1', document: opts.document, createDate: now }],
      nextVersion: 2,
      tags: opts.tags,
    };
    this.byArn.set(policy.arn, policy);
    return policy;
  }

  delete(arn: string): void {
    this.requireOwn(arn);
    this.byArn.delete(arn);
  }

  /** Customer (`Local`) and/or AWS policies, sorted by name. */
  list(opts: { scope: 'All' | 'AWS' | 'Local'; onlyAttached: boolean; pathPrefix: string }): PolicyView[] {
    const arns: string[] = [];
    if (opts.scope !== 'Local') arns.push(...AWS_MANAGED_POLICIES.map((p) => p.arn));
    if (opts.scope !== 'AWS') arns.push(...this.byArn.keys());
    return arns
      .map((arn) => this.get(arn)!)
      .filter((p) => p.path.startsWith(opts.pathPrefix) && (!opts.onlyAttached || p.attachmentCount > 0))
      .sort((a, b) => (a.policyName.toLowerCase() < b.policyName.toLowerCase() ? -1 : 1));
  }

  getVersion(arn: string, versionId: string): PolicyVersion {
    const p = this.require(arn);
    const v = p.versions.find((x) => x.versionId === versionId);
    if (!v)
      throw new AwsError(
        'NoSuchEntity',
        `Policy ${arn} version ${versionId} does not exist or is not attachable.`,
        404,
      );
    return v;
  }

  createVersion(arn: string, document: string, setAsDefault: boolean): PolicyVersion {
    const p = this.requireOwn(arn);
    if (p.versions.length >= MAX_POLICY_VERSIONS)
      throw new AwsError(
        'LimitExceeded',
        `A managed policy can have up to ${MAX_POLICY_VERSIONS} versions. ` +
          'Before you create a new version, you must delete an existing version.',
        409,
      );
    parsePolicyDocument(document, 'identity');
    const version: PolicyVersion = { versionId: `v${p.nextVersion++}`, document, createDate: isoNow() };
    p.versions.push(version);
    if (setAsDefault) p.defaultVersionId = version.versionId;
    p.updateDate = version.createDate;
    return version;
  }

  setDefaultVersion(arn: string, versionId: string): void {
    const p = this.requireOwn(arn);
    this.getVersion(arn, versionId);
    p.defaultVersionId = versionId;
    p.updateDate = isoNow();
  }

  deleteVersion(arn: string, versionId: string): void {
    const p = this.requireOwn(arn);
    this.getVersion(arn, versionId);
    if (p.defaultVersionId === versionId)
      throw new AwsError('DeleteConflict', 'Cannot delete the default version of a policy.', 409);
    p.versions = p.versions.filter((v) => v.versionId !== versionId);
  }
}

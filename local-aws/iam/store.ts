// Typed state of the local IAM: roles, inline and managed policies, attachments, tags.
// (Contract used by other services; IAM's own wire code is in service.ts.)
import * as path from 'node:path';
import type { LocalAwsConfig } from '../config.ts';
import { AwsError } from '../core/errors.ts';
import { JsonFile } from '../core/persist.ts';
import type { SessionCaller } from '../core/request.ts';
import {
  evaluatePolicies,
  evaluatePoliciesDetailed,
  type ConditionContext,
  type Decision,
  type EvaluationResult,
  type RequestPrincipal,
} from './evaluate.ts';
import { parsePolicyDocument, type PolicyDocument } from './policy.ts';
import { isoNow, uniqueId } from './ids.ts';
import { ManagedPolicies, type PolicyView } from './policies.ts';
import type { AssumingPrincipal, Role, StoredPolicy, Tag } from './model.ts';
import { MAX_TAGS, parseIamArn } from './validate.ts';

export type { ConditionContext, Decision } from './evaluate.ts';

export type { AssumingPrincipal, Role, StoredPolicy, Tag } from './model.ts';

interface IamState {
  roles: Role[];
  policies: StoredPolicy[];
}

/** A record without a prototype: names like `__proto__` are plain keys. */
function dict(entries: Record<string, string> = {}): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(entries)) out[k] = v;
  return out;
}

export function noSuchRole(name: string): AwsError {
  return new AwsError('NoSuchEntity', `The role with name ${name} cannot be found.`, 404);
}

export class IamStore {
  private readonly file: JsonFile<IamState>;
  /** Lower-cased role name -> role (IAM names are unique without case). */
  private readonly roles = new Map<string, Role>();
  readonly policies: ManagedPolicies;
  private readonly parsed = new Map<string, PolicyDocument>();
  private readonly roleDeleted: Array<(roleArn: string) => Promise<void>> = [];

  constructor(readonly config: LocalAwsConfig) {
    this.file = new JsonFile<IamState>(path.join(config.dataDir, 'iam', 'state.json'), () => ({
      roles: [],
      policies: [],
    }));
    for (const r of this.file.data.roles)
      this.roles.set(r.roleName.toLowerCase(), { ...r, inlinePolicies: dict(r.inlinePolicies) });
    this.policies = new ManagedPolicies(
      config.accountId,
      this.file.data.policies,
      (arn) => this.attachedRoles(arn).length,
    );
  }

  /** Writes the whole state durably; call (and await) before answering a mutating request. */
  async save(): Promise<void> {
    this.file.data = { roles: [...this.roles.values()], policies: this.policies.all() };
    await this.file.save();
  }

  // ---- roles ----

  getRole(roleName: string): Role | undefined {
    return this.roles.get(roleName.toLowerCase());
  }

  requireRole(roleName: string): Role {
    const role = this.getRole(roleName);
    if (!role) throw noSuchRole(roleName);
    return role;
  }

  /** `arn:aws:iam::<acct>:role[/path]/<name>` -> the role, if it exists. */
  roleByArn(arn: string): Role | undefined {
    const parts = parseIamArn(arn);
    if (!parts || parts.type !== 'role' || parts.account !== this.config.accountId) return undefined;
    const role = this.getRole(parts.name);
    return role && role.path === parts.path ? role : undefined;
  }

  roleArn(rolePath: string, roleName: string): string {
    return `arn:aws:iam::${this.config.accountId}:role${rolePath}${roleName}`;
  }

  /** All roles sorted by name, optionally under a path prefix. */
  listRoles(pathPrefix = '/'): Role[] {
    return [...this.roles.values()]
      .filter((r) => r.path.startsWith(pathPrefix))
      .sort((a, b) => (a.roleName.toLowerCase() < b.roleName.toLowerCase() ? -1 : 1));
  }

  async createRole(opts: {
    roleName: string;
    path: string;
    assumeRolePolicyDocument: string;
    description?: string;
    maxSessionDuration: number;
    tags: Tag[];
  }): Promise<Role> {
    if (this.getRole(opts.roleName))
      throw new AwsError('EntityAlreadyExists', `Role with name ${opts.roleName} already exists.`, 409);
    parsePolicyDocument(opts.assumeRolePolicyDocument, 'trust');
    const role: Role = {
      roleName: opts.roleName,
      roleId: uniqueId('AROA'),
      arn: this.roleArn(opts.path, opts.roleName),
      path: opts.path,
      assumeRolePolicyDocument: opts.assumeRolePolicyDocument,
      description: opts.description,
      maxSessionDuration: opts.maxSessionDuration,
      createDate: isoNow(),
      tags: opts.tags,
      inlinePolicies: dict(),
      attachedPolicyArns: [],
    };
    this.roles.set(role.roleName.toLowerCase(), role);
    await this.save();
    return role;
  }

  async deleteRole(roleName: string): Promise<Role> {
    const role = this.requireRole(roleName);
    if (role.attachedPolicyArns.length > 0)
      throw new AwsError('DeleteConflict', 'Cannot delete entity, must detach all policies first.', 409);
    if (Object.keys(role.inlinePolicies).length > 0)
      throw new AwsError('DeleteConflict', 'Cannot delete entity, must delete policies first.', 409);
    this.roles.delete(role.roleName.toLowerCase());
    await this.save();
    for (const listener of this.roleDeleted) await listener(role.arn);
    return role;
  }

  /** Runs (awaited) after each role deletion: STS revokes the role's sessions (wired in backend.ts). */
  onRoleDeleted(listener: (roleArn: string) => Promise<void>): void {
    this.roleDeleted.push(listener);
  }

  async updateRole(roleName: string, changes: { description?: string; maxSessionDuration?: number }): Promise<void> {
    const role = this.requireRole(roleName);
    if (changes.description !== undefined) role.description = changes.description;
    if (changes.maxSessionDuration !== undefined) role.maxSessionDuration = changes.maxSessionDuration;
    await this.save();
  }

  async updateAssumeRolePolicy(roleName: string, document: string): Promise<void> {
    const role = this.requireRole(roleName);
    parsePolicyDocument(document, 'trust');
    role.assumeRolePolicyDocument = document;
    await this.save();
  }

  // ---- inline policies ----

  async putRolePolicy(roleName: string, policyName: string, document: string): Promise<void> {
    const role = this.requireRole(roleName);
    parsePolicyDocument(document, 'identity');
    role.inlinePolicies[policyName] = document;
    await this.save();
  }

  getRolePolicy(roleName: string, policyName: string): string {
    const role = this.requireRole(roleName);
    const doc = role.inlinePolicies[policyName];
    if (doc === undefined)
      throw new AwsError('NoSuchEntity', `The role policy with name ${policyName} cannot be found.`, 404);
    return doc;
  }

  async deleteRolePolicy(roleName: string, policyName: string): Promise<void> {
    this.getRolePolicy(roleName, policyName);
    delete this.requireRole(roleName).inlinePolicies[policyName];
    await this.save();
  }

  // ---- attachments ----

  attachedRoles(policyArn: string): Role[] {
    return [...this.roles.values()].filter((r) => r.attachedPolicyArns.includes(policyArn));
  }

  async attachRolePolicy(roleName: string, policyArn: string): Promise<void> {
    const role = this.requireRole(roleName);
    const policy = this.policies.get(policyArn);
    if (!policy) throw new AwsError('NoSuchEntity', `Policy ${policyArn} does not exist or is not attachable.`, 404);
    if (!role.attachedPolicyArns.includes(policy.arn)) role.attachedPolicyArns.push(policy.arn);
    await this.save();
  }

  async detachRolePolicy(roleName: string, policyArn: string): Promise<void> {
    const role = this.requireRole(roleName);
    const i = role.attachedPolicyArns.indexOf(policyArn);
    if (i < 0) throw new AwsError('NoSuchEntity', `Policy ${policyArn} was not found.`, 404);
    role.attachedPolicyArns.splice(i, 1);
    await this.save();
  }

  attachedPolicies(roleName: string): PolicyView[] {
    const role = this.requireRole(roleName);
    return role.attachedPolicyArns.map((arn) => this.policies.get(arn)).filter((p): p is PolicyView => p !== undefined);
  }

  async deletePolicy(policyArn: string): Promise<void> {
    const policy = this.policies.require(policyArn);
    if (policy.isAws) throw new AwsError('AccessDenied', `Cannot delete an AWS managed policy: ${policyArn}`, 403);
    if (this.attachedRoles(policy.arn).length > 0)
      throw new AwsError('DeleteConflict', 'Cannot delete a policy attached to entities.', 409);
    this.policies.delete(policy.arn);
    await this.save();
  }

  // ---- tags ----

  async tagRole(roleName: string, tags: Tag[]): Promise<void> {
    const role = this.requireRole(roleName);
    const merged = [...role.tags];
    for (const t of tags) {
      const i = merged.findIndex((m) => m.Key.toLowerCase() === t.Key.toLowerCase());
      if (i >= 0) merged[i] = t;
      else merged.push(t);
    }
    if (merged.length > MAX_TAGS)
      throw new AwsError('LimitExceeded', `Cannot exceed quota for TagsPerRole: ${MAX_TAGS}.`, 409);
    role.tags = merged;
    await this.save();
  }

  async untagRole(roleName: string, keys: string[]): Promise<void> {
    const role = this.requireRole(roleName);
    const drop = new Set(keys.map((k) => k.toLowerCase()));
    role.tags = role.tags.filter((t) => !drop.has(t.Key.toLowerCase()));
    await this.save();
  }

  // ---- evaluation (contract for the other services) ----

  private parse(text: string): PolicyDocument {
    let doc = this.parsed.get(text);
    if (!doc) {
      doc = JSON.parse(text) as PolicyDocument;
      if (this.parsed.size > 2000) this.parsed.clear();
      this.parsed.set(text, doc);
    }
    return doc;
  }

  /** The identity policies of a role: inline, then attached managed (default versions). */
  rolePolicies(role: Role): PolicyDocument[] {
    const docs = Object.values(role.inlinePolicies).map((t) => this.parse(t));
    for (const arn of role.attachedPolicyArns) {
      const doc = this.policies.defaultDocument(arn);
      if (doc !== undefined) docs.push(this.parse(doc));
    }
    return docs;
  }

  /** The trust policy's verdict on sts:AssumeRole, and whether it named the principal or only its account. */
  trustDecision(role: Role, principal: RequestPrincipal, context: ConditionContext = {}): EvaluationResult {
    return evaluatePoliciesDetailed([this.parse(role.assumeRolePolicyDocument)], {
      action: 'sts:AssumeRole',
      resource: role.arn,
      principal,
      context,
    });
  }

  /** Does the role's trust policy let this principal call sts:AssumeRole? */
  canAssume(role: Role, principal: AssumingPrincipal): boolean {
    const p: RequestPrincipal =
      'service' in principal
        ? { type: 'Service', service: principal.service }
        : { type: 'AWS', arn: principal.arn, accountId: principal.accountId };
    return this.trustDecision(role, p).decision === 'allow';
  }

  /** The identity-policy decision for a role session (inline + attached managed policies, and session policies). */
  evaluate(caller: SessionCaller, action: string, resource: string, context: ConditionContext = {}): Decision {
    const role = this.roleByArn(caller.roleArn);
    if (!role) return 'implicit-deny';
    const ctx: ConditionContext = {
      'aws:PrincipalArn': role.arn,
      'aws:PrincipalAccount': caller.accountId,
      'aws:userid': caller.userId,
      'aws:PrincipalType': 'AssumedRole',
      ...context,
    };
    const request = { action, resource, context: ctx };
    const identity = evaluatePolicies(this.rolePolicies(role), request);
    const sessionPolicies = caller.sessionPolicies ?? [];
    if (sessionPolicies.length === 0 || identity === 'explicit-deny') return identity;
    const session = evaluatePolicies(
      sessionPolicies.map((t) => this.parse(t)),
      request,
    );
    if (session === 'explicit-deny') return session;
    return identity === 'allow' && session === 'allow' ? 'allow' : 'implicit-deny';
  }

  /** Every write was awaited by its request: nothing left to flush. */
  async close(): Promise<void> {}
}

// IAM actions: one SDK call each, the client passed in through the context.
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
  type Role,
  type Tag,
  IAMClient,
} from '@aws-sdk/client-iam';
import { awsCommand, cliJson } from '../aws-cli.ts';
import { isNotFound } from '../errors.ts';
import { decodePolicy, type PolicyDocument } from '../policies.ts';
import { change, type ActionCtx } from './run.ts';
import { registerClient } from '../context.ts';

registerClient('iam', IAMClient);

export async function getRole(ctx: ActionCtx, roleName: string): Promise<Role | undefined> {
  try {
    return (await ctx.clients.iam.send(new GetRoleCommand({ RoleName: roleName }))).Role;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function listRoleTags(ctx: ActionCtx, roleName: string): Promise<Tag[]> {
  return (await ctx.clients.iam.send(new ListRoleTagsCommand({ RoleName: roleName }))).Tags ?? [];
}

export function createRole(ctx: ActionCtx, roleName: string, trust: PolicyDocument, tags: Tag[], description: string) {
  return change(
    ctx,
    `create role ${roleName}`,
    awsCommand(ctx.cliTarget, 'iam', 'create-role', {
      'role-name': roleName,
      'assume-role-policy-document': cliJson(trust),
      description,
      tags: tags.map((t) => `Key=${t.Key},Value=${t.Value}`),
    }),
    async () =>
      (
        await ctx.clients.iam.send(
          new CreateRoleCommand({
            RoleName: roleName,
            AssumeRolePolicyDocument: JSON.stringify(trust),
            Description: description,
            Tags: tags,
          }),
        )
      ).Role,
  );
}

export function updateAssumeRolePolicy(ctx: ActionCtx, roleName: string, trust: PolicyDocument) {
  return change(
    ctx,
    `update the trust policy of ${roleName}`,
    awsCommand(ctx.cliTarget, 'iam', 'update-assume-role-policy', {
      'role-name': roleName,
      'policy-document': cliJson(trust),
    }),
    () =>
      ctx.clients.iam.send(
        new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: JSON.stringify(trust) }),
      ),
  );
}

export async function getRolePolicy(ctx: ActionCtx, roleName: string, policyName: string): Promise<unknown> {
  try {
    const r = await ctx.clients.iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
    return decodePolicy(r.PolicyDocument);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export function putRolePolicy(ctx: ActionCtx, roleName: string, policyName: string, policy: PolicyDocument) {
  return change(
    ctx,
    `put inline policy ${policyName} on ${roleName}`,
    awsCommand(ctx.cliTarget, 'iam', 'put-role-policy', {
      'role-name': roleName,
      'policy-name': policyName,
      'policy-document': cliJson(policy),
    }),
    () =>
      ctx.clients.iam.send(
        new PutRolePolicyCommand({
          RoleName: roleName,
          PolicyName: policyName,
          PolicyDocument: JSON.stringify(policy),
        }),
      ),
  );
}

export async function listRolePolicies(ctx: ActionCtx, roleName: string): Promise<string[]> {
  return (await ctx.clients.iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
}

export async function listAttachedRolePolicies(ctx: ActionCtx, roleName: string): Promise<string[]> {
  const r = await ctx.clients.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
  return (r.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? '').filter(Boolean);
}

export function deleteRolePolicy(ctx: ActionCtx, roleName: string, policyName: string) {
  return change(
    ctx,
    `delete inline policy ${policyName} of ${roleName}`,
    awsCommand(ctx.cliTarget, 'iam', 'delete-role-policy', { 'role-name': roleName, 'policy-name': policyName }),
    () => ctx.clients.iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName })),
  );
}

export function detachRolePolicy(ctx: ActionCtx, roleName: string, policyArn: string) {
  return change(
    ctx,
    `detach ${policyArn} from ${roleName}`,
    awsCommand(ctx.cliTarget, 'iam', 'detach-role-policy', { 'role-name': roleName, 'policy-arn': policyArn }),
    () => ctx.clients.iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn })),
  );
}

export function deleteRole(ctx: ActionCtx, roleName: string) {
  return change(
    ctx,
    `delete role ${roleName}`,
    awsCommand(ctx.cliTarget, 'iam', 'delete-role', { 'role-name': roleName }),
    () => ctx.clients.iam.send(new DeleteRoleCommand({ RoleName: roleName })),
  );
}

// Wire protocol of the local iam service (query protocol): parses requests, authorises them, calls
// the store, renders responses. Role operations are here; managed-policy operations in service-policies.ts.
import { AwsError } from '../core/errors.ts';
import type { AwsRequest, AwsResponse } from '../core/request.ts';
import { invalidAction, QueryParams, queryResponse } from '../protocols/query.ts';
import { allow, checkPolicyArn, type IamBackend, type IamContext, type IamHandler } from './context.ts';
import { IAM_XMLNS, encodeDocument, page, pagingXml, roleXml, tagsXml } from './render.ts';
import { POLICY_HANDLERS } from './service-policies.ts';
import {
  checkDescription,
  checkLength,
  checkMaxItems,
  checkMaxSessionDuration,
  checkName,
  checkPath,
  checkPathPrefix,
  checkTags,
} from './validate.ts';

function roleName(ctx: IamContext): string {
  const name = ctx.params.required('RoleName');
  checkName(name, 'roleName', 64);
  return name;
}

/** The role's ARN for authorisation (the plain `role/<name>` form when it does not exist). */
function roleResource(ctx: IamContext, name: string): string {
  return ctx.backend.iam.getRole(name)?.arn ?? ctx.backend.iam.roleArn('/', name);
}

/** Names the role, authorises the call on it, then returns it (NoSuchEntity when missing). */
function authorizedRole(ctx: IamContext) {
  const name = roleName(ctx);
  allow(ctx, roleResource(ctx, name));
  return ctx.backend.iam.requireRole(name);
}

function policyName(ctx: IamContext): string {
  const name = ctx.params.required('PolicyName');
  checkName(name, 'policyName', 128);
  return name;
}

function document(ctx: IamContext, param: string): string {
  const doc = ctx.params.required(param);
  checkLength(doc, param.charAt(0).toLowerCase() + param.slice(1), 1, 131072);
  return doc;
}

function maxItems(ctx: IamContext): number {
  return checkMaxItems(ctx.params.int('MaxItems'));
}

const ROLE_HANDLERS: Record<string, IamHandler> = {
  async CreateRole(ctx) {
    const name = roleName(ctx);
    const path = ctx.params.get('Path') ?? '/';
    checkPath(path);
    const description = ctx.params.get('Description');
    checkDescription(description);
    const maxSessionDuration = ctx.params.int('MaxSessionDuration') ?? 3600;
    checkMaxSessionDuration(maxSessionDuration);
    const tags = checkTags(ctx.params.structList('Tags'));
    const doc = document(ctx, 'AssumeRolePolicyDocument');
    allow(ctx, ctx.backend.iam.roleArn(path, name));
    const role = await ctx.backend.iam.createRole({
      roleName: name,
      path,
      assumeRolePolicyDocument: doc,
      description,
      maxSessionDuration,
      tags,
    });
    return { Role: roleXml(role) };
  },

  async GetRole(ctx) {
    return { Role: roleXml(authorizedRole(ctx), { lastUsed: true }) };
  },

  async ListRoles(ctx) {
    const prefix = ctx.params.get('PathPrefix') ?? '/';
    checkPathPrefix(prefix);
    allow(ctx, '*');
    const p = page(
      ctx.backend.iam.listRoles(prefix),
      (r) => r.roleName.toLowerCase(),
      ctx.params.get('Marker'),
      maxItems(ctx),
    );
    return { Roles: { member: p.items.map((r) => roleXml(r, { tags: false })) }, ...pagingXml(p) };
  },

  async DeleteRole(ctx) {
    const role = authorizedRole(ctx);
    // Sessions of a deleted role stop working at once (IamStore.onRoleDeleted).
    await ctx.backend.iam.deleteRole(role.roleName);
    return undefined;
  },

  async UpdateRole(ctx) {
    const role = authorizedRole(ctx);
    const description = ctx.params.get('Description');
    checkDescription(description);
    const maxSessionDuration = ctx.params.int('MaxSessionDuration');
    if (maxSessionDuration !== undefined) checkMaxSessionDuration(maxSessionDuration);
    await ctx.backend.iam.updateRole(role.roleName, { description, maxSessionDuration });
    return {};
  },

  async UpdateRoleDescription(ctx) {
    const role = authorizedRole(ctx);
    const description = ctx.params.required('Description');
    checkDescription(description);
    await ctx.backend.iam.updateRole(role.roleName, { description });
    return { Role: roleXml(role) };
  },

  async UpdateAssumeRolePolicy(ctx) {
    const role = authorizedRole(ctx);
    await ctx.backend.iam.updateAssumeRolePolicy(role.roleName, document(ctx, 'PolicyDocument'));
    return undefined;
  },

  async PutRolePolicy(ctx) {
    const role = authorizedRole(ctx);
    const name = policyName(ctx);
    await ctx.backend.iam.putRolePolicy(role.roleName, name, document(ctx, 'PolicyDocument'));
    return undefined;
  },

  async GetRolePolicy(ctx) {
    const role = authorizedRole(ctx);
    const name = policyName(ctx);
    const doc = ctx.backend.iam.getRolePolicy(role.roleName, name);
    return { RoleName: role.roleName, PolicyName: name, PolicyDocument: encodeDocument(doc) };
  },

  async DeleteRolePolicy(ctx) {
    const role = authorizedRole(ctx);
    await ctx.backend.iam.deleteRolePolicy(role.roleName, policyName(ctx));
    return undefined;
  },

  async ListRolePolicies(ctx) {
    const role = authorizedRole(ctx);
    const names = Object.keys(role.inlinePolicies).sort();
    const p = page(names, (n) => n, ctx.params.get('Marker'), maxItems(ctx));
    return { PolicyNames: { member: p.items }, ...pagingXml(p) };
  },

  async AttachRolePolicy(ctx) {
    const role = authorizedRole(ctx);
    const arn = ctx.params.required('PolicyArn');
    checkPolicyArn(arn);
    await ctx.backend.iam.attachRolePolicy(role.roleName, arn);
    return undefined;
  },

  async DetachRolePolicy(ctx) {
    const role = authorizedRole(ctx);
    const arn = ctx.params.required('PolicyArn');
    checkPolicyArn(arn);
    await ctx.backend.iam.detachRolePolicy(role.roleName, arn);
    return undefined;
  },

  async ListAttachedRolePolicies(ctx) {
    const role = authorizedRole(ctx);
    const prefix = ctx.params.get('PathPrefix') ?? '/';
    checkPathPrefix(prefix);
    const attached = ctx.backend.iam
      .attachedPolicies(role.roleName)
      .filter((x) => x.path.startsWith(prefix))
      .sort((a, b) => (a.policyName < b.policyName ? -1 : 1));
    const p = page(attached, (x) => x.policyName, ctx.params.get('Marker'), maxItems(ctx));
    return {
      AttachedPolicies: { member: p.items.map((x) => ({ PolicyName: x.policyName, PolicyArn: x.arn })) },
      ...pagingXml(p),
    };
  },

  async TagRole(ctx) {
    const role = authorizedRole(ctx);
    const tags = checkTags(ctx.params.structList('Tags'));
    await ctx.backend.iam.tagRole(role.roleName, tags);
    return undefined;
  },

  async UntagRole(ctx) {
    const role = authorizedRole(ctx);
    const keys = ctx.params.list('TagKeys');
    if (keys.length > 50)
      throw new AwsError(
        'ValidationError',
        "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: " +
          'Member must have length less than or equal to 50',
        400,
      );
    await ctx.backend.iam.untagRole(role.roleName, keys);
    return undefined;
  },

  async ListRoleTags(ctx) {
    const role = authorizedRole(ctx);
    const p = page(role.tags, (t) => t.Key, ctx.params.get('Marker'), maxItems(ctx));
    return { Tags: tagsXml(p.items), ...pagingXml(p) };
  },
};

const HANDLERS: Record<string, IamHandler> = { ...ROLE_HANDLERS, ...POLICY_HANDLERS };

export async function handleIam(req: AwsRequest, backend: IamBackend): Promise<AwsResponse> {
  const params = new QueryParams(req);
  const action = params.action;
  const handler = Object.hasOwn(HANDLERS, action) ? HANDLERS[action] : undefined;
  if (!handler) throw invalidAction(action, '2010-05-08');
  const result = await handler({ req, params, backend });
  return queryResponse(action, IAM_XMLNS, req.requestId, result);
}

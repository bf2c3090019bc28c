// IAM managed-policy operations (CreatePolicy, GetPolicy, versions, ListPolicies, ListEntitiesForPolicy).
import { AwsError } from '../core/errors.ts';
import { page, pagingXml, policyXml, versionXml } from './render.ts';
import { allow, checkPolicyArn, type IamContext, type IamHandler } from './context.ts';
import {
  checkDescription,
  checkLength,
  checkMaxItems,
  checkName,
  checkPath,
  checkPathPrefix,
  checkTags,
} from './validate.ts';

function policyArn(ctx: IamContext): string {
  const arn = ctx.params.required('PolicyArn');
  checkPolicyArn(arn);
  allow(ctx, arn);
  return arn;
}

function versionId(ctx: IamContext): string {
  const v = ctx.params.required('VersionId');
  if (!/^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$/.test(v))
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value '${v}' at 'versionId' failed to satisfy constraint: ` +
        `Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?`,
      400,
    );
  return v;
}

function policyDocument(ctx: IamContext): string {
  const doc = ctx.params.required('PolicyDocument');
  checkLength(doc, 'policyDocument', 1, 131072);
  return doc;
}

export const POLICY_HANDLERS: Record<string, IamHandler> = {
  async CreatePolicy(ctx) {
    const name = ctx.params.required('PolicyName');
    checkName(name, 'policyName', 128);
    const path = ctx.params.get('Path') ?? '/';
    checkPath(path);
    const description = ctx.params.get('Description');
    checkDescription(description);
    const tags = checkTags(ctx.params.structList('Tags'));
    const doc = policyDocument(ctx);
    allow(ctx, `arn:aws:iam::${ctx.backend.config.accountId}:policy${path}${name}`);
    const created = ctx.backend.iam.policies.create({ policyName: name, path, document: doc, description, tags });
    await ctx.backend.iam.save();
    return { Policy: policyXml(ctx.backend.iam.policies.require(created.arn), { tags: true }) };
  },

  async GetPolicy(ctx) {
    return { Policy: policyXml(ctx.backend.iam.policies.require(policyArn(ctx)), { tags: true }) };
  },

  async DeletePolicy(ctx) {
    await ctx.backend.iam.deletePolicy(policyArn(ctx));
    return undefined;
  },

  async ListPolicies(ctx) {
    const scope = ctx.params.get('Scope') ?? 'All';
    if (scope !== 'All' && scope !== 'AWS' && scope !== 'Local')
      throw new AwsError(
        'ValidationError',
        `1 validation error detected: Value '${scope}' at 'scope' failed to satisfy constraint: ` +
          'Member must satisfy enum value set: [All, AWS, Local]',
        400,
      );
    const pathPrefix = ctx.params.get('PathPrefix') ?? '/';
    checkPathPrefix(pathPrefix);
    allow(ctx, '*');
    const all = ctx.backend.iam.policies.list({
      scope,
      onlyAttached: ctx.params.bool('OnlyAttached') === true,
      pathPrefix,
    });
    const p = page(
      all,
      (x) => x.policyName.toLowerCase() + '\n' + x.arn,
      ctx.params.get('Marker'),
      checkMaxItems(ctx.params.int('MaxItems')),
    );
    return { Policies: { member: p.items.map((x) => policyXml(x)) }, ...pagingXml(p) };
  },

  async GetPolicyVersion(ctx) {
    const arn = policyArn(ctx);
    const id = versionId(ctx);
    const policy = ctx.backend.iam.policies.require(arn);
    const v = ctx.backend.iam.policies.getVersion(arn, id);
    return { PolicyVersion: versionXml(v, policy.defaultVersionId, true) };
  },

  async ListPolicyVersions(ctx) {
    const policy = ctx.backend.iam.policies.require(policyArn(ctx));
    // Newest first, as IAM lists them.
    const versions = [...policy.versions].reverse();
    const p = page(
      versions,
      (v) => String(1e9 - Number(v.versionId.slice(1))).padStart(10, '0'),
      ctx.params.get('Marker'),
      checkMaxItems(ctx.params.int('MaxItems')),
    );
    return { Versions: { member: p.items.map((v) => versionXml(v, policy.defaultVersionId, false)) }, ...pagingXml(p) };
  },

  async CreatePolicyVersion(ctx) {
    const arn = policyArn(ctx);
    const doc = policyDocument(ctx);
    const v = ctx.backend.iam.policies.createVersion(arn, doc, ctx.params.bool('SetAsDefault') === true);
    await ctx.backend.iam.save();
    return { PolicyVersion: versionXml(v, ctx.backend.iam.policies.require(arn).defaultVersionId, false) };
  },

  async SetDefaultPolicyVersion(ctx) {
    const arn = policyArn(ctx);
    ctx.backend.iam.policies.setDefaultVersion(arn, versionId(ctx));
    await ctx.backend.iam.save();
    return undefined;
  },

  async DeletePolicyVersion(ctx) {
    const arn = policyArn(ctx);
    ctx.backend.iam.policies.deleteVersion(arn, versionId(ctx));
    await ctx.backend.iam.save();
    return undefined;
  },

  async ListEntitiesForPolicy(ctx) {
    const arn = policyArn(ctx);
    ctx.backend.iam.policies.require(arn);
    const filter = ctx.params.get('EntityFilter');
    const pathPrefix = ctx.params.get('PathPrefix') ?? '/';
    checkPathPrefix(pathPrefix);
    const roles =
      filter === undefined || filter === 'Role'
        ? ctx.backend.iam
            .attachedRoles(arn)
            .filter((r) => r.path.startsWith(pathPrefix))
            .sort((a, b) => (a.roleName.toLowerCase() < b.roleName.toLowerCase() ? -1 : 1))
        : [];
    const p = page(
      roles,
      (r) => r.roleName.toLowerCase(),
      ctx.params.get('Marker'),
      checkMaxItems(ctx.params.int('MaxItems')),
    );
    return {
      PolicyGroups: { member: [] },
      PolicyUsers: { member: [] },
      PolicyRoles: { member: p.items.map((r) => ({ RoleName: r.roleName, RoleId: r.roleId })) },
      ...pagingXml(p),
    };
  },
};

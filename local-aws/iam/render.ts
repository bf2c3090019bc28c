// IAM response shapes (query protocol XML) and list paging, as botocore's IAM model describes them.
import type { XmlNode } from '../protocols/xml.ts';
import type { PolicyVersion, PolicyView } from './policies.ts';
import type { Role, Tag } from './store.ts';

export const IAM_XMLNS = 'https://iam.amazonaws.com/doc/2010-05-08/';

/** IAM returns policy documents URL-encoded (RFC 3986); the CLI decodes them, SDK users call decodeURIComponent. */
export function encodeDocument(json: string): string {
  return encodeURIComponent(json);
}

export function tagsXml(tags: Tag[]): XmlNode {
  return { member: tags.map((t) => ({ Key: t.Key, Value: t.Value })) };
}

export function roleXml(role: Role, opts: { lastUsed?: boolean; tags?: boolean } = {}): XmlNode {
  return {
    Path: role.path,
    RoleName: role.roleName,
    RoleId: role.roleId,
    Arn: role.arn,
    CreateDate: role.createDate,
    AssumeRolePolicyDocument: encodeDocument(role.assumeRolePolicyDocument),
    Description: role.description,
    MaxSessionDuration: role.maxSessionDuration,
    Tags: opts.tags !== false && role.tags.length > 0 ? tagsXml(role.tags) : undefined,
    RoleLastUsed: opts.lastUsed ? {} : undefined,
  };
}

export function policyXml(p: PolicyView, opts: { tags?: boolean } = {}): XmlNode {
  return {
    PolicyName: p.policyName,
    PolicyId: p.policyId,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: p.defaultVersionId,
    AttachmentCount: p.attachmentCount,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    Description: p.description,
    CreateDate: p.createDate,
    UpdateDate: p.updateDate,
    Tags: opts.tags && p.tags.length > 0 ? tagsXml(p.tags) : undefined,
  };
}

export function versionXml(v: PolicyVersion, defaultVersionId: string, withDocument: boolean): XmlNode {
  return {
    Document: withDocument ? encodeDocument(v.document) : undefined,
    VersionId: v.versionId,
    IsDefaultVersion: v.versionId === defaultVersionId,
    CreateDate: v.createDate,
  };
}

export interface Page<T> {
  items: T[];
  isTruncated: boolean;
  marker?: string;
}

/** Marker = opaque (base64url) key of the last item returned; the next page starts after it. */
export function page<T>(items: T[], key: (item: T) => string, marker: string | undefined, maxItems: number): Page<T> {
  let start = 0;
  if (marker) {
    const after = Buffer.from(marker, 'base64url').toString('utf8');
    start = items.findIndex((i) => key(i) > after);
    if (start < 0) start = items.length;
  }
  const slice = items.slice(start, start + maxItems);
  const isTruncated = start + maxItems < items.length;
  return {
    items: slice,
    isTruncated,
    marker: isTruncated ? Buffer.from(key(slice[slice.length - 1]!), 'utf8').toString('base64url') : undefined,
  };
}

/** `{ IsTruncated, Marker }` fields of a paged result. */
export function pagingXml<T>(p: Page<T>): XmlNode {
  return { IsTruncated: p.isTruncated, Marker: p.marker };
}

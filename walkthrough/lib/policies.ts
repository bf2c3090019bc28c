// The role's documents: who may assume it, and the least it needs (the official tutorial grants
// arn:aws:s3:::*/*, far too wide).
import type { ResolvedSettings } from './settings.ts';

export const SUITE_TAG = { Key: 'created-by', Value: 's3-thumbnail-walkthrough' } as const;

/** Does a tag list carry `tag` (by default the suite's own)? Tags decide what a teardown may remove. */
export function hasTag(
  tags: ReadonlyArray<{ Key?: string; Value?: string }>,
  tag: { Key: string; Value: string } = SUITE_TAG,
): boolean {
  return tags.some((t) => t.Key === tag.Key && t.Value === tag.Value);
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Array<Record<string, unknown>>;
}

export function lambdaTrustPolicy(): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  };
}

/** `aws`, `aws-cn` or `aws-us-gov`, from an ARN of the caller. */
export function partitionOf(arn: string): string {
  return arn.split(':')[1] || 'aws';
}

/** The sharp layer's name: one per function, so two walkthroughs in one account keep theirs apart. */
export function layerName(functionName: string): string {
  return `${functionName}-sharp`;
}

export function logGroupName(s: Pick<ResolvedSettings, 'functionName'>): string {
  return `/aws/lambda/${s.functionName}`;
}

export function thumbnailPolicy(s: ResolvedSettings, partition: string): PolicyDocument {
  const logGroupArn = `arn:${partition}:logs:${s.region}:${s.accountId}:log-group:${logGroupName(s)}`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadSourceImages',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: `arn:${partition}:s3:::${s.sourceBucket}/*`,
      },
      {
        Sid: 'WriteThumbnails',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: `arn:${partition}:s3:::${s.destBucket}/*`,
      },
      // The group ARN appears as `…:log-group:<name>` or `…:log-group:<name>:*` depending on the API.
      {
        Sid: 'CreateOwnLogGroup',
        Effect: 'Allow',
        Action: 'logs:CreateLogGroup',
        Resource: [logGroupArn, `${logGroupArn}:*`],
      },
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `${logGroupArn}:*`,
      },
    ],
  };
}

/** Compares policy documents by meaning, not by spacing or key order. */
export function samePolicy(a: unknown, b: unknown): boolean {
  const normalize = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(normalize);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, normalize((v as Record<string, unknown>)[k])]),
      );
    return v;
  };
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

/** IAM returns documents URL-encoded (the SDK hands back the encoded text). */
export function decodePolicy(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(decodeURIComponent(text));
  } catch {
    return JSON.parse(text);
  }
}

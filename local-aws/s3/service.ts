// Wire protocol of the local s3 service (REST-XML): finds the operation from the method, the
// address (service, bucket or object) and the sub-resource in the query, then runs its route.
// Operations this endpoint does not implement answer NotImplemented with their name.
import type { Backend } from '../backend.ts';
import { AwsError, notImplemented } from '../core/errors.ts';
import type { AwsRequest, AwsResponse } from '../core/request.ts';
import { addressOf, methodNotAllowed, type S3Context, type S3Handler } from './context.ts';
import * as config from './routes/bucket-config.ts';
import * as buckets from './routes/buckets.ts';
import { completeMultipartUpload } from './routes/complete.ts';
import { copyObject } from './routes/copy.ts';
import { deleteObjects } from './routes/delete-objects.ts';
import { listObjectVersions } from './routes/list-versions.ts';
import * as list from './routes/list.ts';
import * as multipart from './routes/multipart.ts';
import * as tagging from './routes/object-tagging.ts';
import * as objects from './routes/objects.ts';
import { uploadPartCopy } from './routes/part-copy.ts';
import * as read from './routes/read.ts';

type Method = 'GET' | 'PUT' | 'HEAD' | 'DELETE' | 'POST';
type Table = Partial<Record<string, Partial<Record<Method, S3Handler>>>>;

/** Bucket sub-resources ('' = none) and what each method does with them. */
const BUCKET: Table = {
  '': {
    PUT: buckets.createBucket,
    HEAD: buckets.headBucket,
    DELETE: buckets.deleteBucket,
    GET: (ctx) => (ctx.req.query.get('list-type') === '2' ? list.listObjectsV2(ctx) : list.listObjectsV1(ctx)),
    POST: async () => {
      throw notImplemented('s3', 'PostObject (HTML form upload)');
    },
  },
  location: { GET: buckets.getBucketLocation },
  versioning: { GET: buckets.getBucketVersioning, PUT: buckets.putBucketVersioning },
  versions: { GET: listObjectVersions },
  uploads: { GET: list.listMultipartUploads },
  notification: { GET: config.getNotification, PUT: config.putNotification },
  publicAccessBlock: {
    GET: config.getPublicAccessBlock,
    PUT: config.putPublicAccessBlock,
    DELETE: config.deletePublicAccessBlock,
  },
  tagging: { GET: config.getBucketTagging, PUT: config.putBucketTagging, DELETE: config.deleteBucketTagging },
  delete: { POST: deleteObjects },
};

const OBJECT: Table = {
  '': {
    PUT: (ctx) => (ctx.req.headers['x-amz-copy-source'] !== undefined ? copyObject(ctx) : objects.putObject(ctx)),
    GET: read.getObject,
    HEAD: read.headObject,
    DELETE: objects.deleteObject,
  },
  uploads: { POST: multipart.createMultipartUpload },
  uploadId: {
    PUT: (ctx) =>
      ctx.req.headers['x-amz-copy-source'] !== undefined ? uploadPartCopy(ctx) : multipart.uploadPart(ctx),
    POST: completeMultipartUpload,
    DELETE: multipart.abortMultipartUpload,
    GET: multipart.listParts,
  },
  tagging: { GET: tagging.getObjectTagging, PUT: tagging.putObjectTagging, DELETE: tagging.deleteObjectTagging },
};

/** Sub-resources S3 has but this endpoint does not implement, with the name of their operations. */
const UNSUPPORTED_BUCKET: Record<string, string> = {
  acl: 'BucketAcl',
  policy: 'BucketPolicy',
  policyStatus: 'BucketPolicyStatus',
  lifecycle: 'BucketLifecycleConfiguration',
  cors: 'BucketCors',
  website: 'BucketWebsite',
  logging: 'BucketLogging',
  replication: 'BucketReplication',
  encryption: 'BucketEncryption',
  requestPayment: 'BucketRequestPayment',
  accelerate: 'BucketAccelerateConfiguration',
  analytics: 'BucketAnalyticsConfiguration',
  inventory: 'BucketInventoryConfiguration',
  metrics: 'BucketMetricsConfiguration',
  'intelligent-tiering': 'BucketIntelligentTieringConfiguration',
  ownershipControls: 'BucketOwnershipControls',
  'object-lock': 'ObjectLockConfiguration',
  metadataTable: 'BucketMetadataTableConfiguration',
  metadataConfiguration: 'BucketMetadataConfiguration',
  session: 'CreateSession',
  abac: 'BucketAbac',
};
const UNSUPPORTED_OBJECT: Record<string, string> = {
  acl: 'ObjectAcl',
  'legal-hold': 'ObjectLegalHold',
  retention: 'ObjectRetention',
  torrent: 'ObjectTorrent',
  restore: 'RestoreObject',
  select: 'SelectObjectContent',
  attributes: 'ObjectAttributes',
  renameObject: 'RenameObject',
};

const VERB: Record<string, string> = { GET: 'Get', PUT: 'Put', DELETE: 'Delete', HEAD: 'Head', POST: 'Post' };

function subresource(req: AwsRequest, table: Table, unsupported: Record<string, string>): string | undefined {
  for (const name of req.query.keys()) if (name in table && name !== '') return name;
  for (const name of req.query.keys()) if (name in unsupported) return name;
  return undefined;
}

export async function handleS3(req: AwsRequest, backend: Backend): Promise<AwsResponse> {
  const { bucketName, key } = addressOf(req);
  const ctx: S3Context = { req, backend, store: backend.s3, bucketName, key };
  const expectedOwner = req.headers['x-amz-expected-bucket-owner'];
  if (expectedOwner !== undefined && bucketName !== '' && expectedOwner !== backend.config.accountId)
    throw new AwsError('AccessDenied', 'Access Denied', 403);
  if (bucketName === '') {
    if (req.method === 'GET') return buckets.listBuckets(ctx);
    throw methodNotAllowed(req.method, 'SERVICE');
  }
  const [table, unsupported, kind] =
    key === undefined
      ? [BUCKET, UNSUPPORTED_BUCKET, 'BUCKET' as const]
      : [OBJECT, UNSUPPORTED_OBJECT, 'OBJECT' as const];
  const sub = subresource(req, table, unsupported) ?? '';
  const handler = table[sub]?.[req.method as Method];
  if (handler) return handler(ctx);
  if (sub in unsupported) {
    const name = unsupported[sub]!;
    const op = /^(Create|Restore|Select|Rename)/.test(name) ? name : `${VERB[req.method] ?? req.method}${name}`;
    throw notImplemented('s3', op);
  }
  if (table[sub] === undefined) throw notImplemented('s3', `${req.method} ?${sub}`);
  throw methodNotAllowed(req.method, kind);
}

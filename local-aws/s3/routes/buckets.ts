// ListBuckets, CreateBucket, HeadBucket, GetBucketLocation, DeleteBucket, Get/PutBucketVersioning.
import { AwsError, notImplemented } from '../../core/errors.ts';
import type { AwsResponse } from '../../core/request.ts';
import { xmlResponse } from '../../protocols/rest-xml.ts';
import { malformedXml, type XmlNode } from '../../protocols/xml.ts';
import { checkLocationConstraint, invalidBucketName, isValidBucketName, regionOfConstraint } from '../bucket-name.ts';
import { allow, bucketArn, invalidArgument, noContent, ok, owner, type S3Context } from '../context.ts';
import { child, parseS3Xml, textOf } from '../xml-input.ts';

function token(name: string): string {
  return Buffer.from(`b:${name}`).toString('base64url');
}

export async function listBuckets(ctx: S3Context): Promise<AwsResponse> {
  allow(ctx, 's3:ListAllMyBuckets', '*');
  const q = ctx.req.query;
  const prefix = q.get('prefix') ?? '';
  const region = q.get('bucket-region');
  const maxRaw = q.get('max-buckets');
  const max = maxRaw === null ? 10000 : Number(maxRaw);
  if (!Number.isInteger(max) || max < 1 || max > 10000)
    throw invalidArgument('Provided max-buckets not an integer or within integer range', 'max-buckets', maxRaw ?? '');
  const tokenRaw = q.get('continuation-token');
  let after: string | undefined;
  if (tokenRaw !== null) {
    const decoded = Buffer.from(tokenRaw, 'base64url').toString('utf8');
    if (!decoded.startsWith('b:'))
      throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', tokenRaw);
    after = decoded.slice(2);
  }
  const all = ctx.store
    .listBuckets()
    .filter(
      (b) =>
        b.name.startsWith(prefix) &&
        (region === null || b.meta.region === region) &&
        (after === undefined || b.name > after),
    );
  const page = all.slice(0, max);
  const body: XmlNode = {
    Owner: owner(ctx),
    Buckets: {
      Bucket: page.map((b) => ({
        Name: b.name,
        CreationDate: new Date(b.meta.creationDate),
        BucketRegion: b.meta.region,
        BucketArn: bucketArn(b.name),
      })),
    },
  };
  if (all.length > page.length) body.ContinuationToken = token(page[page.length - 1]!.name);
  if (q.has('prefix')) body.Prefix = prefix;
  return xmlResponse('ListAllMyBucketsResult', body);
}

export async function createBucket(ctx: S3Context): Promise<AwsResponse> {
  const name = ctx.bucketName;
  if (!isValidBucketName(name)) throw invalidBucketName(name);
  allow(ctx, 's3:CreateBucket', bucketArn(name));
  let constraint: string | undefined;
  if (ctx.req.body.length > 0) {
    const xml = parseS3Xml(ctx.req.body);
    const root = xml['CreateBucketConfiguration'];
    if (root === undefined)
      throw new AwsError(
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema',
        400,
      );
    const value = textOf(child(root, 'LocationConstraint')).trim();
    if (value !== '') constraint = value;
  }
  const locationConstraint = checkLocationConstraint(ctx.req.region, constraint);
  if ((ctx.req.headers['x-amz-bucket-object-lock-enabled'] ?? '').toLowerCase() === 'true')
    throw notImplemented('s3', 'CreateBucket with object lock (x-amz-bucket-object-lock-enabled)');
  const region = regionOfConstraint(locationConstraint);
  const existing = ctx.store.findBucket(name);
  if (existing) {
    // us-east-1 keeps its legacy behaviour: creating your own bucket again succeeds.
    if (existing.meta.region === 'us-east-1' && region === 'us-east-1') return ok({ location: `/${name}` });
    throw new AwsError(
      'BucketAlreadyOwnedByYou',
      'Your previous request to create the named bucket succeeded and you already own it.',
      409,
      { BucketName: name },
    );
  }
  await ctx.store.createBucket(name, locationConstraint, region);
  return ok({ location: region === 'us-east-1' ? `/${name}` : `http://${name}.s3.${region}.amazonaws.com/` });
}

export async function headBucket(ctx: S3Context): Promise<AwsResponse> {
  allow(ctx, 's3:ListBucket', bucketArn(ctx.bucketName));
  const bucket = ctx.store.bucket(ctx.bucketName);
  return ok({ 'x-amz-bucket-region': bucket.meta.region, 'x-amz-access-point-alias': 'false' });
}

export async function getBucketLocation(ctx: S3Context): Promise<AwsResponse> {
  allow(ctx, 's3:GetBucketLocation', bucketArn(ctx.bucketName));
  const bucket = ctx.store.bucket(ctx.bucketName);
  // us-east-1 is an empty element; it keeps its xmlns so the SDK still sees an object.
  return xmlResponse('LocationConstraint', bucket.meta.locationConstraint);
}

export async function deleteBucket(ctx: S3Context): Promise<AwsResponse> {
  allow(ctx, 's3:DeleteBucket', bucketArn(ctx.bucketName));
  const bucket = ctx.store.bucket(ctx.bucketName);
  // Unfinished multipart uploads do not block the deletion on AWS: they go with the bucket.
  if (bucket.index.size > 0 || bucket.versions.size > 0)
    throw new AwsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, {
      BucketName: bucket.name,
    });
  await ctx.store.deleteBucket(bucket);
  return noContent();
}

export async function getBucketVersioning(ctx: S3Context): Promise<AwsResponse> {
  allow(ctx, 's3:GetBucketVersioning', bucketArn(ctx.bucketName));
  const bucket = ctx.store.bucket(ctx.bucketName);
  // Never set: an empty configuration, as on AWS.
  const status = bucket.meta.versioning;
  return xmlResponse('VersioningConfiguration', status ? { Status: status } : {});
}

export async function putBucketVersioning(ctx: S3Context): Promise<AwsResponse> {
  allow(ctx, 's3:PutBucketVersioning', bucketArn(ctx.bucketName));
  const bucket = ctx.store.bucket(ctx.bucketName);
  const root = parseS3Xml(ctx.req.body)['VersioningConfiguration'];
  if (root === undefined) throw malformedXml();
  const status = textOf(child(root, 'Status')).trim();
  const mfa = textOf(child(root, 'MfaDelete')).trim();
  if (status !== 'Enabled' && status !== 'Suspended') throw malformedXml();
  if (mfa === 'Enabled' || ctx.req.headers['x-amz-mfa'] !== undefined)
    throw notImplemented('s3', 'PutBucketVersioning with MFA delete');
  if (mfa !== '' && mfa !== 'Disabled') throw malformedXml();
  // Once set, a bucket is versioned for good (Suspended at most), as on S3.
  bucket.meta.versioning = status;
  await ctx.store.saveBucket();
  return ok();
}

// Bucket naming and LocationConstraint rules of general purpose buckets
// (docs/local-aws/protocols.md#bucket-names-and-regions).
import { AwsError } from '../core/errors.ts';

const NAME =
  /^(?=.{3,63}$)(?!(\d+\.)+\d+$)(([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])$/;
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

export function isValidBucketName(name: string): boolean {
  if (!NAME.test(name)) return false;
  if (RESERVED_PREFIXES.some((p) => name.startsWith(p))) return false;
  return !RESERVED_SUFFIXES.some((s) => name.endsWith(s));
}

export function invalidBucketName(name: string): AwsError {
  return new AwsError('InvalidBucketName', 'The specified bucket is not valid.', 400, { BucketName: name });
}

export function noSuchBucket(name: string): AwsError {
  return new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: name });
}

/** Values of the LocationConstraint enum (every commercial region but us-east-1, plus the legacy `EU`). */
export const LOCATION_CONSTRAINTS: ReadonlySet<string> = new Set([
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'cn-north-1',
  'cn-northwest-1',
  'EU',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
  'sa-east-1',
  'us-east-2',
  'us-gov-east-1',
  'us-gov-west-1',
  'us-west-1',
  'us-west-2',
]);

/** The region a bucket lives in, from its LocationConstraint ('' = us-east-1). */
export function regionOfConstraint(constraint: string): string {
  if (constraint === '') return 'us-east-1';
  if (constraint === 'EU') return 'eu-west-1';
  return constraint;
}

/**
 * The LocationConstraint a CreateBucket request may use, given the region it was signed for:
 * none in us-east-1 (or any valid other region), exactly the signing region elsewhere.
 */
export function checkLocationConstraint(signingRegion: string, constraint: string | undefined): string {
  const invalid = (value: string) =>
    new AwsError('InvalidLocationConstraint', 'The specified location-constraint is not valid', 400, {
      LocationConstraint: value,
    });
  if (constraint !== undefined && !LOCATION_CONSTRAINTS.has(constraint)) throw invalid(constraint);
  if (signingRegion === 'us-east-1') return constraint ?? '';
  if (constraint === undefined)
    throw new AwsError(
      'IllegalLocationConstraintException',
      'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.',
      400,
    );
  if (regionOfConstraint(constraint) !== signingRegion)
    throw new AwsError(
      'IllegalLocationConstraintException',
      `The ${constraint} location constraint is incompatible ` +
        'for the region specific endpoint this request was sent to.',
      400,
    );
  return constraint;
}

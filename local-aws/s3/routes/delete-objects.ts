// DeleteObjects (POST ?delete): up to 1000 keys, each authorised on its own; refusals and bad keys
// come back as <Error> entries, and quiet mode lists only those.
import { AwsError } from '../../core/errors.ts';
import type { AwsResponse } from '../../core/request.ts';
import { xmlResponse } from '../../protocols/rest-xml.ts';
import { malformedXml, type XmlNode } from '../../protocols/xml.ts';
import { objectArn, type S3Context } from '../context.ts';
import { checkKey, checksumHeader, verifyBody } from '../input.ts';
import { boolOf, child, children, parseS3Xml, textOf } from '../xml-input.ts';
import { looksLikeVersionId } from '../versions.ts';
import { noSuchVersion, removeObject } from './objects.ts';

export async function deleteObjects(ctx: S3Context): Promise<AwsResponse> {
  const bucket = ctx.store.bucket(ctx.bucketName);
  if (ctx.req.headers['content-md5'] === undefined && !checksumHeader(ctx.req))
    throw new AwsError('InvalidRequest', 'Missing required header for this request: Content-Md5.', 400);
  verifyBody(ctx.req);
  const root = parseS3Xml(ctx.req.body, ['Object'])['Delete'];
  if (root === undefined) throw malformedXml();
  const objects = children(root, 'Object');
  if (objects.length === 0 || objects.length > 1000) throw malformedXml();
  const quiet = boolOf(child(root, 'Quiet'));
  const requests = objects.map((o) => {
    if (child(o, 'Key') === undefined) throw malformedXml();
    const version = child(o, 'VersionId');
    return { key: textOf(child(o, 'Key')), versionId: version === undefined ? undefined : textOf(version) };
  });

  type Outcome = {
    key: string;
    versionId?: string;
    deleteMarker?: boolean;
    error?: { code: string; message: string };
  };
  // Concurrent: the removals share the journal's fsync.
  const outcomes = await Promise.all(
    requests.map(async ({ key, versionId }): Promise<Outcome> => {
      try {
        checkKey(key);
        ctx.backend.authorize(ctx.req, 's3:DeleteObject', objectArn(bucket.name, key));
        // A malformed id names no version: reported per key, not as a failed request.
        if (versionId !== undefined && !looksLikeVersionId(versionId)) throw noSuchVersion(key, versionId);
        const done = await removeObject(ctx, bucket, key, versionId);
        return { key, ...done };
      } catch (e) {
        if (!(e instanceof AwsError)) throw e;
        return { key, versionId, error: { code: e.code, message: e.message } };
      }
    }),
  );
  const deleted: XmlNode[] = [];
  const errors: XmlNode[] = [];
  for (const [i, o] of outcomes.entries()) {
    const entry: XmlNode = { Key: o.key };
    const named = requests[i]!.versionId;
    if (o.error) {
      if (o.versionId !== undefined) entry.VersionId = o.versionId;
      errors.push({ ...entry, Code: o.error.code, Message: o.error.message });
      continue;
    }
    if (quiet) continue;
    // A named version: VersionId (and DeleteMarker if it was one); else the marker it made, if any.
    if (named !== undefined) entry.VersionId = named;
    if (o.deleteMarker) {
      entry.DeleteMarker = true;
      if (named === undefined) entry.DeleteMarkerVersionId = o.versionId;
    }
    deleted.push(entry);
  }
  return xmlResponse('DeleteResult', { Deleted: deleted, Error: errors });
}

// DeleteObjects (POST ?delete): up to 1000 keys, each authorised on its own; refusals and bad keys
// come back as <Error> entries, and quiet mode lists only those.
import { AwsError } from '../../core/errors.ts';
import type { AwsResponse } from '../../core/request.ts';
import { xmlResponse } from '../../protocols/rest-xml.ts';
import { malformedXml, type XmlNode } from '../../protocols/xml.ts';
import { objectArn, type S3Context } from '../context.ts';
import { checkKey, checksumHeader, verifyBody } from '../input.ts';
import { boolOf, child, children, parseS3Xml, textOf } from '../xml-input.ts';
import { emitEvent } from './objects.ts';

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

  type Outcome = { key: string; versionId?: string; error?: { code: string; message: string } };
  // Concurrent: the removals share the journal's fsync.
  const outcomes = await Promise.all(
    requests.map(async ({ key, versionId }): Promise<Outcome> => {
      try {
        checkKey(key);
        ctx.backend.authorize(ctx.req, 's3:DeleteObject', objectArn(bucket.name, key));
        if (versionId !== undefined && versionId !== 'null')
          return { key, versionId, error: { code: 'NoSuchVersion', message: 'The specified version does not exist.' } };
        const removed = await ctx.store.objects.delete(bucket, key);
        if (removed) await emitEvent(ctx, bucket, 'ObjectRemoved:Delete', key);
        return { key, versionId };
      } catch (e) {
        if (!(e instanceof AwsError)) throw e;
        return { key, versionId, error: { code: e.code, message: e.message } };
      }
    }),
  );
  const deleted: XmlNode[] = [];
  const errors: XmlNode[] = [];
  for (const o of outcomes) {
    const entry: XmlNode = { Key: o.key };
    if (o.versionId !== undefined) entry.VersionId = o.versionId;
    if (o.error) errors.push({ ...entry, Code: o.error.code, Message: o.error.message });
    else if (!quiet) deleted.push(entry);
  }
  return xmlResponse('DeleteResult', { Deleted: deleted, Error: errors });
}

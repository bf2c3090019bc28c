// S3 bucket notification configuration through the real SDK (validation, stored shape, Lambda
// destination validation hook) and the object event hook the Lambda service listens to.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type NotificationConfiguration,
} from '@aws-sdk/client-s3';
import type { LambdaDestination, ObjectEvent } from '../../../local-aws/s3/store.ts';
import type { TestServer } from '../../support/local-aws.ts';
import { startS3WithBucket } from '../../support/s3.ts';
import { errorCode, s3Raw } from '../../support/s3-raw.ts';

let server: TestServer;
let s3: S3Client;
const B = 'events-bucket';
const FN = 'arn:aws:lambda:us-east-1:000000000000:function:CreateThumbnail';
const OTHER = 'arn:aws:lambda:us-east-1:000000000000:function:Other';

before(async () => ({ server, s3 } = await startS3WithBucket(B)));
after(() => server.stopAndRemove());
beforeEach(() => {
  // Destination checks are tested on their own (here for Lambda, in sns-*.test.ts for topics).
  server.backend.s3.setDestinationValidator(undefined);
  server.backend.s3.setTopicTarget(undefined);
});

type Failure = Error & {
  ArgumentName?: string;
  ArgumentValue?: string;
  ArgumentName1?: string;
  ArgumentValue1?: string;
};

const put = (NotificationConfiguration: NotificationConfiguration, SkipDestinationValidation?: boolean) =>
  s3.send(
    new PutBucketNotificationConfigurationCommand({ Bucket: B, NotificationConfiguration, SkipDestinationValidation }),
  );
const get = () => s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: B }));

describe('S3 notification configuration', () => {
  it('is empty at first, then stores Lambda, topic, queue and EventBridge targets', async () => {
    const empty = await get();
    assert.equal(empty.LambdaFunctionConfigurations, undefined);
    await put({
      LambdaFunctionConfigurations: [
        {
          Id: 'resize',
          LambdaFunctionArn: FN,
          Events: ['s3:ObjectCreated:*'],
          Filter: {
            Key: {
              FilterRules: [
                { Name: 'prefix', Value: 'images/' },
                { Name: 'SUFFIX' as 'suffix', Value: '.jpg' },
              ],
            },
          },
        },
        { LambdaFunctionArn: OTHER, Events: ['s3:ObjectRemoved:Delete', 's3:ObjectCreated:Copy'] },
      ],
      TopicConfigurations: [
        { Id: 't', TopicArn: 'arn:aws:sns:us-east-1:000000000000:topic', Events: ['s3:ObjectCreated:Put'] },
      ],
      QueueConfigurations: [
        { Id: 'q', QueueArn: 'arn:aws:sqs:us-east-1:000000000000:queue', Events: ['s3:ObjectRemoved:*'] },
      ],
      EventBridgeConfiguration: {},
    });
    const got = await get();
    assert.equal(got.LambdaFunctionConfigurations?.length, 2);
    const [resize, other] = got.LambdaFunctionConfigurations!;
    assert.deepEqual(resize, {
      Id: 'resize',
      LambdaFunctionArn: FN,
      Events: ['s3:ObjectCreated:*'],
      Filter: {
        Key: {
          FilterRules: [
            { Name: 'Prefix', Value: 'images/' },
            { Name: 'Suffix', Value: '.jpg' },
          ],
        },
      },
    });
    assert.ok(other?.Id && other.Id.length > 8, 'a missing Id is generated');
    assert.deepEqual(other?.Events, ['s3:ObjectRemoved:Delete', 's3:ObjectCreated:Copy']);
    assert.deepEqual(got.TopicConfigurations, [
      { Id: 't', TopicArn: 'arn:aws:sns:us-east-1:000000000000:topic', Events: ['s3:ObjectCreated:Put'] },
    ]);
    assert.equal(got.QueueConfigurations?.[0]?.QueueArn, 'arn:aws:sqs:us-east-1:000000000000:queue');
    assert.deepEqual(got.EventBridgeConfiguration, {});
    // The wire shape: un-wrapped CloudFunctionConfiguration elements.
    const raw = await s3Raw(server.url, { method: 'GET', path: `/${B}`, query: 'notification' });
    assert.match(
      raw.text,
      new RegExp(
        /<CloudFunctionConfiguration><Id>resize<\/Id><CloudFunction>arn:aws:lambda:[^<]*/.source +
          /<\/CloudFunction><Event>s3:ObjectCreated:\*<\/Event>/.source,
      ),
    );
  });

  it('validates ARNs, filter rule names and event names', async () => {
    await assert.rejects(
      put({ LambdaFunctionConfigurations: [{ LambdaFunctionArn: 'not-an-arn', Events: ['s3:ObjectCreated:*'] }] }),
      (e: Failure) => {
        assert.equal(e.name, 'InvalidArgument');
        assert.equal(e.message, 'The ARN could not be parsed');
        assert.equal(e.ArgumentName, 'CloudFunction');
        assert.equal(e.ArgumentValue, 'not-an-arn');
        return true;
      },
    );
    await assert.rejects(
      put({
        LambdaFunctionConfigurations: [
          {
            LambdaFunctionArn: FN,
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'middle' as 'prefix', Value: 'x' }] } },
          },
        ],
      }),
      (e: Failure) => e.name === 'InvalidArgument' && e.message === 'filter rule name must be either prefix or suffix',
    );
    await assert.rejects(
      put({
        LambdaFunctionConfigurations: [{ LambdaFunctionArn: FN, Events: ['s3:Everything' as 's3:ObjectCreated:*'] }],
      }),
      { name: 'InvalidArgument' },
    );
    const broken = await s3Raw(server.url, {
      method: 'PUT',
      path: `/${B}`,
      query: 'notification',
      body: '<NotificationConfiguration><CloudFunctionConfiguration>',
    });
    assert.equal(errorCode(broken), 'MalformedXML');
    assert.equal((await get()).LambdaFunctionConfigurations?.length, 2, 'refused changes keep the old configuration');
  });

  it('asks the registered validator about Lambda destinations, unless told to skip', async () => {
    const asked: Array<[string, string, string[]]> = [];
    server.backend.s3.setDestinationValidator((bucket, owner, arns) => {
      asked.push([bucket, owner, arns]);
      return arns.filter((a) => a === OTHER);
    });
    await assert.rejects(
      put({
        LambdaFunctionConfigurations: [
          { LambdaFunctionArn: FN, Events: ['s3:ObjectCreated:*'] },
          { LambdaFunctionArn: OTHER, Events: ['s3:ObjectCreated:*'] },
        ],
      }),
      (e: Failure) => {
        assert.equal(e.name, 'InvalidArgument');
        assert.equal(e.message, 'Unable to validate the following destination configurations');
        assert.equal(e.ArgumentName1, `${OTHER}, null`);
        assert.equal(e.ArgumentValue1, `Not authorized to invoke function [${OTHER}]`);
        return true;
      },
    );
    assert.deepEqual(asked, [[B, '000000000000', [FN, OTHER]]]);
    await put({ LambdaFunctionConfigurations: [{ LambdaFunctionArn: OTHER, Events: ['s3:ObjectCreated:*'] }] }, true);
    assert.deepEqual(
      (await get()).LambdaFunctionConfigurations?.map((c) => c.LambdaFunctionArn),
      [OTHER],
    );
  });

  it('an empty configuration removes every target', async () => {
    await put({});
    const got = await get();
    assert.equal(got.LambdaFunctionConfigurations, undefined);
    assert.equal(got.TopicConfigurations, undefined);
  });
});

describe('S3 object events for Lambda', () => {
  const seen: Array<{ event: ObjectEvent; destinations: LambdaDestination[] }> = [];
  let stop: () => void = () => undefined;
  before(async () => {
    stop = server.backend.s3.onObjectEvent((event, destinations) => void seen.push({ event, destinations }));
    server.backend.s3.onObjectEvent(() => {
      throw new Error('a broken listener must not fail the request');
    });
    await put({
      LambdaFunctionConfigurations: [
        {
          Id: 'resize',
          LambdaFunctionArn: FN,
          Events: ['s3:ObjectCreated:*'],
          Filter: {
            Key: {
              FilterRules: [
                { Name: 'Prefix' as 'prefix', Value: 'images/' },
                { Name: 'Suffix' as 'suffix', Value: '.jpg' },
              ],
            },
          },
        },
        { Id: 'cleanup', LambdaFunctionArn: OTHER, Events: ['s3:ObjectRemoved:Delete'] },
      ],
    });
  });
  after(() => stop());
  beforeEach(() => {
    seen.length = 0;
  });

  it('reports ObjectCreated:Put to matching destinations only', async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'images/Happy Face +été.jpg', Body: 'jpeg bytes' }));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'images/notes.txt', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'other/a.jpg', Body: 'x' }));
    assert.equal(seen.length, 1);
    const { event, destinations } = seen[0]!;
    assert.equal(event.eventName, 'ObjectCreated:Put');
    assert.equal(event.bucket, B);
    assert.equal(event.bucketRegion, 'us-east-1');
    assert.equal(event.key, 'images/Happy Face +été.jpg');
    assert.equal(event.size, 10);
    assert.match(event.eTag ?? '', /^[0-9a-f]{32}$/);
    assert.match(event.sequencer, /^[0-9A-F]+$/);
    assert.match(event.requestId, /^[0-9A-F]{16}$/);
    assert.equal(event.principalId, 'AWS:000000000000');
    assert.ok(!Number.isNaN(Date.parse(event.eventTime)));
    assert.deepEqual(destinations, [
      { id: 'resize', functionArn: FN, events: ['s3:ObjectCreated:*'], prefix: 'images/', suffix: '.jpg' },
    ]);
  });

  it('reports Copy, CompleteMultipartUpload, Delete and each DeleteObjects key, in sequencer order', async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'src.bin', Body: 'x' }));
    await s3.send(new CopyObjectCommand({ Bucket: B, Key: 'images/copy.jpg', CopySource: `${B}/src.bin` }));
    const mpu = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'images/mpu.jpg' }));
    const part = await s3.send(
      new UploadPartCommand({ Bucket: B, Key: 'images/mpu.jpg', UploadId: mpu.UploadId, PartNumber: 1, Body: 'part' }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: B,
        Key: 'images/mpu.jpg',
        UploadId: mpu.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'src.bin' }));
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'never-existed' }));
    await s3.send(
      new DeleteObjectsCommand({
        Bucket: B,
        Delete: { Objects: [{ Key: 'images/copy.jpg' }, { Key: 'images/mpu.jpg' }] },
      }),
    );
    assert.deepEqual(
      seen.map((s) => [s.event.eventName, s.event.key, s.destinations.map((d) => d.id).join()]),
      [
        ['ObjectCreated:Copy', 'images/copy.jpg', 'resize'],
        ['ObjectCreated:CompleteMultipartUpload', 'images/mpu.jpg', 'resize'],
        ['ObjectRemoved:Delete', 'src.bin', 'cleanup'],
        ['ObjectRemoved:Delete', 'images/copy.jpg', 'cleanup'],
        ['ObjectRemoved:Delete', 'images/mpu.jpg', 'cleanup'],
      ],
    );
    assert.match(seen[1]!.event.eTag ?? '', /^[0-9a-f]{32}-1$/);
    assert.equal(seen[2]!.event.size, undefined, 'removal events carry no size');
    const sequencers = seen.map((s) => BigInt(`0x${s.event.sequencer}`));
    for (let i = 1; i < sequencers.length; i++) assert.ok(sequencers[i]! > sequencers[i - 1]!);
  });

  it('getObjectBytes reads an object for Lambda, with S3 errors for missing ones', async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'code.zip', Body: Buffer.from([80, 75, 3, 4]) }));
    assert.deepEqual([...(await server.backend.s3.getObjectBytes(B, 'code.zip'))], [80, 75, 3, 4]);
    await assert.rejects(server.backend.s3.getObjectBytes(B, 'missing.zip'), { code: 'NoSuchKey' });
    await assert.rejects(server.backend.s3.getObjectBytes('no-such-bucket-x', 'a'), { code: 'NoSuchBucket' });
  });
});

// The real aws-cli against the local S3 (whichever CLI `AWS_CLI` names; run with both v1 and v2):
// high-level `aws s3` commands (multipart for a 20 MB file) and a few `aws s3api` calls.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { awsCli, awsCliOk, needsAwsCli, startTestServer, tempDir, type TestServer } from '../../support/local-aws.ts';

let server: TestServer;
let work: string;
const B = 'cli-bucket';
const big = randomBytes(20 * 1024 * 1024);

before(async () => {
  server = await startTestServer();
  work = tempDir('s3-cli-');
  fs.writeFileSync(path.join(work, 'small.txt'), 'small file from the aws-cli\n');
  fs.writeFileSync(path.join(work, 'big.bin'), big);
});
after(async () => {
  await server.stopAndRemove();
  fs.rmSync(work, { recursive: true, force: true });
});

const cli = (args: string[]) => awsCliOk(server.url, args, { cwd: work });

describe('aws-cli against the local S3', { skip: needsAwsCli('test/local-aws/s3/cli.test.ts') }, () => {
  it('mb, cp (small and 20 MB multipart), ls, list-objects-v2, cp back', async () => {
    assert.match(await cli(['s3', 'mb', `s3://${B}`]), new RegExp(`make_bucket: ${B}`));
    await cli(['s3', 'cp', 'small.txt', `s3://${B}/dir/small.txt`]);
    await cli(['s3', 'cp', 'small.txt', `s3://${B}/dir/sp ace+plus%.txt`]);
    await cli(['s3', 'cp', 'big.bin', `s3://${B}/dir/big.bin`]);
    const buckets = await cli(['s3', 'ls']);
    assert.match(buckets, new RegExp(`\\s${B}$`, 'm'));
    const listing = await cli(['s3', 'ls', `s3://${B}/dir/`]);
    assert.match(listing, /\s20971520 big\.bin$/m);
    assert.match(listing, /\s28 small\.txt$/m);
    assert.match(listing, /\s28 sp ace\+plus%\.txt$/m);
    const v2 = JSON.parse(await cli(['s3api', 'list-objects-v2', '--bucket', B, '--no-paginate'])) as {
      Contents: Array<{ Key: string; Size: number; ETag: string }>;
      KeyCount: number;
    };
    assert.deepEqual(
      v2.Contents.map((c) => c.Key),
      ['dir/big.bin', 'dir/small.txt', 'dir/sp ace+plus%.txt'],
    );
    assert.equal(v2.KeyCount, 3);
    const bigEntry = v2.Contents.find((c) => c.Key === 'dir/big.bin')!;
    assert.equal(bigEntry.Size, big.length);
    assert.match(bigEntry.ETag, /^"[0-9a-f]{32}-\d+"$/, 'the 20 MB file went up in parts');
    const rolled = JSON.parse(await cli(['s3api', 'list-objects-v2', '--bucket', B, '--delimiter', '/'])) as {
      CommonPrefixes: Array<{ Prefix: string }>;
    };
    assert.deepEqual(rolled.CommonPrefixes, [{ Prefix: 'dir/' }]);
    await cli(['s3', 'cp', `s3://${B}/dir/big.bin`, 'big.back']);
    await cli(['s3', 'cp', `s3://${B}/dir/sp ace+plus%.txt`, 'small.back']);
    assert.ok(fs.readFileSync(path.join(work, 'big.back')).equals(big));
    assert.equal(fs.readFileSync(path.join(work, 'small.back'), 'utf8'), 'small file from the aws-cli\n');
  });

  it(
    'put/get-bucket-notification-configuration (no ' + 'validators: Lambda and topic ARNs are accepted as is)',
    async () => {
      const config = {
        TopicConfigurations: [
          { Id: 'topic', TopicArn: 'arn:aws:sns:us-east-1:000000000000:uploads', Events: ['s3:ObjectCreated:*'] },
        ],
        LambdaFunctionConfigurations: [
          {
            Id: 'resize',
            LambdaFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:CreateThumbnail',
            Events: ['s3:ObjectCreated:Put'],
            Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.jpg' }] } },
          },
        ],
      };
      server.backend.s3.setDestinationValidator(undefined);
      server.backend.s3.setTopicTarget(undefined);
      await cli([
        's3api',
        'put-bucket-notification-configuration',
        '--bucket',
        B,
        '--notification-configuration',
        JSON.stringify(config),
      ]);
      const got = JSON.parse(
        await cli(['s3api', 'get-bucket-notification-configuration', '--bucket', B]),
      ) as typeof config;
      assert.deepEqual(got.TopicConfigurations, config.TopicConfigurations);
      assert.equal(
        got.LambdaFunctionConfigurations[0]!.LambdaFunctionArn,
        config.LambdaFunctionConfigurations[0]!.LambdaFunctionArn,
      );
      assert.deepEqual(got.LambdaFunctionConfigurations[0]!.Filter.Key.FilterRules, [
        { Name: 'Suffix', Value: '.jpg' },
      ]);
      const bad = await awsCli(server.url, [
        's3api',
        'put-bucket-notification-configuration',
        '--bucket',
        B,
        '--notification-configuration',
        JSON.stringify({
          LambdaFunctionConfigurations: [{ LambdaFunctionArn: 'nope', Events: ['s3:ObjectCreated:*'] }],
        }),
      ]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /InvalidArgument.*The ARN could not be parsed/);
    },
  );

  it('head-object on a missing key is a 404; rb --force empties and removes the bucket', async () => {
    const missing = await awsCli(server.url, ['s3api', 'head-object', '--bucket', B, '--key', 'dir/missing.txt']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /\(404\).*HeadObject.*Not Found/);
    const head = JSON.parse(await cli(['s3api', 'head-object', '--bucket', B, '--key', 'dir/small.txt'])) as {
      ContentLength: number;
      ETag: string;
    };
    assert.equal(head.ContentLength, 28);
    await cli(['s3', 'rb', `s3://${B}`, '--force']);
    const gone = await awsCli(server.url, ['s3api', 'head-bucket', '--bucket', B]);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /404/);
    assert.doesNotMatch(await cli(['s3', 'ls']), new RegExp(B));
  });
});

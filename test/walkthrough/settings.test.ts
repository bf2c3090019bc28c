// The walkthrough's pure logic: settings and their messages, policies, event keys, CLI quoting, zips.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { unzipSync } from 'fflate';
import { minimist } from 'zx';
import { awsCommand, shellQuote } from '../../walkthrough/lib/aws-cli.ts';
import { encodeEventKey, s3PutEvent } from '../../walkthrough/lib/events.ts';
import { UserError } from '../../walkthrough/lib/errors.ts';
import { zipFolder } from '../../walkthrough/lib/package.ts';
import { crc32 } from '../../walkthrough/lib/zip.ts';
import { tempDir } from '../support/temp.ts';
import { lambdaTrustPolicy, samePolicy, thumbnailPolicy } from '../../walkthrough/lib/policies.ts';
import { collectSettings, parseSettings, resolveNames } from '../../walkthrough/lib/settings.ts';

function settingsFrom(env: NodeJS.ProcessEnv, args: string[] = [], envFileText?: string) {
  const dir = tempDir('settings-');
  const envFile = path.join(dir, '.env');
  if (envFileText !== undefined) fs.writeFileSync(envFile, envFileText);
  return parseSettings(collectSettings(minimist(args), env, envFile));
}

describe('settings', () => {
  it('has working defaults', () => {
    const s = resolveNames(settingsFrom({}), '000000000000', 'us-east-1');
    assert.equal(s.target, 'local');
    assert.equal(s.functionName, 'CreateThumbnail');
    assert.equal(s.sourceBucket, 's3-thumbnail-src-000000000000-us-east-1');
    assert.equal(s.destBucket, 's3-thumbnail-src-000000000000-us-east-1-resized');
    assert.equal(s.roleName, 'CreateThumbnail-us-east-1-role');
    assert.equal(s.thumbnailWidth, 200);
    assert.equal(s.architecture, 'x86_64');
  });

  it('takes .env, then the environment, then flags', () => {
    const text = 'THUMBNAIL_WIDTH=300\nFUNCTION_NAME=FromFile\nMEMORY_SIZE=512\n';
    const s = settingsFrom({ THUMBNAIL_WIDTH: '400', FUNCTION_NAME: 'FromEnv' }, ['--function-name', 'FromFlag'], text);
    assert.equal(s.memorySize, 512);
    assert.equal(s.thumbnailWidth, 400);
    assert.equal(s.functionName, 'FromFlag');
  });

  it('refuses bad values with a message that says where to fix them', () => {
    assert.throws(
      () => settingsFrom({ THUMBNAIL_WIDTH: 'abc' }),
      (e: unknown) =>
        e instanceof UserError &&
        /THUMBNAIL_WIDTH must be a whole number from 1 to 10000, got "abc" \(from environment\)/.test(e.message),
    );
    assert.throws(() => settingsFrom({}, ['--memory', '64']), /MEMORY_SIZE must be a whole number from 128 to 10240/);
    assert.throws(() => settingsFrom({ SOURCE_BUCKET: 'My_Bucket' }), /not a valid S3 bucket name/);
    assert.throws(() => settingsFrom({ SOURCE_BUCKET: 'same-name', DEST_BUCKET: 'same-name' }), /must differ/);
    assert.throws(() => settingsFrom({ RUNTIME: 'nodejs18.x' }), /not a current Node.js runtime/);
    assert.throws(() => settingsFrom({ RUNTIME: 'python3.13' }), /not a current Node.js runtime/);
    assert.throws(() => settingsFrom({ ARCHITECTURE: 'amd64' }), /x86_64 or arm64/);
    assert.throws(() => settingsFrom({ TARGET: 'azure' }), /TARGET must be "local"/);
    assert.throws(
      () => settingsFrom({ TARGET: 'aws', AWS_ENDPOINT_URL: 'http://localhost:4566' }),
      /TARGET=aws, but AWS_ENDPOINT_URL is set/,
    );
    assert.throws(() => settingsFrom({ FUNCTION_NAME: 'has space' }), /FUNCTION_NAME "has space"/);
  });

  it('uses AWS_ENDPOINT_URL as another compatible endpoint', () => {
    const s = settingsFrom({ AWS_ENDPOINT_URL: 'http://localhost:4566' });
    assert.equal(s.target, 'endpoint');
    assert.equal(s.endpoint, 'http://localhost:4566');
  });
});

describe('least-privilege policy', () => {
  const s = resolveNames(settingsFrom({}), '123456789012', 'eu-west-1');
  const policy = thumbnailPolicy(s, 'aws');

  it('reads only the source, writes only the destination, logs only its own group', () => {
    const actions = policy.Statement.flatMap((st) => [st.Action].flat());
    assert.deepEqual(actions.sort(), [
      'logs:CreateLogGroup',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetObject',
      's3:PutObject',
    ]);
    const resources = policy.Statement.flatMap((st) => [st.Resource].flat()) as string[];
    assert.ok(resources.every((r) => !r.endsWith(':*:*') && r !== '*' && !r.startsWith('arn:aws:s3:::*')));
    assert.ok(resources.includes(`arn:aws:s3:::${s.sourceBucket}/*`));
    assert.ok(resources.includes(`arn:aws:s3:::${s.destBucket}/*`));
    assert.ok(
      resources.every((r) => !r.startsWith('arn:aws:logs') || r.includes(':log-group:/aws/lambda/CreateThumbnail')),
    );
  });

  it('trusts lambda.amazonaws.com only, and compares documents by meaning', () => {
    assert.deepEqual(lambdaTrustPolicy().Statement[0]!.Principal, { Service: 'lambda.amazonaws.com' });
    assert.ok(samePolicy({ b: 1, a: [1, { y: 2, x: 1 }] }, { a: [1, { x: 1, y: 2 }], b: 1 }));
    assert.ok(!samePolicy({ a: [1, 2] }, { a: [2, 1] }));
  });
});

describe('generated S3 events', () => {
  it('encode keys as S3 does', () => {
    assert.equal(encodeEventKey('images/Happy Face (1) +été.jpg'), 'images/Happy+Face+%281%29+%2B%C3%A9t%C3%A9.jpg');
    const decoded = decodeURIComponent(encodeEventKey('a b+c%d/é').replace(/\+/g, ' '));
    assert.equal(decoded, 'a b+c%d/é');
  });

  it('look like `sam local generate-event s3 put`', () => {
    const e = s3PutEvent({ bucket: 'b', key: 'k k', size: 3, eTag: '"abc"', region: 'us-east-1', partition: 'aws' });
    const r = e.Records[0]!;
    assert.equal(r.eventVersion, '2.1');
    assert.equal(r.eventSource, 'aws:s3');
    assert.equal(r.s3.object.key, 'k+k');
    assert.equal(r.s3.object.eTag, 'abc');
    assert.equal(r.s3.bucket.arn, 'arn:aws:s3:::b');
  });
});

describe('aws-cli equivalents', () => {
  it('quote for a POSIX shell', () => {
    const tricky = `{"a":"it's $HOME"}`;
    const echoed = execFileSync('sh', ['-c', `printf %s ${shellQuote(tricky)}`]).toString();
    assert.equal(echoed, tricky);
    assert.equal(shellQuote('plain-name_1.2'), 'plain-name_1.2');
  });

  it('carry region and endpoint', () => {
    const cmd = awsCommand({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:4599' }, 'iam', 'get-role', {
      'role-name': 'r',
      tags: ['Key=a,Value=b', 'Key=c,Value=d'],
    });
    assert.equal(
      cmd,
      'aws iam get-role --role-name r --tags Key=a,Value=b Key=c,Value=d ' +
        '--region eu-west-1 --endpoint-url http://127.0.0.1:4599',
    );
  });
});

describe('deterministic zip', () => {
  it('gives the same bytes for the same files, whatever their times', async () => {
    const dir = tempDir('zip-');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'index.mjs'), 'export const handler = async () => 1;\n');
    fs.writeFileSync(path.join(dir, 'sub', 'b.txt'), 'b');
    const first = await zipFolder(dir);
    fs.utimesSync(path.join(dir, 'index.mjs'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    assert.ok(first.equals(await zipFolder(dir)));
    fs.writeFileSync(path.join(dir, 'sub', 'b.txt'), 'c');
    assert.ok(!first.equals(await zipFolder(dir)));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is a zip other tools read back: names, contents, stored and deflated entries', async () => {
    const dir = tempDir('zip-');
    fs.mkdirSync(path.join(dir, 'node_modules', 'é'), { recursive: true });
    const text = 'export const handler = async () => 1;\n'.repeat(200);
    const noise = randomBytes(100_000); // incompressible: stored
    fs.writeFileSync(path.join(dir, 'index.mjs'), text);
    fs.writeFileSync(path.join(dir, 'node_modules', 'é', 'lib.so'), noise);
    fs.writeFileSync(path.join(dir, 'empty'), '');
    const zip = await zipFolder(dir);
    const files = unzipSync(zip);
    assert.deepEqual(Object.keys(files).sort(), ['empty', 'index.mjs', 'node_modules/é/lib.so']);
    assert.equal(Buffer.from(files['index.mjs']!).toString(), text);
    assert.ok(Buffer.from(files['node_modules/é/lib.so']!).equals(noise));
    assert.equal(files['empty']!.length, 0);
    assert.ok(zip.length < text.length + noise.length, 'the text is compressed');
    assert.ok(zip.length > noise.length, 'the noise is stored as is');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('computes CRC-32 as zip does', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(crc32(Buffer.alloc(0)), 0);
  });
});

// Lambda layers with the real aws-cli (v1 or v2, `AWS_CLI`): publish-layer-version from a zip file,
// list and get, a function created with --layers that loads a module from it, delete-layer-version
// while the function keeps working, and the errors the CLI prints.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { awsCli, awsCliOk, needsAwsCli, startTestServer, tempDir, type TestServer } from '../../support/local-aws.ts';
import { LAMBDA_TRUST } from '../../support/lambda-kit.ts';
import { greetLayerZip, layeredFunctionZip } from '../../support/layer-kit.ts';

let server: TestServer;
let dir: string;
const ARN = 'arn:aws:lambda:us-east-1:000000000000:layer:cli-greet';

const aws = (args: string[]) => awsCliOk(server.url, args, { cwd: dir });
const awsJson = async <T>(args: string[]): Promise<T> => JSON.parse((await aws(args)) || '{}') as T;

before(async () => {
  server = await startTestServer();
  dir = tempDir('lambda-layers-cli-');
  fs.writeFileSync(path.join(dir, 'layer.zip'), greetLayerZip('from the cli'));
  fs.writeFileSync(path.join(dir, 'fn.zip'), layeredFunctionZip());
  fs.writeFileSync(path.join(dir, 'trust.json'), LAMBDA_TRUST);
});
after(async () => {
  await server.stopAndRemove();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('layers with the aws-cli', { skip: needsAwsCli('test/local-aws/lambda/layers-cli.test.ts') }, () => {
  it('publishes, lists and gets a layer version', async () => {
    const published = await awsJson<{ Version: number; LayerVersionArn: string; Content: { CodeSize: number } }>([
      'lambda',
      'publish-layer-version',
      '--layer-name',
      'cli-greet',
      '--zip-file',
      'fileb://layer.zip',
      '--compatible-runtimes',
      'nodejs22.x',
      'nodejs24.x',
    ]);
    assert.equal(published.Version, 1);
    assert.equal(published.LayerVersionArn, `${ARN}:1`);
    assert.equal(published.Content.CodeSize, fs.statSync(path.join(dir, 'layer.zip')).size);
    const listed = await awsJson<{ LayerVersions: Array<{ Version: number }> }>([
      'lambda',
      'list-layer-versions',
      '--layer-name',
      'cli-greet',
    ]);
    assert.deepEqual(
      listed.LayerVersions.map((v) => v.Version),
      [1],
    );
    const layers = await awsJson<{ Layers: Array<{ LayerName: string }> }>(['lambda', 'list-layers']);
    assert.deepEqual(
      layers.Layers.map((l) => l.LayerName),
      ['cli-greet'],
    );
    const got = await awsJson<{ CompatibleRuntimes: string[] }>([
      'lambda',
      'get-layer-version',
      '--layer-name',
      'cli-greet',
      '--version-number',
      '1',
    ]);
    assert.deepEqual(got.CompatibleRuntimes, ['nodejs22.x', 'nodejs24.x']);
  });

  it('creates a function with --layers that loads a module from the layer', async () => {
    const role = (
      await awsJson<{ Role: { Arn: string } }>([
        'iam',
        'create-role',
        '--role-name',
        'cli-layers-role',
        '--assume-role-policy-document',
        'file://trust.json',
      ])
    ).Role.Arn;
    const created = await awsJson<{ Layers: Array<{ Arn: string }> }>([
      'lambda',
      'create-function',
      '--function-name',
      'cli-layered',
      '--runtime',
      'nodejs22.x',
      '--role',
      role,
      '--handler',
      'index.handler',
      '--zip-file',
      'fileb://fn.zip',
      '--layers',
      `${ARN}:1`,
    ]);
    assert.deepEqual(
      created.Layers.map((l) => l.Arn),
      [`${ARN}:1`],
    );
    await aws(['lambda', 'wait', 'function-active-v2', '--function-name', 'cli-layered']);
    await aws(['lambda', 'invoke', '--function-name', 'cli-layered', 'out.json']);
    const out = JSON.parse(fs.readFileSync(path.join(dir, 'out.json'), 'utf8')) as { greet: string };
    assert.equal(out.greet, 'from the cli');
  });

  it('deletes the version; the function keeps it; the CLI prints AWS errors', async () => {
    await aws(['lambda', 'delete-layer-version', '--layer-name', 'cli-greet', '--version-number', '1']);
    const missing = await awsCli(server.url, [
      'lambda',
      'get-layer-version',
      '--layer-name',
      'cli-greet',
      '--version-number',
      '1',
    ]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /\(ResourceNotFoundException\) when calling the GetLayerVersion operation/);
    await aws(['lambda', 'invoke', '--function-name', 'cli-layered', 'again.json']);
    const again = JSON.parse(fs.readFileSync(path.join(dir, 'again.json'), 'utf8')) as { greet: string };
    assert.equal(again.greet, 'from the cli');
    const refused = await awsCli(
      server.url,
      ['lambda', 'update-function-configuration', '--function-name', 'cli-layered', '--layers', `${ARN}:1`],
      { cwd: dir },
    );
    assert.match(refused.stderr, /\(InvalidParameterValueException\).*Layer version .*:1 does not exist\./);
  });
});

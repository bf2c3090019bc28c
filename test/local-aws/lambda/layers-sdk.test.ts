// Lambda layers through the SDK: publish, get, list, attach (order, /opt overwrites, NODE_PATH),
// module resolution from a layer (require and import), delete while attached, AWS's errors, and
// layers surviving a restart of the endpoint.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { IAMClient } from '@aws-sdk/client-iam';
import {
  CreateFunctionCommand,
  DeleteLayerVersionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetLayerVersionByArnCommand,
  GetLayerVersionCommand,
  InvokeCommand,
  LambdaClient,
  ListLayersCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  type CreateFunctionCommandInput,
} from '@aws-sdk/client-lambda';
import { startTestServer, tempDir, type TestServer } from '../../support/local-aws.ts';
import { createRole } from '../../support/lambda-kit.ts';
import { greetLayerZip, layeredFunctionZip } from '../../support/layer-kit.ts';

let dataDir: string;
let server: TestServer;
let lambda: LambdaClient;
let role: string;
const ARN = 'arn:aws:lambda:us-east-1:000000000000:layer:greet';

async function start(): Promise<void> {
  server = await startTestServer({ dataDir });
  lambda = new LambdaClient({ ...server.clientConfig() });
}

before(async () => {
  dataDir = tempDir('lambda-layers-');
  await start();
  role = await createRole(new IAMClient(server.clientConfig()), 'layers-role');
});
after(async () => {
  await server.stopAndRemove();
});

const publish = (word: string, extra: { folder?: string; runtimes?: string[]; name?: string } = {}) =>
  lambda.send(
    new PublishLayerVersionCommand({
      LayerName: extra.name ?? 'greet',
      Description: `says ${word}`,
      Content: { ZipFile: greetLayerZip(word, extra.folder) },
      CompatibleRuntimes: (extra.runtimes ?? ['nodejs22.x']) as never,
      CompatibleArchitectures: ['x86_64'],
    }),
  );

async function createActive(name: string, extra: Partial<CreateFunctionCommandInput> = {}) {
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Role: role,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Code: { ZipFile: layeredFunctionZip() },
      ...extra,
    }),
  );
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: name });
}

async function invoke(name: string): Promise<{ error?: string; body: Record<string, string> }> {
  const out = await lambda.send(new InvokeCommand({ FunctionName: name }));
  return {
    error: out.FunctionError,
    body: JSON.parse(Buffer.from(out.Payload ?? []).toString('utf8')) as Record<string, string>,
  };
}

async function setLayers(name: string, layers: string[]): Promise<void> {
  await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Layers: layers }));
  await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: name });
}

describe('layers through the SDK', () => {
  it('publishes numbered versions with their content digest', async () => {
    const zip = greetLayerZip('hello');
    const v1 = await publish('hello');
    assert.equal(v1.Version, 1);
    assert.equal(v1.LayerArn, ARN);
    assert.equal(v1.LayerVersionArn, `${ARN}:1`);
    assert.equal(v1.Content?.CodeSha256, createHash('sha256').update(zip).digest('base64'));
    assert.equal(v1.Content?.CodeSize, zip.length);
    assert.match(v1.Content?.Location ?? '', /^http:\/\/127\.0\.0\.1:\d+\//);
    assert.deepEqual(v1.CompatibleRuntimes, ['nodejs22.x']);
    assert.equal(v1.Description, 'says hello');
    const v2 = await publish('second', { runtimes: ['nodejs24.x'] });
    assert.equal(v2.Version, 2);
    const download = await fetch(v1.Content!.Location!);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), zip);
  });

  it('gets a version by name and number, and by ARN', async () => {
    const got = await lambda.send(new GetLayerVersionCommand({ LayerName: 'greet', VersionNumber: 1 }));
    assert.equal(got.LayerVersionArn, `${ARN}:1`);
    assert.equal(got.Description, 'says hello');
    const byArn = await lambda.send(new GetLayerVersionByArnCommand({ Arn: `${ARN}:2` }));
    assert.equal(byArn.Version, 2);
    const byLayerArn = await lambda.send(new GetLayerVersionCommand({ LayerName: ARN, VersionNumber: 2 }));
    assert.equal(byLayerArn.Description, 'says second');
  });

  it('lists versions newest first and layers with their latest matching version', async () => {
    const versions = await lambda.send(new ListLayerVersionsCommand({ LayerName: 'greet' }));
    assert.deepEqual(
      versions.LayerVersions?.map((v) => v.Version),
      [2, 1],
    );
    const for22 = await lambda.send(
      new ListLayerVersionsCommand({ LayerName: 'greet', CompatibleRuntime: 'nodejs22.x' }),
    );
    assert.deepEqual(
      for22.LayerVersions?.map((v) => v.Version),
      [1],
    );
    const paged = await lambda.send(new ListLayerVersionsCommand({ LayerName: 'greet', MaxItems: 1 }));
    assert.equal(paged.LayerVersions?.length, 1);
    const rest = await lambda.send(
      new ListLayerVersionsCommand({ LayerName: 'greet', MaxItems: 1, Marker: paged.NextMarker }),
    );
    assert.deepEqual(
      rest.LayerVersions?.map((v) => v.Version),
      [1],
    );
    const layers = await lambda.send(new ListLayersCommand({}));
    const greet = layers.Layers?.find((l) => l.LayerName === 'greet');
    assert.equal(greet?.LayerArn, ARN);
    assert.equal(greet?.LatestMatchingVersion?.Version, 2);
    const none = await lambda.send(new ListLayerVersionsCommand({ LayerName: 'no-such-layer' }));
    assert.deepEqual(none.LayerVersions, []);
  });

  it('answers with AWS errors for missing versions and bad references', async () => {
    await assert.rejects(lambda.send(new GetLayerVersionCommand({ LayerName: 'greet', VersionNumber: 9 })), {
      name: 'ResourceNotFoundException',
    });
    await assert.rejects(createActive('missing-layer', { Layers: [`${ARN}:9`] }), {
      name: 'InvalidParameterValueException',
      message: `Layer version ${ARN}:9 does not exist.`,
    });
    await assert.rejects(createActive('bad-arn', { Layers: ['greet:1'] }), { name: 'ValidationException' });
    await assert.rejects(createActive('six', { Layers: Array.from({ length: 6 }, () => `${ARN}:1`) }), {
      name: 'ValidationException',
      message: /Member must have length less than or equal to 5/,
    });
    await assert.rejects(createActive('twice', { Layers: [`${ARN}:1`, `${ARN}:2`] }), {
      name: 'InvalidParameterValueException',
      message: /Two different versions of the same layer/,
    });
  });

  it('resolves a module from an attached layer with require and import, and fails without it', async () => {
    await createActive('with-layer', { Layers: [`${ARN}:1`] });
    const cjs = await invoke('with-layer');
    assert.equal(cjs.error, undefined, JSON.stringify(cjs.body));
    assert.equal(cjs.body.greet, 'hello');
    assert.match(cjs.body.nodePath!, /\/nodejs\/node22\/node_modules:[^:]+\/nodejs\/node_modules:/);
    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'with-layer' }));
    assert.deepEqual(config.Layers, [{ Arn: `${ARN}:1`, CodeSize: greetLayerZip('hello').length }]);
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: 'with-layer' }));
    assert.equal(fn.Configuration?.Layers?.[0]?.Arn, `${ARN}:1`);

    await createActive('esm-with-layer', { Layers: [`${ARN}:1`], Handler: 'esm.handler' });
    const esm = await invoke('esm-with-layer');
    assert.equal(esm.error, undefined, JSON.stringify(esm.body));
    assert.equal(esm.body.greet, 'hello');

    await createActive('no-layer');
    const missing = await invoke('no-layer');
    // require() inside the handler: Node's own error, at invocation time.
    assert.equal(missing.error, 'Unhandled');
    assert.equal(missing.body.errorType, 'Error');
    assert.match(missing.body.errorMessage!, /Cannot find module 'greet'/);
    await createActive('esm-no-layer', { Handler: 'esm.handler' });
    const esmMissing = await invoke('esm-no-layer');
    assert.equal(esmMissing.body.errorType, 'Runtime.ImportModuleError');
    assert.match(esmMissing.body.errorMessage!, /Cannot find package 'greet'/);
  });

  it('extracts layers in order: a later one overwrites, nodejs/node<major> comes first', async () => {
    const other = await publish('other', { name: 'other', folder: 'nodejs/node22/node_modules' });
    await setLayers('with-layer', [`${ARN}:1`, other.LayerVersionArn!]);
    const both = await invoke('with-layer');
    assert.equal(both.body.greet, 'other');
    assert.equal(both.body.which, 'other');
    await setLayers('with-layer', [other.LayerVersionArn!, `${ARN}:1`]);
    const swapped = await invoke('with-layer');
    // NODE_PATH still puts node22 first; the marker file is the last layer's.
    assert.deepEqual([swapped.body.greet, swapped.body.which], ['other', 'hello']);
    await setLayers('with-layer', []);
    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'with-layer' }));
    assert.equal(config.Layers, undefined);
    assert.match((await invoke('with-layer')).body.errorMessage!, /Cannot find module 'greet'/);
  });

  it('deletes a version: gone from the API, still working in the function that has it', async () => {
    await lambda.send(new DeleteLayerVersionCommand({ LayerName: 'greet', VersionNumber: 1 }));
    // Idempotent, as on AWS.
    await lambda.send(new DeleteLayerVersionCommand({ LayerName: 'greet', VersionNumber: 1 }));
    await assert.rejects(lambda.send(new GetLayerVersionCommand({ LayerName: 'greet', VersionNumber: 1 })), {
      name: 'ResourceNotFoundException',
    });
    const versions = await lambda.send(new ListLayerVersionsCommand({ LayerName: 'greet' }));
    assert.deepEqual(
      versions.LayerVersions?.map((v) => v.Version),
      [2],
    );
    // A fresh environment (new configuration) still gets the deleted version's content.
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'esm-with-layer',
        Environment: { Variables: { MARK: '1' } },
      }),
    );
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: 'esm-with-layer' });
    assert.equal((await invoke('esm-with-layer')).body.greet, 'hello');
    await assert.rejects(setLayers('with-layer', [`${ARN}:1`]), { name: 'InvalidParameterValueException' });
    // Numbers are never reused.
    assert.equal((await publish('third')).Version, 3);
  });

  it('keeps layers and layered functions across a restart', async () => {
    await server.close();
    await start();
    const versions = await lambda.send(new ListLayerVersionsCommand({ LayerName: 'greet' }));
    assert.deepEqual(
      versions.LayerVersions?.map((v) => v.Version),
      [3, 2],
    );
    assert.equal((await invoke('esm-with-layer')).body.greet, 'hello');
    assert.equal((await publish('fourth')).Version, 4);
  });
});

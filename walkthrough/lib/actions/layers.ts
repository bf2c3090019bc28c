// Lambda layer actions: one SDK call each.
import {
  DeleteLayerVersionCommand,
  GetLayerVersionCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  type Architecture,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { awsCommand } from '../aws-cli.ts';
import { isNotFound } from '../errors.ts';
import { change, type ActionCtx } from './run.ts';
import './lambda.ts';

export interface LayerDefinition {
  name: string;
  description: string;
  runtime: string;
  architecture: string;
  zipPath: string;
}

/** `aws lambda publish-layer-version ...` (with `query`, the CLI prints only that). */
export function publishLayerCommand(ctx: Pick<ActionCtx, 'cliTarget'>, def: LayerDefinition, query?: string): string {
  return awsCommand(ctx.cliTarget, 'lambda', 'publish-layer-version', {
    'layer-name': def.name,
    description: def.description,
    'zip-file': `fileb://${def.zipPath}`,
    'compatible-runtimes': def.runtime,
    'compatible-architectures': def.architecture,
    query,
    output: query ? 'text' : undefined,
  });
}

/** `code.zip` is read only when the call is made: a dry run or a printed command never loads the zip. */
export function publishLayerVersion(ctx: ActionCtx, def: LayerDefinition, code: { readonly zip: Buffer }) {
  // Printed as it is pasted: the version's ARN kept for the function's `--layers "${LAYER_ARN}"`.
  const command = `LAYER_ARN="$(${publishLayerCommand(ctx, def, 'LayerVersionArn')})"`;
  return change(ctx, `publish a version of layer ${def.name}`, command, () =>
    ctx.clients.lambda.send(
      new PublishLayerVersionCommand({
        LayerName: def.name,
        Description: def.description,
        Content: { ZipFile: code.zip },
        CompatibleRuntimes: [def.runtime as Runtime],
        CompatibleArchitectures: [def.architecture as Architecture],
      }),
    ),
  );
}

/** The version, or undefined when it does not exist (any more). */
export async function getLayerVersion(ctx: ActionCtx, name: string, version: number) {
  try {
    return await ctx.clients.lambda.send(new GetLayerVersionCommand({ LayerName: name, VersionNumber: version }));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The layer's newest version number, if it has any. */
export async function latestLayerVersion(ctx: ActionCtx, name: string): Promise<number | undefined> {
  const out = await ctx.clients.lambda.send(new ListLayerVersionsCommand({ LayerName: name, MaxItems: 1 }));
  return out.LayerVersions?.[0]?.Version;
}

export function deleteLayerVersion(ctx: ActionCtx, name: string, version: number) {
  return change(
    ctx,
    `delete version ${version} of layer ${name}`,
    awsCommand(ctx.cliTarget, 'lambda', 'delete-layer-version', { 'layer-name': name, 'version-number': version }),
    () => ctx.clients.lambda.send(new DeleteLayerVersionCommand({ LayerName: name, VersionNumber: version })),
  );
}

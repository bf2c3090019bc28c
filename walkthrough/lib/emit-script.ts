// `npm run walkthrough -- --emit-script DIR`: the walkthrough as two plain bash scripts with the settings
// filled in, set-up.sh (steps 1-7, using the zips step 4 built: the function's and the sharp layer's)
// and teardown.sh. The commands are the
// ones --cli prints (the same action builders), each create guarded by a check, so a re-run after a
// partial run skips what exists. Nothing is created in the account while writing them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { createRole, putRolePolicy, deleteRole, deleteRolePolicy } from './actions/iam.ts';
import { addPermission, createFunction, deleteFunction } from './actions/lambda.ts';
import { createLogGroup, deleteLogGroup, putRetentionPolicy } from './actions/logs.ts';
import type { ActionCtx } from './actions/run.ts';
import {
  putPublicAccessBlock,
  createBucket,
  deleteBucket,
  putBucketTagging,
  putBucketNotificationConfiguration,
  putObject,
  waitObjectExistsCommand,
} from './actions/s3.ts';
import { awsCommand, shellQuote } from './aws-cli.ts';
import type { Ctx } from './context.ts';
import { sampleImage } from './events.ts';
import { layerName, lambdaTrustPolicy, logGroupName, partitionOf, SUITE_TAG, thumbnailPolicy } from './policies.ts';
import { statementId, notificationId } from './resources/trigger-ids.ts';
import { headingOf, oneShotSteps, stepById, stepCommand, stepRef } from './steps.ts';
import type { CliTarget } from './aws-cli.ts';
import { Reporter } from './ui.ts';
import { functionDefinition, layerDefinition } from '../40-function.ts';
import { publishLayerCommand } from './actions/layers.ts';

/** The zip a printed command names by path (fileb://): the bytes are never read. */
const NO_ZIP = { zip: Buffer.alloc(0) };

/** The aws-cli commands an action would run (a dry run that prints nothing). */
async function commandsOf(ctx: Ctx, call: (c: ActionCtx) => Promise<unknown>): Promise<string[]> {
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  const report = new Reporter({ cli: false, out: sink, tty: false });
  await call({ ...ctx, dryRun: true, report });
  return report.commands.filter((c) => !/ wait /.test(c));
}

/** `check` is a command (its output discarded), or with `raw` a condition written out in full. */
const guarded = (check: string, commands: string[], raw = false) =>
  [`if ! ${raw ? check : `${check} >/dev/null 2>&1`}; then`, ...commands.map((c) => `  ${c} >/dev/null`), 'fi'].join(
    '\n',
  );
const ifExists = (check: string, commands: string[]) =>
  [`if ${check} >/dev/null 2>&1; then`, ...commands.map((c) => `  ${c} >/dev/null`), 'fi'].join('\n');
/** A condition: the log group exists (DescribeLogGroups matches by prefix). */
function logGroupExists(t: CliTarget, group: string): string {
  const query = `length(logGroups[?logGroupName=='${group}'])`;
  const count = awsCommand(t, 'logs', 'describe-log-groups', { 'log-group-name-prefix': group, query, output: 'text' });
  return `[ "$(${count})" = 1 ]`;
}

const oneShotRange = () => {
  const order = oneShotSteps();
  return `${order[0]!.number}-${order[order.length - 1]!.number}`;
};
const heading = (id: string) => `\n# ${headingOf(stepById(id))}`;

function header(ctx: Ctx, what: string, rerun: string[]): string {
  const s = ctx.settings;
  const where = s.target === 'aws' ? `AWS account ${s.accountId}` : `the endpoint ${s.endpoint}`;
  const lines = [
    '#!/usr/bin/env bash',
    `# ${what}, as plain aws-cli commands (aws-cli v1 or v2), for ${where}, region ${s.region}.`,
    '# Written by `npm run walkthrough -- --emit-script` with these settings filled in.',
    ...rerun.map((l) => `# ${l}`),
    'set -euo pipefail',
    "export AWS_PAGER=''",
  ];
  if (s.target !== 'aws')
    lines.push(
      '# The endpoint takes any credentials it was started with (the local one: test / test).',
      ': "${AWS_ACCESS_KEY_ID:=test}" "${AWS_SECRET_ACCESS_KEY:=test}"',
      'export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY',
    );
  return lines.join('\n');
}

/** Sets LAYER_ARN: the layer's newest version, or a new one published from the layer zip when it has none. */
function layerScript(ctx: Ctx, layerZipPath: string): string[] {
  const t = ctx.cliTarget;
  const def = layerDefinition(ctx, layerZipPath);
  const latest = awsCommand(t, 'lambda', 'list-layer-versions', {
    'layer-name': def.name,
    query: 'LayerVersions[0].LayerVersionArn',
    output: 'text',
  });
  return [
    `LAYER_ARN="$(${latest} 2>/dev/null || true)"`,
    'if [ -z "$LAYER_ARN" ] || [ "$LAYER_ARN" = None ]; then',
    `  LAYER_ARN="$(${publishLayerCommand(ctx, def, 'LayerVersionArn')})"`,
    'fi',
  ];
}

async function setUpScript(ctx: Ctx, zipPath: string, layerZipPath: string, imageFile: string): Promise<string> {
  const s = ctx.settings;
  const t = ctx.cliTarget;
  const partition = partitionOf(ctx.identity.arn);
  const roleArn = `arn:${partition}:iam::${s.accountId}:role/${s.roleName}`;
  const functionArn = `arn:${partition}:lambda:${s.region}:${s.accountId}:function:${s.functionName}`;
  const def = { ...functionDefinition(ctx, zipPath, ['${LAYER_ARN}']), roleArn };
  const group = logGroupName(s);
  const policyName = `${s.functionName}-thumbnails`;
  const tags = [SUITE_TAG, { Key: 'walkthrough-function', Value: s.functionName }];
  const out = [
    header(ctx, `S3 thumbnail walkthrough, set-up (steps ${oneShotRange()})`, [
      'Re-running after a partial run: each create is skipped when the resource exists (it is not',
      'compared or updated: the walkthrough does that); the bucket notification is written whole,',
      "replacing the source bucket's other notifications.",
    ]),
    heading('env'),
    awsCommand(t, 'sts', 'get-caller-identity'),
    heading('role'),
    guarded(
      awsCommand(t, 'iam', 'get-role', { 'role-name': s.roleName }),
      await commandsOf(ctx, (c) =>
        createRole(
          c,
          s.roleName,
          lambdaTrustPolicy(),
          tags,
          `Execution role of the ${s.functionName} thumbnail function`,
        ),
      ),
    ),
    ...(await commandsOf(ctx, (c) => putRolePolicy(c, s.roleName, policyName, thumbnailPolicy(s, partition)))),
    heading('buckets'),
  ];
  for (const bucket of [s.sourceBucket, s.destBucket]) {
    out.push(
      guarded(
        awsCommand(t, 's3api', 'head-bucket', { bucket }),
        await commandsOf(ctx, (c) => createBucket(c, bucket, s.region)),
      ),
    );
    out.push(...(await commandsOf(ctx, (c) => putPublicAccessBlock(c, bucket))));
    out.push(...(await commandsOf(ctx, (c) => putBucketTagging(c, bucket, [SUITE_TAG]))));
  }
  out.push(
    heading('package'),
    `# ${zipPath} was built by ${stepRef('package')}: handlers/resize bundled with esbuild; and its layer`,
    `# ${layerZipPath}: sharp installed for linux-${s.architecture === 'arm64' ? 'arm64' : 'x64'} under nodejs/ ` +
      '(npm install --os=linux --cpu=... --libc=glibc sharp), zipped deterministically.',
    ...[zipPath, layerZipPath].map(
      (p) => `test -f ${shellQuote(p)} || { echo "missing ${p}: run ${stepCommand('package')}" >&2; exit 1; }`,
    ),
    heading('function'),
    guarded(
      logGroupExists(t, group),
      await commandsOf(ctx, (c) => createLogGroup(c, group, { [SUITE_TAG.Key]: SUITE_TAG.Value })),
    ),
    ...(await commandsOf(ctx, (c) => putRetentionPolicy(c, group, s.logRetentionDays))),
    '# The sharp layer: its newest version, or a new one (it is not compared: the walkthrough does that).',
    ...layerScript(ctx, layerZipPath),
    '# A new role takes a few seconds to be usable by Lambda (IAM is eventually consistent): retried.',
    `if ! ${awsCommand(t, 'lambda', 'get-function', { 'function-name': s.functionName })} >/dev/null 2>&1; then`,
    '  for attempt in 1 2 3 4 5 6 7 8 9 10; do',
    // `--layers "${LAYER_ARN}"`: set by the layer's commands above (shellQuote leaves it to expand).
    `    if ${(await commandsOf(ctx, (c) => createFunction(c, def, NO_ZIP)))[0]!} >/dev/null; then break; fi`,
    '    if [ "$attempt" = 10 ]; then exit 1; fi',
    '    sleep 3',
    '  done',
    'fi',
    awsCommand(t, 'lambda', 'wait function-active-v2', { 'function-name': s.functionName }),
    heading('trigger'),
  );
  const sid = statementId(ctx);
  const permission = {
    functionName: s.functionName,
    statementId: sid,
    principal: 's3.amazonaws.com',
    sourceArn: `arn:${partition}:s3:::${s.sourceBucket}`,
    sourceAccount: s.accountId,
  };
  out.push(
    guarded(
      `${awsCommand(t, 'lambda', 'get-policy', { 'function-name': s.functionName, query: 'Policy', output: 'text' })}` +
        ` | grep -q ${shellQuote(`"Sid":"${sid}"`)}`,
      await commandsOf(ctx, (c) => addPermission(c, permission)),
      true,
    ),
  );
  const notification = {
    LambdaFunctionConfigurations: [
      { Id: notificationId(ctx), LambdaFunctionArn: functionArn, Events: ['s3:ObjectCreated:*' as const] },
    ],
  };
  out.push(
    ...(await commandsOf(ctx, (c) => putBucketNotificationConfiguration(c, s.sourceBucket, notification, 'notify'))),
  );
  const key = 'images/sample.jpg';
  out.push(
    heading('test'),
    ...(await commandsOf(ctx, (c) => putObject(c, s.sourceBucket, key, Buffer.alloc(0), 'image/jpeg', imageFile))).map(
      (c) => `${c} >/dev/null`,
    ),
    waitObjectExistsCommand(ctx, s.destBucket, `resized-${key}`),
    `echo "thumbnail: s3://${s.destBucket}/resized-${key}"`,
    '',
  );
  return out.join('\n');
}

/** Deletes every version of the function's sharp layer (a layer goes away with its last version). */
function layerTeardown(ctx: Ctx): string[] {
  const t = ctx.cliTarget;
  const name = layerName(ctx.settings.functionName);
  const versions = awsCommand(t, 'lambda', 'list-layer-versions', {
    'layer-name': name,
    query: 'LayerVersions[].Version',
    output: 'text',
  });
  return [
    `for version in $(${versions}); do`,
    `  ${awsCommand(t, 'lambda', 'delete-layer-version', { 'layer-name': name })} \\`,
    '    --version-number "$version" >/dev/null',
    'done',
  ];
}

async function teardownScript(ctx: Ctx): Promise<string> {
  const s = ctx.settings;
  const t = ctx.cliTarget;
  const group = logGroupName(s);
  const out = [
    header(ctx, 'S3 thumbnail walkthrough, teardown', [
      'Removes, by the names below, what set-up.sh created; each removal is skipped when the resource',
      'is gone, so it can be re-run. It does not check who created them: use it only for what set-up.sh',
      'made (npm run teardown checks).',
    ]),
    heading('teardown'),
    ifExists(
      awsCommand(t, 's3api', 'head-bucket', { bucket: s.sourceBucket }),
      await commandsOf(ctx, (c) => putBucketNotificationConfiguration(c, s.sourceBucket, {}, 'remove')),
    ),
    ifExists(
      awsCommand(t, 'lambda', 'get-function', { 'function-name': s.functionName }),
      await commandsOf(ctx, (c) => deleteFunction(c, s.functionName)),
    ),
    ...layerTeardown(ctx),
    ifExists(logGroupExists(t, group), await commandsOf(ctx, (c) => deleteLogGroup(c, group))),
    ifExists(awsCommand(t, 'iam', 'get-role', { 'role-name': s.roleName }), [
      ...(await commandsOf(ctx, (c) => deleteRolePolicy(c, s.roleName, `${s.functionName}-thumbnails`))),
      ...(await commandsOf(ctx, (c) => deleteRole(c, s.roleName))),
    ]),
  ];
  for (const bucket of [s.sourceBucket, s.destBucket])
    out.push(
      ifExists(awsCommand(t, 's3api', 'head-bucket', { bucket }), [
        awsCommand(t, 's3', 'rm', { recursive: true }, [`s3://${bucket}`]),
        ...(await commandsOf(ctx, (c) => deleteBucket(c, bucket))),
      ]),
    );
  out.push('echo "teardown done"', '');
  return out.join('\n');
}

/** Writes DIR/set-up.sh, DIR/teardown.sh and the sample image set-up uploads; returns their paths. */
export async function emitScripts(ctx: Ctx, dir: string, zipPath: string, layerZipPath: string): Promise<string[]> {
  if (ctx.settings.trigger !== 'lambda')
    throw new Error('emitScripts: the SNS variant is not written (all.ts refuses)');
  fs.mkdirSync(dir, { recursive: true });
  const image = path.resolve(dir, 'sample.jpg');
  fs.writeFileSync(image, await sampleImage('emitted set-up'));
  const files = [path.join(dir, 'set-up.sh'), path.join(dir, 'teardown.sh')];
  fs.writeFileSync(files[0]!, await setUpScript(ctx, zipPath, layerZipPath, image), { mode: 0o755 });
  fs.writeFileSync(files[1]!, await teardownScript(ctx), { mode: 0o755 });
  return files;
}

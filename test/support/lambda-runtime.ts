// Shared set-up for the execution engine tests: a real local endpoint, a real role created through
// the IAM SDK, handler code written into temp folders, and the engine driven directly.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import type { LocalAwsConfig } from '../../local-aws/config.ts';
import type { ExecutionEngine, FunctionSpec, InvokeResult } from '../../local-aws/lambda/runtime/contract.ts';
import { engineServices } from '../../local-aws/integrations/lambda-runtime.ts';
import { createExecutionEngine } from '../../local-aws/lambda/runtime/engine.ts';
import { LAMBDA_TRUST } from './lambda-kit.ts';
import { ACCOUNT, startTestServer, tempDir, type TestServer } from './local-aws.ts';

export const LOGS_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
  ],
});

export interface Harness {
  server: TestServer;
  engine: ExecutionEngine;
  iam: IAMClient;
  /** A role trusted by Lambda; with the basic logging permissions unless `logs` is false. */
  createRole(name: string, opts?: { logs?: boolean }): Promise<string>;
  /** Writes handler files into a fresh folder (or `spec.codeDir`) and returns a spec for them. */
  fn(files: Record<string, string>, spec?: Partial<FunctionSpec>): FunctionSpec;
  invoke(
    spec: FunctionSpec,
    event?: unknown,
    extra?: { clientContext?: string; traceId?: string },
  ): Promise<InvokeResult>;
  close(): Promise<void>;
}

let counter = 0;

export async function harness(config: Partial<LocalAwsConfig> = {}): Promise<Harness> {
  const server = await startTestServer(config);
  const engine = createExecutionEngine(server.backend.config, engineServices(server.backend));
  const iam = new IAMClient(server.clientConfig());
  const folders: string[] = [];
  const createRole: Harness['createRole'] = async (name, opts = {}) => {
    const created = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: LAMBDA_TRUST }));
    if (opts.logs !== false)
      await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'logs', PolicyDocument: LOGS_POLICY }));
    return created.Role!.Arn!;
  };
  const defaultRole = await createRole('lambda-default');
  const h: Harness = {
    server,
    engine,
    iam,
    createRole,
    fn(files, spec = {}) {
      const codeDir = spec.codeDir ?? tempDir('lambda-code-');
      folders.push(codeDir);
      for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(codeDir, name)), { recursive: true });
        fs.writeFileSync(path.join(codeDir, name), text);
      }
      const functionName = spec.functionName ?? `fn-${process.pid}-${++counter}`;
      return {
        functionName,
        functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${functionName}`,
        region: 'us-east-1',
        accountId: ACCOUNT,
        runtime: 'nodejs22.x',
        handler: 'index.handler',
        codeDir,
        codeSha256: 'unused',
        memorySize: 128,
        timeout: 3,
        environment: {},
        architecture: 'x86_64',
        roleArn: defaultRole,
        logGroup: `/aws/lambda/${functionName}`,
        logFormat: 'Text',
        revisionId: randomUUID(),
        ephemeralStorageMb: 512,
        ...spec,
      };
    },
    invoke(spec, event = {}, extra = {}) {
      return engine.invoke({
        spec,
        payload: Buffer.from(JSON.stringify(event)),
        requestId: randomUUID(),
        invokedFunctionArn: spec.functionArn,
        ...extra,
      });
    },
    async close() {
      await engine.close();
      await server.stopAndRemove();
      for (const f of folders) fs.rmSync(f, { recursive: true, force: true });
    },
  };
  return h;
}

/** The function's JSON response, typed by the test that knows what its handler returns. */
export function json<T = Record<string, unknown>>(result: InvokeResult): T {
  return JSON.parse(result.payload.toString('utf8')) as T;
}

/** Polls until `check` holds or the deadline passes (no fixed sleeps). */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

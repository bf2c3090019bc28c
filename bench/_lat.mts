import { CreateFunctionCommand, InvokeCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { clients, createRole, EMPTY_HANDLER, zipOf } from '/work/main/bench/lambda/kit.ts';
import { startLocalEndpoint, cleanupAll } from '/work/main/bench/lib/procs.ts';
const ep = await startLocalEndpoint();
const c = clients(ep.url);
const role = await createRole(c.iam, 'r');
await c.lambda.send(new CreateFunctionCommand({ FunctionName: 'f', Role: role, Runtime: 'nodejs22.x', Handler: 'index.handler', MemorySize: 1769, Code: { ZipFile: zipOf({ 'index.mjs': EMPTY_HANDLER }) } }));
await waitUntilFunctionActiveV2({ client: c.lambda, maxWaitTime: 30 }, { FunctionName: 'f' });
const slow: string[] = [];
const all: number[] = [];
for (let i = 0; i < 400; i++) {
  const t = performance.now();
  const r = await c.lambda.send(new InvokeCommand({ FunctionName: 'f', Payload: Buffer.from('{}'), LogType: 'Tail' }));
  const d = performance.now() - t;
  all.push(d);
  if (d > 15) slow.push(`${i}:${d.toFixed(0)}/${/\tDuration: ([\d.]+)/.exec(Buffer.from(r.LogResult!, 'base64').toString())?.[1]}`);
}
console.log(slow.join(' '));
all.sort((a, b) => a - b);
console.log('p50', all[200]!.toFixed(2), 'p90', all[360]!.toFixed(2));
await cleanupAll();
process.exit(0);

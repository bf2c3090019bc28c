// A local endpoint with an execution engine in its own process, for the test that kills it: it
// starts one idle environment and one stuck in a synchronous loop, prints their pids, then waits.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { harness, json, waitFor } from './lambda-runtime.ts';

const h = await harness({ dataDir: process.argv[2] });
const idle = h.fn({ 'index.mjs': `export const handler = async () => process.pid;` });
const idlePid = json<number>(await h.invoke(idle));
const pidFile = path.join(h.server.dataDir, 'busy.pid');
const busy = h.fn(
  {
    'index.mjs':
      `import * as fs from 'node:fs'; ` +
      `export const handler = async (e) => { fs.writeFileSync(e.pidFile, String(process.pid)); for (;;) {} };`,
  },
  { timeout: 900 },
);
void h.invoke(busy, { pidFile });
await waitFor(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').length > 0, 'the busy handler');
process.stdout.write(JSON.stringify({ idlePid, busyPid: Number(fs.readFileSync(pidFile, 'utf8')) }) + '\n');
setInterval(() => {}, 1000);

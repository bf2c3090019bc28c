// `npm run local:start | local:stop | local:status | local:reset | local:serve`
import * as fs from 'node:fs';
import * as readline from 'node:readline/promises';
import { pathToFileURL } from 'node:url';
import { minimist } from 'zx';
import { loadConfig, localEnv } from './config.ts';
import { logFile, probe, startInBackground, stop, wipeData } from './control.ts';
import { startLocalAws } from './server.ts';

const USAGE = `Usage: tsx local-aws/cli.ts <start|stop|status|reset|serve> [--yes]
  start    start the local AWS endpoint in the background (no-op if it runs)
  stop     stop it
  status   say whether it runs, where, and where its data is
  reset    delete all of its state (asks first unless --yes)
  serve    run it in the foreground (Ctrl-C stops it)`;

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(`${question} [y/N] `);
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

async function serve(): Promise<void> {
  const local = await startLocalAws(loadConfig());
  console.log(`local AWS endpoint listening on ${local.url} (data in ${local.config.dataDir}, pid ${process.pid})`);
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await local.close();
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

export async function main(args: string[]): Promise<number> {
  const argv = minimist(args, { boolean: ['yes', 'help'], alias: { y: 'yes', h: 'help' } });
  const command = argv._[0];
  if (argv.help || !command) {
    console.log(USAGE);
    return command || argv.help ? 0 : 2;
  }
  const config = loadConfig();
  switch (command) {
    case 'serve':
      await serve();
      return -1; // keep running
    case 'start': {
      const r = await startInBackground(config);
      console.log(
        r.alreadyRunning
          ? `already running at ${r.url} (pid ${r.pid})`
          : `started at ${r.url} (pid ${r.pid}); log: ${logFile(config)}`,
      );
      return 0;
    }
    case 'stop':
      console.log((await stop(config)) ? 'stopped' : `not running (nothing answers on ${config.host}:${config.port})`);
      return 0;
    case 'status': {
      const h = await probe(config);
      if (h === 'other') console.log(`port ${config.port} is used by another program`);
      else if (h) console.log(`running at http://${config.host}:${config.port} (pid ${h.pid}), data in ${h.dataDir}`);
      else console.log(`not running; data folder: ${config.dataDir}`);
      return h && h !== 'other' ? 0 : 3;
    }
    case 'reset': {
      if (!argv.yes && !(await confirm(`Delete all local AWS state in ${config.dataDir}?`))) {
        console.error(
          process.stdin.isTTY ? 'Nothing deleted.' : 'Refusing to delete without a terminal to ask; pass --yes.',
        );
        return 1;
      }
      const wasRunning = await stop(config);
      const wiped = wipeData(config);
      console.log(wiped ? `deleted ${config.dataDir}` : 'nothing to delete');
      if (wasRunning) console.log(`restarted at ${(await startInBackground(config)).url}`);
      return 0;
    }
    default:
      console.error(`Unknown command "${command}".\n${USAGE}`);
      return 2;
  }
}

/** LOCAL_AWS_DEBUG=1 or true, from the environment or .env (an unreadable .env must not hide the real error). */
function debugWanted(): boolean {
  const on = (value: string | undefined) => /^(1|true)$/i.test(value?.trim() ?? '');
  try {
    return on(localEnv().LOCAL_AWS_DEBUG);
  } catch {
    return on(process.env.LOCAL_AWS_DEBUG);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code >= 0) process.exitCode = code;
    },
    (err: unknown) => {
      // Expected failures carry a message that says what to do; a stack only helps when debugging.
      console.error(debugWanted() && err instanceof Error ? err.stack : ((err as Error)?.message ?? String(err)));
      process.exitCode = 1;
    },
  );
}

// The local endpoint's LOCAL_AWS_* settings (the Lambda ones among them): `.env` in the working
// directory as env.example says, the environment over it, and a clear refusal of bad values at start.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, loadConfig, localEnv } from '../../local-aws/config.ts';
import { freePort, tempDir } from '../support/local-aws.ts';

const CLI = path.resolve('local-aws/cli.ts');

/** The environment of a child without any LOCAL_AWS_* of the machine running the tests. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LOCAL_AWS_')) env[k] = v;
  return { ...env, ...extra };
}

function startCli(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; done: Promise<{ code: number; out: string }>; output: () => string } {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), CLI, ...args], {
    cwd,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const done = new Promise<{ code: number; out: string }>((resolve) =>
    child.on('close', (code) => resolve({ code: code ?? -1, out })),
  );
  return { child, done, output: () => out };
}

describe('local endpoint settings', () => {
  const dir = tempDir('endpoint-config-');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function project(name: string, dotenv: string): string {
    const cwd = path.join(dir, name);
    fs.mkdirSync(cwd, { recursive: true });
    fs.writeFileSync(path.join(cwd, '.env'), dotenv);
    return cwd;
  }

  it('reads LOCAL_AWS_* from .env, with the environment winning, and nothing else from the file', () => {
    const cwd = project(
      'merge',
      'LOCAL_AWS_LAMBDA_IDLE_MS=1234\nLOCAL_AWS_LAMBDA_RETRY_DELAYS_MS=10,20\nLOCAL_AWS_PORT=4700\nOTHER=x\n',
    );
    const env = localEnv({ LOCAL_AWS_PORT: '4701', PATH: '/bin' }, path.join(cwd, '.env'));
    assert.equal(env.OTHER, undefined);
    const config = loadConfig(env);
    assert.equal(config.lambdaIdleMs, 1234);
    assert.deepEqual(config.lambdaRetryDelaysMs, [10, 20]);
    assert.equal(config.port, 4701);
    // No .env at all: the defaults.
    assert.equal(loadConfig(localEnv({}, path.join(dir, 'missing', '.env'))).port, 4599);
  });

  it(
    'loadConfig() with no arguments (what the walkthrough calls before ' +
      'starting the endpoint) reads .env in the working directory',
    () => {
      const cwd = project('default', 'LOCAL_AWS_LAMBDA_MAX_CONCURRENCY=4\nLOCAL_AWS_DATA=state\n');
      const before = process.cwd();
      const saved = { ...process.env };
      for (const k of Object.keys(process.env)) if (k.startsWith('LOCAL_AWS_')) delete process.env[k];
      process.chdir(cwd);
      try {
        const config = loadConfig();
        assert.equal(config.lambdaMaxConcurrency, 4);
        assert.equal(config.dataDir, path.join(fs.realpathSync(cwd), 'state'));
        process.env.LOCAL_AWS_LAMBDA_MAX_CONCURRENCY = '6';
        assert.equal(loadConfig().lambdaMaxConcurrency, 6, 'the environment wins over .env');
      } finally {
        process.chdir(before);
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
        Object.assign(process.env, saved);
      }
    },
  );

  it('takes every number from the env it is given, not from process.env', () => {
    const config = loadConfig({
      LOCAL_AWS_LAMBDA_IDLE_MS: '1234',
      LOCAL_AWS_LAMBDA_MAX_CONCURRENCY: '3',
      LOCAL_AWS_PORT: '4702',
    });
    assert.deepEqual([config.lambdaIdleMs, config.lambdaMaxConcurrency, config.port], [1234, 3, 4702]);
  });

  it('refuses bad values, naming the variable and what it accepts', () => {
    const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
      [
        { LOCAL_AWS_PORT: '99999' },
        /^LOCAL_AWS_PORT must be a TCP port \(1-65535, or 0 for any free port\), got "99999"\.$/,
      ],
      [{ LOCAL_AWS_PORT: '80a' }, /^LOCAL_AWS_PORT must be a TCP port/],
      [
        { LOCAL_AWS_LAMBDA_RETRY_DELAYS_MS: 'abc' },
        /^LOCAL_AWS_LAMBDA_RETRY_DELAYS_MS must be two delays in milliseconds .* e\.g\. 1000,2000; got "abc"\.$/,
      ],
      [{ LOCAL_AWS_LAMBDA_RETRY_DELAYS_MS: '1000' }, /^LOCAL_AWS_LAMBDA_RETRY_DELAYS_MS must be two delays/],
      [{ LOCAL_AWS_LAMBDA_RETRY_DELAYS_MS: '1000,-1' }, /^LOCAL_AWS_LAMBDA_RETRY_DELAYS_MS must be two delays/],
      [
        { LOCAL_AWS_LAMBDA_IDLE_MS: '-5' },
        /^LOCAL_AWS_LAMBDA_IDLE_MS must be a time in milliseconds \(0-86400000\), got "-5"\.$/,
      ],
      [{ LOCAL_AWS_LAMBDA_IDLE_MS: '1.5' }, /^LOCAL_AWS_LAMBDA_IDLE_MS must be/],
      [
        { LOCAL_AWS_LAMBDA_MAX_CONCURRENCY: '0' },
        /^LOCAL_AWS_LAMBDA_MAX_CONCURRENCY must be a number of execution environments \(1-1000\), got "0"\.$/,
      ],
      [{ LOCAL_AWS_LAMBDA_CPU_LIMITS: 'yes' }, /^LOCAL_AWS_LAMBDA_CPU_LIMITS must be 0 or 1, got "yes"\.$/],
      [{ LOCAL_AWS_LOG_REQUESTS: 'true' }, /^LOCAL_AWS_LOG_REQUESTS must be 0 or 1/],
      [{ LOCAL_AWS_ACCOUNT_ID: '123' }, /^LOCAL_AWS_ACCOUNT_ID must be 12 digits/],
    ];
    for (const [env, message] of cases)
      assert.throws(
        () => loadConfig(env),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
        JSON.stringify(env),
      );
  });

  it(
    'npm run local:serve refuses a bad value from .env ' + 'or the environment: message, exit 1, no stack trace',
    async () => {
      const cwd = project('bad', 'LOCAL_AWS_PORT=99999\n');
      const fromFile = await startCli(['serve'], cwd).done;
      assert.equal(fromFile.code, 1);
      assert.equal(
        fromFile.out.trim(),
        'LOCAL_AWS_PORT must be a TCP port (1-65535, or 0 for any free port), got "99999".',
      );
      const fromEnv = await startCli(['start'], path.join(dir, 'bad'), {
        LOCAL_AWS_PORT: '4703',
        LOCAL_AWS_LAMBDA_RETRY_DELAYS_MS: 'abc',
      }).done;
      assert.equal(fromEnv.code, 1);
      assert.match(fromEnv.out, /^LOCAL_AWS_LAMBDA_RETRY_DELAYS_MS must be two delays/);
      assert.doesNotMatch(fromEnv.out, /\n\s+at /);
    },
  );

  it('npm run local:serve and local:status use the port and data folder .env names', async () => {
    const port = await freePort();
    const cwd = project('good', `LOCAL_AWS_PORT=${port}\nLOCAL_AWS_DATA=from-dotenv\n`);
    const status = await startCli(['status'], cwd).done;
    assert.equal(status.code, 3);
    assert.equal(status.out.trim(), `not running; data folder: ${path.join(cwd, 'from-dotenv')}`);
    const overridden = await startCli(['status'], cwd, { LOCAL_AWS_DATA: path.join(cwd, 'from-env') }).done;
    assert.match(overridden.out, /data folder: .*from-env$/m);

    const serving = startCli(['serve'], cwd);
    const deadline = Date.now() + 20_000;
    while (!/listening on/.test(serving.output()) && serving.child.exitCode === null && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 25));
    serving.child.kill('SIGTERM');
    await serving.done;
    assert.match(
      serving.output(),
      new RegExp(
        `listening on http://127\\.0\\.0\\.1:${port} \\(data in ` +
          `${path.join(cwd, 'from-dotenv').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')},`,
      ),
    );
  });
});

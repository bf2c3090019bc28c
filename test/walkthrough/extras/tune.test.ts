// `npm run tune` against a local endpoint started here, on a walkthrough set up once: the table over
// three memory sizes is read back and checked (billed duration and memory > 0, cost = the published
// formula), the SVG is written, recommendations are made, and the function's memory is restored,
// after a normal run, after Ctrl-C, and after a run that was killed outright.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { invocationCost, loadPrices } from '../../../walkthrough/extras/lib/prices.ts';
import { startTestServer, tempDir, type TestServer } from '../../support/local-aws.ts';
import { endpointEnv, PROJECT, runScript, said, scriptEnv, type ScriptResult } from '../../support/walkthrough.ts';

const PHOTO = path.join(PROJECT, 'test', 'fixtures', 'images', 'photo-landscape.jpg');
const FUNCTION = 'CreateThumbnail';

let server: TestServer;
let env: NodeJS.ProcessEnv;
let cwd: string;
let lambda: LambdaClient;
let cpuEnforced = false;

before(async () => {
  server = await startTestServer();
  env = scriptEnv(endpointEnv(server.url));
  cwd = tempDir('tune-');
  lambda = new LambdaClient(server.clientConfig());
  const health = (await (await fetch(`${server.url}/_localaws/health`)).json()) as {
    lambda: { cpu: { enforced: boolean } };
  };
  cpuEnforced = health.lambda.cpu.enforced;
  // Tuning needs the role, buckets and function; the trigger and the test step are not needed.
  const setup = await runScript('all.ts', ['--until', 'function'], { cwd, env });
  assert.equal(setup.code, 0, setup.stderr + setup.stdout);
});
after(async () => {
  await server.stopAndRemove();
  fs.rmSync(cwd, { recursive: true, force: true });
});

const tune = (...args: string[]) => runScript('extras/tune.ts', args, { cwd, env });
const memory = async () =>
  (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FUNCTION }))).MemorySize;
const tuningRecorded = () =>
  fs
    .readdirSync(path.join(cwd, '.walkthrough'))
    .some((f) => /"tuning"/.test(fs.readFileSync(path.join(cwd, '.walkthrough', f), 'utf8')));

interface Row {
  memory: number;
  /** Mean of the warm runs' Billed Duration. */
  billed: number;
  billedRange: [number, number];
  duration: number;
  maxMemory: number;
  cost: number;
  runs: number;
}

function rows(stdout: string): Row[] {
  const re =
    /^\s+(\d+)\s+(?:[\d.]+|-)\s+\S+\s+([\d.]+)\s+(\d+)-(\d+)\s+([\d.]+)\s+(\d+)\s+\$([\d.]+)\s+\$[\d.]+\s+(\d+)\s*$/;
  return stdout
    .split('\n')
    .map((l) => re.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({
      memory: Number(m[1]),
      billed: Number(m[2]),
      billedRange: [Number(m[3]), Number(m[4])] as [number, number],
      duration: Number(m[5]),
      maxMemory: Number(m[6]),
      cost: Number(m[7]),
      runs: Number(m[8]),
    }));
}

/** Runs tune and sends `signal` once stdout matches `when`. */
function tuneUntil(args: string[], when: RegExp, signal: NodeJS.Signals): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), path.join(PROJECT, 'walkthrough', 'extras', 'tune.ts'), ...args],
      { cwd, env },
    );
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!sent && when.test(stdout)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, sig) => resolve({ code: code ?? (sig ? 128 : -1), stdout, stderr }));
  });
}

/** Where CPU does not follow memory: the plain statement, the table marked as not meaningful, nothing compared. */
function assertNoComparison(stdout: string, folder: string): void {
  assert.match(stdout, /CPU limits are not enforced on this endpoint: durations do not depend on memory here\./);
  assert.match(stdout, /it says nothing about memory vs speed or cost: no chart and no recommendation/);
  assert.match(stdout, /^Measured, NOT meaningful across sizes: CreateThumbnail/m);
  assert.doesNotMatch(stdout, /Recommendations|^\s+(fastest|cheapest|balanced)\s/m);
  assert.doesNotMatch(stdout, /█|chart: /);
  const out = path.join(folder, 'out');
  assert.deepEqual(fs.existsSync(out) ? fs.readdirSync(out).filter((f) => f.endsWith('.svg')) : [], []);
}

describe('npm run tune', () => {
  it('says to set up the walkthrough first where there is nothing to tune', async () => {
    const empty = tempDir('tune-empty-');
    try {
      const r = await runScript('extras/tune.ts', ['--memory', '128'], {
        cwd: empty,
        env: scriptEnv(endpointEnv(server.url)),
      });
      assert.equal(r.code, 1, said(r));
      assert.match(r.stderr, /The walkthrough is not set up here/);
      assert.match(r.stderr, /npm run walkthrough/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('measures three memory sizes, prices them, charts them, recommends one and restores the memory', async () => {
    const r = await tune('--memory', '512,128,1769', '--runs', '2', '--image', PHOTO);
    assert.equal(r.code, 0, said(r));
    const table = rows(r.stdout);
    assert.deepEqual(
      table.map((x) => x.memory),
      [128, 512, 1769],
      r.stdout,
    );
    const prices = loadPrices().architectures.x86_64!;
    for (const row of table) {
      assert.equal(row.runs, 2);
      assert.ok(row.billed > 0 && row.duration > 0 && row.maxMemory > 0, JSON.stringify(row));
      // Billed Duration is the duration rounded up to whole ms; the mean lies within the runs' range.
      assert.ok(row.billed >= row.duration - 0.05 && row.billed - row.duration < 1.05, JSON.stringify(row));
      assert.ok(row.billed >= row.billedRange[0] && row.billed <= row.billedRange[1], JSON.stringify(row));
      assert.ok(
        Math.abs(row.cost - invocationCost(row.billed, row.memory, prices)) < 1e-10,
        `cost of ${row.memory} MB: ${row.cost}`,
      );
    }
    if (cpuEnforced) {
      assert.doesNotMatch(r.stdout, /CPU limits are not enforced/);
      assert.ok(
        table[0]!.billed > table[2]!.billed,
        `128 MB (${table[0]!.billed} ms) slower than 1769 MB (${table[2]!.billed} ms)`,
      );
    } else
      assert.match(r.stdout, /CPU limits are not enforced on this endpoint: durations do not depend on memory here/);

    if (cpuEnforced) {
      for (const kind of ['fastest', 'cheapest', 'balanced'])
        assert.match(r.stdout, new RegExp(`^\\s+${kind}\\s+(128|512|1769) MB`, 'm'));
      const cheapest = Math.min(...table.map((x) => x.cost));
      assert.equal(
        Number(/^\s+cheapest\s+(\d+) MB/m.exec(r.stdout)![1]),
        table.find((x) => x.cost === cheapest)!.memory,
      );
      assert.match(r.stdout, /█+\s+\d+(\.\d+)? ms/);

      const svgPath = /chart: (\S+\.svg)/.exec(r.stdout)?.[1];
      assert.ok(svgPath && fs.existsSync(svgPath), r.stdout);
      assert.ok(svgPath.startsWith(path.join(cwd, 'out', 'tune-')));
      const svg = fs.readFileSync(svgPath, 'utf8');
      assert.equal(XMLValidator.validate(svg), true);
      for (const label of ['128 MB', '512 MB', '1769 MB', 'billed duration', 'cost per 1M invocations'])
        assert.ok(svg.includes(label), label);
    } else assertNoComparison(r.stdout, cwd);

    assert.match(r.stdout, /memory of CreateThumbnail restored to 1024 MB/);
    assert.equal(await memory(), 1024);
    assert.equal(tuningRecorded(), false);
  });

  it('restores the memory on Ctrl-C', async () => {
    const r = await tuneUntil(['--memory', '256,384', '--runs', '3', '--image', PHOTO], /256 MB/, 'SIGINT');
    assert.equal(r.code, 130, said(r));
    assert.match(r.stderr, /Interrupted; CreateThumbnail's memory is back at 1024 MB/);
    assert.equal(await memory(), 1024);
    assert.equal(tuningRecorded(), false);
  });

  it('after a run killed outright, the next run knows the original memory and restores it', async () => {
    const killed = await tuneUntil(['--memory', '640', '--runs', '5', '--image', PHOTO], /to use 640 MB/, 'SIGKILL');
    assert.notEqual(killed.code, 0);
    assert.equal(await memory(), 640);
    assert.equal(tuningRecorded(), true);
    const r = await tune('--memory', '1769', '--runs', '1', '--image', PHOTO);
    assert.equal(r.code, 0, said(r));
    assert.match(r.stdout, /an earlier tune run did not finish; CreateThumbnail's original memory size was 1024 MB/);
    assert.equal(await memory(), 1024);
    assert.equal(tuningRecorded(), false);
  });
});

describe('npm run tune where CPU limits are not enforced', () => {
  it(
    'prints the plain statement and the measured table marked ' +
      'as not meaningful, but no recommendation and no chart',
    async () => {
      const off = await startTestServer({ lambdaCpuLimits: false });
      const folder = tempDir('tune-off-');
      try {
        const offEnv = scriptEnv(endpointEnv(off.url));
        const setup = await runScript('all.ts', ['--until', 'function'], { cwd: folder, env: offEnv });
        assert.equal(setup.code, 0, setup.stderr + setup.stdout);
        const json = path.join(folder, 'tune.json');
        const r = await runScript(
          'extras/tune.ts',
          ['--memory', '256,128', '--runs', '1', '--image', PHOTO, '--save-json', json],
          { cwd: folder, env: offEnv },
        );
        assert.equal(r.code, 0, said(r));
        assert.match(r.stdout, /CPU limits are switched off \(LOCAL_AWS_LAMBDA_CPU_LIMITS=0\)/);
        assertNoComparison(r.stdout, folder);
        // The measurements are still there, and so is the restored memory.
        assert.deepEqual(
          rows(r.stdout).map((x) => [x.memory, x.runs]),
          [
            [128, 1],
            [256, 1],
          ],
          r.stdout,
        );
        assert.match(r.stdout, /memory of CreateThumbnail restored to 1024 MB/);
        const saved = JSON.parse(fs.readFileSync(json, 'utf8')) as {
          cpu: { enforced: boolean };
          recommendations?: unknown;
          sizes: unknown[];
        };
        assert.equal(saved.cpu.enforced, false);
        assert.equal(saved.recommendations, undefined);
        assert.equal(saved.sizes.length, 2);
      } finally {
        await off.stopAndRemove();
        fs.rmSync(folder, { recursive: true, force: true });
      }
    },
  );
});

// What the scripts tell the user to run next: the one-shot's teardown and continue commands carry the
// flags that chose the settings (so they find the same state and resources), a dry run and --until say
// what they did, teardown with nothing to find says where it looked, and misspelt flags are refused.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { startTestServer, tempDir, type TestServer } from '../support/local-aws.ts';
import { endpointEnv, PROJECT, reported, runScript, scriptEnv } from '../support/walkthrough.ts';

const exec = promisify(execFile);
let server: TestServer;
let env: NodeJS.ProcessEnv;
const dirs: string[] = [];
const scratch = (prefix: string) => {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
};

before(async () => {
  server = await startTestServer();
  env = scriptEnv(endpointEnv(server.url));
});
after(async () => {
  await server.stopAndRemove();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Runs a printed `npm run <script> -- ...` line verbatim in a shell, with the script run through tsx. */
async function runPrinted(line: string, cwd: string): Promise<string> {
  const command = line.replace(/ {2}\(with the same .*\)$/, '');
  const m = /^npm run (walkthrough|teardown)(?: -- (.*))?$/.exec(command);
  assert.ok(m, `not an npm run line: ${line}`);
  const script = m[1] === 'teardown' ? '90-teardown.ts' : 'all.ts';
  const shell =
    `"${process.execPath}" --import ${import.meta.resolve('tsx')} ` +
    `"${path.join(PROJECT, 'walkthrough', script)}" ${m[2] ?? ''}`;
  const r = await exec('sh', ['-c', shell], { cwd, env });
  return r.stdout;
}

describe('the one-shot summary', () => {
  it('gives a teardown command with the flags that chose the settings, and it finds the same resources', async () => {
    const cwd = scratch('summary-flags-');
    // The region and names come from flags (the environment says us-east-1 and the defaults).
    const flags = [
      '--region',
      'eu-west-1',
      '--source-bucket',
      'flagged-src',
      '--role-name',
      'Flagged+Role',
      '--function-name',
      'Flagged',
    ];
    const r = await runScript('all.ts', ['--until', 'buckets', ...flags], { cwd, env });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Stopped after step buckets \(--until buckets\)/);
    assert.doesNotMatch(r.stdout, /Set-up is complete/);
    assert.match(r.stdout, /Continue with: npm run walkthrough -- --region eu-west-1 /);
    const line = /Tear it all down with: (.*)/.exec(r.stdout)?.[1];
    assert.ok(line, r.stdout);
    for (const f of [
      '--region eu-west-1',
      '--source-bucket flagged-src',
      '--role-name Flagged+Role',
      '--function-name Flagged',
    ])
      assert.ok(line.includes(f), line);
    // AWS_ENDPOINT_URL came from the environment: said, not repeated as a flag (the flag overrode AWS_REGION).
    assert.match(line, /\(with the same AWS_ENDPOINT_URL in your environment or \.env\)$/);
    const s3 = new S3Client({ ...server.clientConfig(), region: 'eu-west-1' });
    assert.deepEqual(((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name).sort(), [
      'flagged-src',
      'flagged-src-resized',
    ]);

    const down = await runPrinted(line, cwd);
    assert.ok(
      reported(down, 'removed').some((l) => l.includes('role Flagged+Role')),
      down,
    );
    assert.match(down, /everything the walkthrough created is gone \(.*region eu-west-1/);
    assert.deepEqual((await s3.send(new ListBucketsCommand({}))).Buckets ?? [], []);
    assert.deepEqual((await new IAMClient(server.clientConfig()).send(new ListRolesCommand({}))).Roles ?? [], []);
  });

  it('a dry run ends saying it was one and that nothing was changed', async () => {
    const cwd = scratch('summary-dry-');
    const r = await runScript('all.ts', ['--dry-run', '--until', 'role', '--function-name', 'Dry'], { cwd, env });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /This was a dry run: nothing was changed \(it stopped after step role\)/);
    assert.match(r.stdout, /Do it for real with: npm run walkthrough -- --until role --function-name Dry/);
    assert.doesNotMatch(r.stdout, /Set-up is complete|Tear it all down|Stopped after/);
  });
});

describe('teardown with nothing to find', () => {
  it('says which target, account, region and state file it looked at, not that everything is gone', async () => {
    const cwd = scratch('teardown-empty-');
    const r = await runScript('90-teardown.ts', ['--region', 'ap-south-1'], { cwd, env });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.doesNotMatch(r.stdout, /everything the walkthrough created is gone/);
    assert.match(
      r.stdout,
      new RegExp(
        /no state file at \S*state-endpoint-[^ ]*-000000000000-ap-south-1\.json, /.source +
          /and nothing of the walkthrough's was found on the endpoint http:\/\/127\.0\.0\.1:\d+, /.source +
          /account 000000000000, region ap-south-1/.source,
      ),
    );
    assert.match(r.stdout, /run teardown with the same ones/);
  });
});

describe('flags', () => {
  it('a misspelt flag is refused (exit 2, the valid flags, a suggestion) and nothing is done', async () => {
    const cwd = scratch('typo-');
    const setup = await runScript('all.ts', ['--until', 'buckets'], { cwd, env });
    assert.equal(setup.code, 0, setup.stderr + setup.stdout);
    const typo = await runScript('90-teardown.ts', ['--keep-bucket'], { cwd, env });
    assert.equal(typo.code, 2, typo.stdout + typo.stderr);
    assert.match(typo.stderr, /Unknown flag --keep-bucket: did you mean --keep-buckets\?/);
    assert.match(typo.stderr, /Valid flags: .*--dry-run .*--keep-buckets /);
    assert.doesNotMatch(typo.stderr, /\n\s+at /);
    assert.deepEqual(reported(typo.stdout, 'removed'), []);
    const s3 = new S3Client(server.clientConfig());
    assert.equal(((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).length, 2);
    for (const [script, args] of [
      ['all.ts', ['--dryrun']],
      ['10-role.ts', ['--image', 'x.jpg']],
      ['00-env.ts', ['--export', '--regoin', 'eu-west-1']],
    ] as const) {
      const r = await runScript(script, [...args], { cwd, env });
      assert.equal(r.code, 2, `${script} ${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /Unknown flag/);
      assert.equal(r.stdout.trim(), '', 'nothing was done');
    }
    assert.equal((await runScript('90-teardown.ts', [], { cwd, env })).code, 0);
  });

  it('every flag the README gives a script is one that script accepts', async () => {
    const { parseArgs, SCRIPT_FLAGS } = await import('../../walkthrough/lib/main.ts');
    const readme = fs.readFileSync(path.join(PROJECT, 'README.md'), 'utf8');
    const scriptOf = (line: string): keyof typeof SCRIPT_FLAGS | undefined => {
      const named = /walkthrough\/((?:extras\/)?[\w-]+\.ts)/.exec(line)?.[1];
      if (named && named in SCRIPT_FLAGS) return named as keyof typeof SCRIPT_FLAGS;
      const npm = /npm run (walkthrough|teardown|tune)\b/.exec(line)?.[1];
      return npm === 'walkthrough'
        ? 'all.ts'
        : npm === 'teardown'
          ? '90-teardown.ts'
          : npm === 'tune'
            ? 'extras/tune.ts'
            : undefined;
    };
    let checked = 0;
    for (const line of readme.split('\n')) {
      const script = scriptOf(line);
      if (!script) continue;
      // aws-cli commands quoted on the same line have flags of their own; links are not flags.
      const flags =
        line
          .replace(/`aws [^`]*`/g, '')
          .replace(/\]\(#[^)]*\)/g, '')
          .match(/(?<![\w-])--[a-z][a-z-]*[a-z]/g) ?? [];
      for (const flag of flags) {
        const accepts = (args: string[]) => {
          try {
            parseArgs(args, SCRIPT_FLAGS[script]);
            return true;
          } catch {
            return false;
          }
        };
        // A switch alone, or a flag with its value.
        assert.ok(accepts([flag]) || accepts([flag, 'value']), `${script} does not accept ${flag} (README: ${line})`);
        checked++;
      }
    }
    assert.ok(checked >= 10, `only ${checked} flags found in the README`);
  });
});

describe('real AWS confirmation', () => {
  it('00-env.ts --export only reads, so it asks nothing even with TARGET=aws and no terminal', async () => {
    // "Real AWS" whose STS is the test server (AWS_ENDPOINT_URL_STS is the SDK's per-service setting).
    const awsEnv = scriptEnv({
      ...endpointEnv(server.url),
      AWS_ENDPOINT_URL: undefined,
      AWS_ENDPOINT_URL_STS: server.url,
      TARGET: 'aws',
    });
    const cwd = scratch('export-aws-');
    const r = await runScript('00-env.ts', ['--export'], { cwd, env: awsEnv });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^export TARGET=aws$/m);
    assert.ok(
      r.stdout
        .trim()
        .split('\n')
        .every((l) => /^export [A-Z_]+=\S+$/.test(l)),
      r.stdout,
    );
    assert.match(r.stderr, /real AWS: account 000000000000 .*read only/);
    // A step that changes things still refuses without a terminal and without --yes.
    const step = await runScript('10-role.ts', [], { cwd, env: awsEnv });
    assert.equal(step.code, 1);
    assert.match(step.stderr, /no terminal to ask for confirmation/);
  });

  it('asks its question on stderr, not stdout', async () => {
    const { confirmOnAws, defaultPromptIo } = await import('../../walkthrough/lib/context.ts');
    const { Reporter } = await import('../../walkthrough/lib/ui.ts');
    const { PassThrough } = await import('node:stream');
    const { minimist } = await import('zx');
    const input = new PassThrough();
    const asked = new PassThrough();
    let question = '';
    asked.on('data', (d: Buffer) => (question += d.toString()));
    const report = new Reporter({ cli: false, out: new PassThrough() });
    const answered = confirmOnAws(
      { accountId: '123456789012', arn: 'arn:aws:iam::123456789012:user/me', userId: 'AIDA' },
      'eu-west-1',
      minimist([]),
      report,
      { input, output: asked, isTTY: true },
    );
    input.write('y\n');
    await answered;
    assert.match(question, /Proceed in account 123456789012, region eu-west-1\? \[y\/N\]/);
    // By default the question goes to stderr (stdout may be piped into eval).
    assert.equal(defaultPromptIo().output, process.stderr);
  });
});

describe('docs/troubleshooting.md', () => {
  // By symptom, not word for word: each message the scripts print names the AWS error (or the wait) a
  // section of the doc is about, so a message or a section that drifts apart fails here.
  it('has a section for each failure the scripts explain', async () => {
    const { explain } = await import('../../walkthrough/lib/errors.ts');
    const { waiterError } = await import('../../walkthrough/lib/actions/lambda.ts');
    const doc = fs.readFileSync(path.join(PROJECT, 'docs/troubleshooting.md'), 'utf8');
    const headings = doc.split('\n').filter((line) => line.startsWith('## '));
    const named = (name: string) => Object.assign(new Error('…'), { name });
    const printed: Array<[string, RegExp, RegExp]> = [
      [explain(named('BucketNotEmpty')).message, /BucketNotEmpty/, /bucket is not empty/],
      [explain(named('ResourceConflictException')).message, /ResourceConflictException/, /another change/],
      [
        (
          waiterError(
            { cliTarget: { region: 'us-east-1' } },
            Object.assign(
              new Error(
                JSON.stringify({
                  state: 'TIMEOUT',
                  reason: { Configuration: { State: 'Active', LastUpdateStatus: 'InProgress' } },
                }),
              ),
              { name: 'TimeoutError' },
            ),
            'CreateThumbnail',
            'finish its update',
            300,
          ) as Error
        ).message,
        /Gave up after 300 s waiting/,
        /gave up waiting/,
      ],
    ];
    for (const [message, says, heading] of printed) {
      assert.match(message, says);
      assert.ok(
        headings.some((h) => heading.test(h)),
        `docs/troubleshooting.md has no section for: ${message}`,
      );
    }
  });

  it('DEBUG=1 in .env shows the stack trace, as env.example says', async () => {
    const cwd = scratch('debug-');
    assert.match(fs.readFileSync(path.join(PROJECT, 'env.example'), 'utf8'), /^# DEBUG=1$/m);
    fs.writeFileSync(path.join(cwd, '.env'), 'DEBUG=1\nTHUMBNAIL_WIDTH=wide\n');
    const r = await runScript('00-env.ts', [], { cwd, env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /THUMBNAIL_WIDTH must be a whole number/);
    assert.match(r.stderr, /\n\s+at /);
  });
});

// lambdash's command line: its own flags first, then the command. Flags are recognised only before
// the first word that is not one (or before `--`), so `lambdash ls -l` passes `-l` to ls.
import { INLINE_LIMIT_BYTES, RESERVE_SECONDS } from '../../../handlers/lambdash/protocol.ts';
import { UserError } from '../../lib/errors.ts';

export interface LambdashArgs {
  /** The words of the command, joined with spaces for `/bin/sh -c` ('' when none). */
  command: string;
  help: boolean;
  teardown: boolean;
  /** Deploy (or check and repair) without running anything. */
  deploy: boolean;
  verbose: boolean;
  yes: boolean;
  dryRun: boolean;
  cli: boolean;
  /** The command's time limit, seconds. */
  timeout: number;
  memory: number;
  architecture: 'x86_64' | 'arm64';
  /** Base of every resource name. */
  name: string;
  target?: string;
  region?: string;
  profile?: string;
  endpointUrl?: string;
}

const BOOLEANS = {
  help: 'help',
  h: 'help',
  teardown: 'teardown',
  deploy: 'deploy',
  verbose: 'verbose',
  v: 'verbose',
  yes: 'yes',
  y: 'yes',
  'dry-run': 'dryRun',
  cli: 'cli',
} as const;
const STRINGS = [
  'timeout',
  'memory',
  'architecture',
  'arch',
  'name',
  'target',
  'region',
  'profile',
  'endpoint-url',
] as const;
type StringFlag = (typeof STRINGS)[number];

export const MAX_TIMEOUT = 900 - RESERVE_SECONDS;

function int(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max)
    throw new UserError(`--${flag} must be a whole number from ${min} to ${max}, got "${raw}".`);
  return n;
}

export function parseLambdashArgs(words: string[], env: NodeJS.ProcessEnv = process.env): LambdashArgs {
  const flags: Partial<Record<StringFlag, string>> = {};
  const bools = new Set<(typeof BOOLEANS)[keyof typeof BOOLEANS]>();
  let i = 0;
  for (; i < words.length; i++) {
    const word = words[i]!;
    if (word === '--') {
      i++;
      break;
    }
    if (!word.startsWith('-') || word === '-') break;
    const [rawName, inlineValue] = word.replace(/^--?/, '').split(/=(.*)/s, 2) as [string, string | undefined];
    if (rawName in BOOLEANS && inlineValue === undefined) {
      bools.add(BOOLEANS[rawName as keyof typeof BOOLEANS]);
      continue;
    }
    if ((STRINGS as readonly string[]).includes(rawName) && word.startsWith('--')) {
      const value = inlineValue ?? words[++i];
      if (value === undefined) throw new UserError(`--${rawName} needs a value.`);
      flags[rawName as StringFlag] = value;
      continue;
    }
    throw new UserError(
      `Unknown option ${word}.`,
      'lambdash options come before the command; put `--` before a command that starts with a dash. See --help.',
    );
  }
  const architecture = flags.architecture ?? flags.arch ?? 'x86_64';
  if (architecture !== 'x86_64' && architecture !== 'arm64')
    throw new UserError(`--architecture must be x86_64 or arm64, got "${architecture}".`);
  const name = flags.name ?? env.LAMBDASH_NAME ?? 'lambdash';
  // Lower case only: it also names the output bucket.
  if (!/^[a-z][a-z0-9-]{0,23}$/.test(name) || name.endsWith('-'))
    throw new UserError(
      `--name "${name}" is not valid: use 1-24 lower-case letters, digits and hyphens, starting with a letter.`,
    );
  return {
    command: words.slice(i).join(' '),
    help: bools.has('help'),
    teardown: bools.has('teardown'),
    deploy: bools.has('deploy'),
    verbose: bools.has('verbose'),
    yes: bools.has('yes'),
    dryRun: bools.has('dryRun'),
    cli: bools.has('cli'),
    timeout: int('timeout', flags.timeout, 60, 1, MAX_TIMEOUT),
    memory: int('memory', flags.memory, 512, 128, 10240),
    architecture,
    name,
    target: flags.target,
    region: flags.region,
    profile: flags.profile,
    endpointUrl: flags['endpoint-url'],
  };
}

export const HELP = `lambdash: run one shell command inside the AWS Lambda environment

  npm run lambdash -- [options] [--] <command...>
  npx tsx walkthrough/extras/lambdash.ts [options] [--] <command...>

The words of the command are joined with spaces and run by /bin/sh -c in the function, so
quoting, pipes and redirections are your shell's business first: quote what should reach the
remote shell, e.g.  npm run lambdash -- 'ls -l / | head'  or  npm run lambdash -- uname -a

Its stdout and stderr are printed here (stdout, then stderr) and lambdash exits with the command's
exit status; 128+N when a signal N ended it, 124 when it ran out of time (--timeout) and was killed.
Output too big for a synchronous response (over ${INLINE_LIMIT_BYTES / 1024 / 1024} MiB) travels through an object in \
lambdash's
bucket, which is read and deleted here. stdin is /dev/null. Processes the command leaves in the
background are ended when it exits.

The first run deploys (and later runs reuse) a function, its role and its output bucket. The role
may write its own logs and put objects into that bucket, nothing else. Whoever may invoke the
function can run any command as its role.

Options (before the command):
  --timeout S        the command's time limit, seconds (default 60, at most ${MAX_TIMEOUT}); the function's
                     timeout is ${RESERVE_SECONDS} s more, to return the output
  --memory MB        the function's memory (default 512; on AWS, CPU share follows it)
  --architecture A   x86_64 (default) or arm64
  --name N           base of the resource names (default lambdash, or LAMBDASH_NAME)
  --deploy           deploy, or check and repair, without running anything
  --teardown         remove the function, its log group, role and bucket (only what lambdash created)
  --verbose, -v      say what was found and how the output travelled (on stderr)
  --target local|aws the project's local endpoint (default, started if needed) or real AWS
  --region R, --profile P, --endpoint-url URL
  --yes, -y          do not ask before changing a real AWS account
  --dry-run          change nothing, say what would be done
  --cli              print the equivalent aws-cli commands (on stderr)
  --help, -h         this text

lambdash's own failures (not the command's) exit with 255 and say what to do.`;

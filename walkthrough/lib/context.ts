// Connects a step to its target: settings, the local endpoint (started when needed), SDK clients,
// the caller's identity, confirmation on real AWS, and the state file.
import * as readline from 'node:readline/promises';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { STSClient } from '@aws-sdk/client-sts';
import type { ParsedArgs } from './args.ts';
import type { CliTarget } from './aws-cli.ts';
import { errorContext, UserError } from './errors.ts';
import {
  describeTarget,
  OLD_NODE,
  collectSettings,
  parseSettings,
  resolveNames,
  type ResolvedSettings,
  type Settings,
  type SettingName,
  type SettingSource,
} from './settings.ts';
import { StateFile, stateFile } from './state.ts';
import { Reporter } from './ui.ts';

export interface Clients {
  s3: S3Client;
  iam: IAMClient;
  lambda: LambdaClient;
  logs: CloudWatchLogsClient;
  sts: STSClient;
  sns: SNSClient;
}

export interface Identity {
  accountId: string;
  arn: string;
  userId: string;
}

/** What a step that makes no AWS call gets (the package step): settings and a reporter, no account. */
export interface BuildCtx {
  settings: Settings;
  report: Reporter;
  dryRun: boolean;
  argv: ParsedArgs;
}

export interface Ctx extends BuildCtx {
  settings: ResolvedSettings;
  sources: Partial<Record<SettingName, SettingSource>>;
  clients: Clients;
  identity: Identity;
  state: StateFile;
  cliTarget: CliTarget;
}

export interface ConnectOptions {
  out?: NodeJS.WritableStream;
  tty?: boolean;
  /** Reuse clients and identity from an earlier connect (the one-shot runs every step on one). */
  reuse?: Ctx;
  /** The caller only reads (00-env.ts --export): no confirmation is asked on real AWS. */
  readOnly?: boolean;
}

interface ClientSettings {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  forcePathStyle?: boolean;
  maxAttempts: number;
}

type ClientClass<K extends keyof Clients> = new (config: ClientSettings) => Clients[K];
const clientClasses: { [K in keyof Clients]?: ClientClass<K> } = {};

/**
 * Each actions module registers its service's client class when it is loaded: a step loads only the
 * SDK packages it calls (start-up), and a client is made on first use.
 */
export function registerClient<K extends keyof Clients>(name: K, cls: ClientClass<K>): void {
  (clientClasses as Record<K, ClientClass<K>>)[name] = cls;
}

function makeClients(c: ClientSettings): Clients {
  const made: Partial<Clients> = {};
  const get = <K extends keyof Clients>(name: K): Clients[K] => {
    const cls = clientClasses[name] as ClientClass<K> | undefined;
    if (!cls) throw new Error(`no ${name} client: import walkthrough/lib/actions/${name}.ts first`);
    return (made[name] ??= new cls(c));
  };
  return {
    get s3() {
      return get('s3');
    },
    get iam() {
      return get('iam');
    },
    get lambda() {
      return get('lambda');
    },
    get logs() {
      return get('logs');
    },
    get sts() {
      return get('sts');
    },
    get sns() {
      return get('sns');
    },
  };
}

/** Where the confirmation question is asked: the terminal's input, and stderr (stdout may be piped or eval'ed). */
export interface PromptIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  isTTY: boolean;
}

export function defaultPromptIo(): PromptIo {
  return { input: process.stdin, output: process.stderr, isTTY: Boolean(process.stdin.isTTY) };
}

export async function confirmOnAws(
  identity: Identity,
  region: string,
  argv: ParsedArgs,
  report: Reporter,
  io: PromptIo = defaultPromptIo(),
): Promise<void> {
  report.info(`real AWS: account ${identity.accountId} as ${identity.arn}, region ${region}`);
  if (argv.yes) return;
  if (!io.isTTY)
    throw new UserError(
      'This would change resources in a real AWS account, and there is no terminal to ask for confirmation.',
      'Re-run with --yes once you have checked the account and region above.',
    );
  const rl = readline.createInterface({ input: io.input, output: io.output });
  const answer = await rl.question(`Proceed in account ${identity.accountId}, region ${region}? [y/N] `);
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new UserError('Stopped: nothing was changed.');
}

export { describeTarget, OLD_NODE };
if (OLD_NODE) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Settings and a reporter only: no endpoint started, no credentials needed, nothing loaded from the SDK. */
export function offline(argv: ParsedArgs): BuildCtx {
  const settings = parseSettings(collectSettings(argv));
  const report = new Reporter({ cli: Boolean(argv.cli) });
  return { settings, report, dryRun: Boolean(argv['dry-run']), argv };
}

export async function connect(argv: ParsedArgs, options: ConnectOptions = {}): Promise<Ctx> {
  const report = new Reporter({ cli: Boolean(argv.cli), out: options.out, tty: options.tty });
  const sources = collectSettings(argv);
  const base = parseSettings(sources);
  const dryRun = Boolean(argv['dry-run']);

  let clients: Clients;
  let identity: Identity;
  let region: string;
  if (options.reuse) {
    ({ clients, identity } = options.reuse);
    region = options.reuse.settings.region;
  } else {
    if (base.profile) process.env.AWS_PROFILE = base.profile;
    let endpoint = base.endpoint;
    let credentials: ClientSettings['credentials'];
    if (base.target === 'local') {
      // Only for this target: the endpoint's settings module loads zx (start-up of the other targets).
      const { loadConfig } = await import('../../local-aws/config.ts');
      const { startInBackground } = await import('../../local-aws/control.ts');
      const local = loadConfig();
      const started = await startInBackground(local);
      endpoint = started.url;
      credentials = { accessKeyId: local.accessKeyId, secretAccessKey: local.secretAccessKey };
      if (!started.alreadyRunning)
        report.info(`started the local AWS endpoint at ${started.url} (stop it with: npm run local:stop)`);
    }
    Object.assign(errorContext, { target: base.target, endpoint, region: base.region });
    region = base.region ?? (base.target === 'aws' ? '' : 'us-east-1');
    if (!region) {
      const { STSClient } = await import('@aws-sdk/client-sts');
      region = await new STSClient({}).config.region().catch(() => '');
      if (!region)
        throw new UserError(
          'No AWS region is set.',
          'Set AWS_REGION (or pass --region), or add a region to your AWS profile.',
        );
    }
    errorContext.region = region;
    clients = makeClients({
      region,
      endpoint,
      credentials,
      forcePathStyle: endpoint ? true : undefined,
      maxAttempts: base.target === 'aws' ? 6 : 3,
    });
    const { GetCallerIdentityCommand, STSClient } = await import('@aws-sdk/client-sts');
    registerClient('sts', STSClient);
    const who = await clients.sts.send(new GetCallerIdentityCommand({}));
    identity = { accountId: who.Account ?? '', arn: who.Arn ?? '', userId: who.UserId ?? '' };
    base.endpoint = endpoint;
    if (base.target === 'aws') {
      if (options.readOnly)
        report.info(
          `real AWS: account ${identity.accountId} as ${identity.arn}, region ${region} ` +
            '(read only: nothing is changed)',
        );
      else await confirmOnAws(identity, region, argv, report);
    }
  }

  const settings = resolveNames(base, identity.accountId, region);
  const state = new StateFile(
    stateFile(settings.target, settings.endpoint, identity.accountId, region),
    { target: settings.target, endpoint: settings.endpoint, accountId: identity.accountId, region },
    dryRun,
  );
  return {
    settings,
    sources,
    clients,
    identity,
    state,
    report,
    dryRun,
    cliTarget: { region, endpoint: settings.target === 'aws' ? undefined : settings.endpoint },
    argv,
  };
}

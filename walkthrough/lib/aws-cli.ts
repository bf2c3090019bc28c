// The aws-cli equivalent of each call, filled in with the real names, ready to copy into a shell.

/**
 * POSIX-shell quoting: bare when safe, else single quotes; `${NAME}` is a shell variable an earlier command set
 * (`LAYER_ARN="$(aws ...)"`), so it is double-quoted to expand.
 */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  if (/^\$\{[A-Z_][A-Z0-9_]*\}$/.test(arg)) return `"${arg}"`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Flag -> value; an array becomes several words (`--tags Key=a,Value=b Key=c,Value=d`). */
export type CliArgs = Record<string, string | number | boolean | string[] | undefined>;

export interface CliTarget {
  region: string;
  /** Set for the local endpoint or another compatible one. */
  endpoint?: string;
}

/** `aws <service> <command> [positional...] --flag value ... --region R [--endpoint-url URL]` */
export function awsCommand(
  target: CliTarget,
  service: string,
  command: string,
  args: CliArgs = {},
  positional: string[] = [],
): string {
  const parts = ['aws', service, command, ...positional.map(shellQuote)];
  for (const [flag, value] of Object.entries(args)) {
    if (value === undefined || value === false) continue;
    parts.push(`--${flag}`);
    if (Array.isArray(value)) parts.push(...value.map(shellQuote));
    else if (value !== true) parts.push(shellQuote(String(value)));
  }
  parts.push('--region', target.region);
  if (target.endpoint) parts.push('--endpoint-url', target.endpoint);
  return parts.join(' ');
}

/** JSON for a CLI argument: compact, so the command stays one line. */
export function cliJson(value: unknown): string {
  return JSON.stringify(value);
}

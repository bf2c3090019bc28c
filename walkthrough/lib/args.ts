// The command line, parsed without loading zx (start-up matters: --help should cost only Node itself).
// Same shape as minimist's result: flags by name, the rest in `_`.

export interface ParsedArgs {
  _: string[];
  [flag: string]: unknown;
}

export interface ArgSpec {
  boolean: string[];
  string: string[];
  /** String flags that may be given more than once (`--image a --image b`): their value is a list. */
  array?: string[];
  alias: Record<string, string>;
}

/**
 * `--flag value`, `--flag=value`, `--switch`, `--no-switch`, `-y` (aliases); an unknown flag is kept
 * under its own name so the caller can refuse it. A string flag with no value is ''.
 */
export function parseCommandLine(args: string[], spec: ArgSpec): ParsedArgs {
  const out: ParsedArgs = { _: [] };
  for (const b of spec.boolean) out[b] = false;
  const canonical = (name: string) => spec.alias[name] ?? name;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      out._.push(...args.slice(i + 1));
      break;
    }
    const long = /^--([^=]+)(?:=(.*))?$/s.exec(arg);
    const names = long ? [long[1]!] : /^-[^-]/.test(arg) ? [...arg.slice(1)] : undefined;
    if (!names) {
      out._.push(arg);
      continue;
    }
    const inline = long?.[2];
    for (const given of names) {
      const name = canonical(given);
      if (spec.boolean.includes(name)) out[name] = inline === undefined ? true : !/^(false|0|)$/.test(inline);
      else if (name.startsWith('no-') && spec.boolean.includes(name.slice(3))) out[name.slice(3)] = false;
      else if (spec.string.includes(name)) {
        const next = args[i + 1];
        let value = '';
        if (inline !== undefined) value = inline;
        else if (next !== undefined && !/^-./.test(next)) value = args[++i]!;
        out[name] = spec.array?.includes(name) ? [...((out[name] as string[] | undefined) ?? []), value] : value;
      } else out[name] = inline ?? true;
    }
  }
  return out;
}

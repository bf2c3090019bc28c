// What each step tells the user: what it created, found, changed or removed; the aws-cli
// equivalents (--cli); what it would do (--dry-run); and a spinner with elapsed time for long waits.
import { colour as chalk } from './colour.ts';

export type Outcome = 'created' | 'found' | 'changed' | 'removed' | 'unchanged' | 'gone' | 'would' | 'info' | 'kept';

export interface ReportLine {
  outcome: Outcome;
  text: string;
}

export interface ReporterOptions {
  cli: boolean;
  out?: NodeJS.WritableStream;
  /** Colour and spinner only on a terminal. */
  tty?: boolean;
}

const MARK: Record<Outcome, string> = {
  created: chalk.green('+ created'),
  found: chalk.cyan('= found  '),
  changed: chalk.yellow('~ changed'),
  removed: chalk.red('- removed'),
  unchanged: chalk.cyan('= same   '),
  gone: chalk.gray('- gone   '),
  would: chalk.magenta('? would  '),
  info: chalk.gray('  ·      '),
  kept: chalk.cyan('= kept   '),
};

export class Reporter {
  readonly lines: ReportLine[] = [];
  readonly commands: string[] = [];
  private readonly out: NodeJS.WritableStream;
  private readonly tty: boolean;

  constructor(readonly options: ReporterOptions) {
    this.out = options.out ?? process.stdout;
    this.tty = options.tty ?? Boolean((this.out as { isTTY?: boolean }).isTTY);
  }

  private write(text: string): void {
    this.out.write(text + '\n');
  }

  heading(text: string): void {
    this.write('\n' + chalk.bold(text));
  }

  note(outcome: Outcome, text: string): void {
    this.lines.push({ outcome, text });
    this.write(`${MARK[outcome]} ${text}`);
  }

  created(text: string) {
    this.note('created', text);
  }
  found(text: string) {
    this.note('found', text);
  }
  changed(text: string) {
    this.note('changed', text);
  }
  removed(text: string) {
    this.note('removed', text);
  }
  unchanged(text: string) {
    this.note('unchanged', text);
  }
  gone(text: string) {
    this.note('gone', text);
  }
  would(text: string) {
    this.note('would', text);
  }
  info(text: string) {
    this.note('info', text);
  }
  kept(text: string) {
    this.note('kept', text);
  }

  /** Records the aws-cli equivalent; printed with --cli. */
  cli(command: string): void {
    this.commands.push(command);
    if (this.options.cli) this.write(chalk.gray('    $ ') + command);
  }

  /** The aws-cli command of something already in place (printed with --cli, marked as done). */
  cliDone(command: string): void {
    this.commands.push(command);
    if (this.options.cli) this.write(chalk.gray('    $ ') + command + chalk.gray('   # already done'));
  }

  /** A view whose commands are marked as already done and whose "would" lines are silent (lib/resources/done.ts). */
  alreadyDone(): Reporter {
    const view = Object.create(this) as Reporter;
    view.cli = (command: string) => this.cliDone(command);
    view.would = () => undefined;
    return view;
  }

  /** Plain text output (tables, log lines). */
  print(text: string): void {
    this.write(text);
  }

  /** Did this run change anything (or, in a dry run, would it)? */
  get changedSomething(): boolean {
    return this.lines.some(
      (l) => l.outcome === 'created' || l.outcome === 'changed' || l.outcome === 'removed' || l.outcome === 'would',
    );
  }

  /** Runs a long wait with a spinner and the elapsed time (a plain line when not on a terminal). */
  async wait<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
    let timer: NodeJS.Timeout | undefined;
    if (this.tty) {
      const frames = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
      let i = 0;
      timer = setInterval(
        () => this.out.write(`\r  ${frames[i++ % frames.length]} ${label} ${chalk.gray(elapsed())}   `),
        100,
      );
    }
    try {
      const value = await fn();
      if (timer) this.out.write('\r\x1b[2K');
      this.write(chalk.gray(`  ✓ ${label} (${elapsed()})`));
      return value;
    } catch (err) {
      if (timer) this.out.write('\r\x1b[2K');
      this.write(chalk.gray(`  ✗ ${label} (${elapsed()})`));
      throw err;
    } finally {
      if (timer) clearInterval(timer);
    }
  }
}

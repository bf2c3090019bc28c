// The one registry of steps. Each step is declared here once: its number, id, title, what it does,
// its own flags, and whether the one-shot runs it. File names, printed titles, --until, --help, the
// one-shot's order and every "next step" / "run step N first" hint are derived from it.
import type { Ctx } from './context.ts';

/** A script's own flags, on top of the common ones. */
export interface FlagSpec {
  boolean?: string[];
  string?: string[];
  /** Those of `string` that may be repeated (their value is then a list). */
  array?: string[];
}

export type StepRun = (ctx: Ctx) => Promise<unknown>;

export interface StepDef {
  number: number;
  /** The file's name after its number, and the value of --until. */
  id: string;
  title: string;
  /** What --help says the step does (one or two lines). */
  about: string;
  flags: FlagSpec;
  /** The step's own flags, as --help describes them. */
  flagHelp?: string[];
  /** Part of `npm run walkthrough` (the set-up), in number order. */
  oneShot: boolean;
  /** Lazily imported, so a step's --help loads no other step (and no SDK). */
  load: () => Promise<StepRun>;
}

export const STEPS: readonly StepDef[] = [
  {
    number: 1,
    id: 'env',
    title: 'Environment: settings and identity',
    about: 'Resolves and checks the settings, and shows who you are.',
    flags: { boolean: ['export'] },
    flagHelp: [
      '--export   print `export NAME=value` lines for a shell: eval "$(npx tsx walkthrough/00-env.ts --export)"',
    ],
    oneShot: true,
    load: async () => (await import('../00-env.ts')).envStep,
  },
  {
    number: 2,
    id: 'role',
    title: 'Execution role',
    about: 'Creates (or checks) the role the function runs as, with a least-privilege policy.',
    flags: {},
    oneShot: true,
    load: async () => (await import('../10-role.ts')).roleStep,
  },
  {
    number: 3,
    id: 'buckets',
    title: 'Buckets',
    about: 'Creates (or checks) the private source and destination buckets.',
    flags: {},
    oneShot: true,
    load: async () => (await import('../20-buckets.ts')).bucketsStep,
  },
  {
    number: 4,
    id: 'package',
    title: 'Deployment package',
    about: 'Bundles the handler and sharp for Lambda (linux, glibc) and zips them.',
    flags: {},
    oneShot: true,
    load: async () => (await import('../30-package.ts')).packageStep,
  },
  {
    number: 5,
    id: 'function',
    title: 'Function',
    about: 'Creates the function, or updates only what differs, and waits until it is ready.',
    flags: {},
    oneShot: true,
    load: async () => (await import('../40-function.ts')).functionStep,
  },
  {
    number: 6,
    id: 'trigger',
    title: 'Trigger',
    about:
      'TRIGGER=lambda: lets S3 invoke the function for the source bucket, and adds the bucket notification.\n' +
      'TRIGGER=sns (--trigger sns): bucket -> topic -> function: the topic, its policy, the permission, ' +
      'the subscription, and the bucket notification.',
    flags: {},
    oneShot: true,
    load: async () => (await import('../50-trigger.ts')).triggerStep,
  },
  {
    number: 7,
    id: 'test',
    title: 'Test',
    about:
      'Invokes the function with a generated S3 event, then uploads an image (--image PATH for your own) ' +
      'and checks the thumbnail.',
    flags: { string: ['image'] },
    oneShot: true,
    load: async () => (await import('../60-test.ts')).testStep,
  },
  {
    number: 8,
    id: 'publish',
    title: 'Publish to the topic (TRIGGER=sns)',
    about:
      'Publishes a hand-made S3 event for an existing object (the last test upload, or --key KEY) to the ' +
      'topic, and checks that its thumbnail is made again.',
    flags: { string: ['key'] },
    oneShot: false,
    load: async () => (await import('../70-publish.ts')).publishStep,
  },
  {
    number: 9,
    id: 'teardown',
    title: 'Teardown',
    about: 'Removes everything the walkthrough created, and nothing else.',
    flags: { boolean: ['keep-buckets'] },
    flagHelp: ['--keep-buckets   keep the buckets and their contents'],
    oneShot: false,
    load: async () => (await import('../80-teardown.ts')).teardownStep,
  },
];

/** Step N lives in walkthrough/<(N-1)*10>-<id>.ts: 00-env.ts is step 1, 40-function.ts step 5. */
export function fileOf(step: Pick<StepDef, 'number' | 'id'>): string {
  return `${String((step.number - 1) * 10).padStart(2, '0')}-${step.id}.ts`;
}

export function headingOf(step: Pick<StepDef, 'number' | 'title'>): string {
  return `${step.number}. ${step.title}`;
}

export function stepById(id: string, steps: readonly StepDef[] = STEPS): StepDef {
  const step = steps.find((s) => s.id === id || String(s.number) === id);
  if (!step) throw new Error(`no step ${id} in the registry`);
  return step;
}

export function stepByFile(file: string, steps: readonly StepDef[] = STEPS): StepDef | undefined {
  return steps.find((s) => fileOf(s) === file);
}

/** The one-shot's steps, in number order. */
export function oneShotSteps(steps: readonly StepDef[] = STEPS): StepDef[] {
  return steps.filter((s) => s.oneShot).sort((a, b) => a.number - b.number);
}

/** How to run a step alone, from the project folder. */
export function stepCommand(id: string, steps: readonly StepDef[] = STEPS): string {
  return `npx tsx walkthrough/${fileOf(stepById(id, steps))}`;
}

/** "Run step 5 first: npx tsx walkthrough/40-function.ts" (extra flags appended). */
export function runFirst(id: string, extra = '', steps: readonly StepDef[] = STEPS): string {
  return `Run step ${stepById(id, steps).number} first: ${stepCommand(id, steps)}${extra ? ` ${extra}` : ''}`;
}

/** "step 5 (npx tsx walkthrough/40-function.ts)", for hints that name a step in a sentence. */
export function stepRef(id: string, steps: readonly StepDef[] = STEPS): string {
  return `step ${stepById(id, steps).number} (${stepCommand(id, steps)})`;
}

/** The one-shot step after `id`, if any. */
export function nextStep(id: string, steps: readonly StepDef[] = STEPS): StepDef | undefined {
  const order = oneShotSteps(steps);
  const at = order.findIndex((s) => s.id === id);
  return at < 0 ? undefined : order[at + 1];
}

export function stepNumber(id: string, steps: readonly StepDef[] = STEPS): number {
  return stepById(id, steps).number;
}

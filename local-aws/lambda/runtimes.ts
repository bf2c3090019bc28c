// Which runtimes the local endpoint accepts (docs/local-aws/protocols.md#runtimes), decided against
// today's date so that a runtime becomes refused on the day AWS blocks it.

/** Node.js runtimes Lambda supports and this endpoint runs (with this machine's Node.js). */
const CURRENT_NODE = ['nodejs22.x', 'nodejs24.x', 'nodejs26.x'];

/** Dates after which AWS refuses to create / update functions with a runtime (UTC days). */
const BLOCKS: Record<string, { create: string; update: string }> = {
  'nodejs22.x': { create: '2027-06-01', update: '2027-07-01' },
  'nodejs20.x': { create: '2026-08-31', update: '2026-09-30' },
  'nodejs18.x': { create: '2026-02-03', update: '2026-03-09' },
};

/** Node.js runtimes long past their block dates. */
const RETIRED_NODE = [
  'nodejs',
  'nodejs4.3',
  'nodejs4.3-edge',
  'nodejs6.10',
  'nodejs8.10',
  'nodejs10.x',
  'nodejs12.x',
  'nodejs14.x',
  'nodejs16.x',
];

/** The Runtime enum of the Lambda model, in the model's order (used in AWS's error message). */
export const RUNTIME_ENUM = [
  'nodejs',
  'nodejs4.3',
  'nodejs6.10',
  'nodejs8.10',
  'nodejs10.x',
  'nodejs12.x',
  'nodejs14.x',
  'nodejs16.x',
  'java8',
  'java8.al2',
  'java11',
  'python2.7',
  'python3.6',
  'python3.7',
  'python3.8',
  'python3.9',
  'dotnetcore1.0',
  'dotnetcore2.0',
  'dotnetcore2.1',
  'dotnetcore3.1',
  'dotnet6',
  'dotnet8',
  'nodejs4.3-edge',
  'go1.x',
  'ruby2.5',
  'ruby2.7',
  'provided',
  'provided.al2',
  'nodejs18.x',
  'python3.10',
  'java17',
  'ruby3.2',
  'ruby3.3',
  'ruby3.4',
  'python3.11',
  'nodejs20.x',
  'provided.al2023',
  'python3.12',
  'java21',
  'python3.13',
  'nodejs22.x',
  'python3.14',
  'java25',
  'nodejs24.x',
  'dotnet10',
  'java8.al2023',
  'java11.al2023',
  'java17.al2023',
  'python3.15',
  'ruby4.0',
  'nodejs26.x',
];

export type RuntimeVerdict =
  { ok: true } | { ok: false; reason: 'deprecated' | 'not-local' | 'unknown'; message: string };

function blocked(runtime: string, op: 'create' | 'update', now: Date): boolean {
  if (RETIRED_NODE.includes(runtime)) return true;
  const b = BLOCKS[runtime];
  return b !== undefined && now.getTime() >= Date.parse(`${b[op]}T00:00:00Z`);
}

/** May a function be created (or updated) with this runtime today? */
export function checkRuntime(runtime: string, op: 'create' | 'update', now = new Date()): RuntimeVerdict {
  if (!RUNTIME_ENUM.includes(runtime))
    return {
      ok: false,
      reason: 'unknown',
      message:
        `Value ${runtime} at 'runtime' failed to satisfy constraint: ` +
        `Member must satisfy enum value set: [${RUNTIME_ENUM.join(', ')}] or be a valid ARN`,
    };
  if (blocked(runtime, op, now))
    return {
      ok: false,
      reason: 'deprecated',
      message:
        `The runtime parameter of ${runtime} is no longer supported for creating or updating AWS Lambda functions. ` +
        'We recommend you use a supported runtime while creating or updating functions.',
    };
  if (!CURRENT_NODE.includes(runtime) && !BLOCKS[runtime])
    return {
      ok: false,
      reason: 'not-local',
      message:
        `The runtime ${runtime} is not supported by the local AWS endpoint: it runs Node.js functions only ` +
        `(${CURRENT_NODE.join(', ')}). Use one of those, or deploy to AWS.`,
    };
  return { ok: true };
}

/** Runtimes accepted for new functions today. */
export function currentRuntimes(now = new Date()): string[] {
  return [...CURRENT_NODE, ...Object.keys(BLOCKS)].filter(
    (r, i, all) => all.indexOf(r) === i && checkRuntime(r, 'create', now).ok,
  );
}

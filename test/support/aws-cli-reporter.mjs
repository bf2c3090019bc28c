// A node:test reporter that `npm test` runs beside the usual one: it says once, at the end of the run
// and loudly, how many tests were skipped for want of a tool they drive: the aws-cli (skip reason
// "aws-cli not found", see aws-cli.ts) or Chromium ("chromium not found", see chromium.ts), and how to
// install it. Plain JS: reporters load in the test runner's own process, which does not run `--import tsx`.
const TOOLS = [
  { prefix: 'aws-cli not found', what: 'aws-cli', variable: 'REQUIRE_AWS_CLI' },
  { prefix: 'chromium not found', what: 'Chromium', variable: 'REQUIRE_CHROMIUM' },
];

export default async function* toolSkips(source) {
  const skipped = new Map(TOOLS.map((t) => [t, { tests: [], reason: '' }]));
  for await (const event of source) {
    const skip = event.type === 'test:pass' ? event.data.skip : undefined;
    if (typeof skip !== 'string') continue;
    const tool = TOOLS.find((t) => skip.startsWith(t.prefix));
    if (!tool) continue;
    const file = (event.data.file ?? '').replace(`${process.cwd()}/`, '');
    const entry = skipped.get(tool);
    entry.tests.push(`${file}: ${event.data.name}`);
    entry.reason = skip;
  }
  const bar = '!'.repeat(100);
  for (const [tool, { tests, reason }] of skipped) {
    if (tests.length === 0) continue;
    yield [
      '',
      bar,
      `!! ${tests.length} ${tool.what} test(s) or suite(s) SKIPPED: ${reason}.`,
      `!! Set ${tool.variable}=1 to make a missing ${tool.what} fail the run (CI does).`,
      ...tests.map((s) => `!!   - ${s}`),
      bar,
      '',
    ].join('\n');
  }
}

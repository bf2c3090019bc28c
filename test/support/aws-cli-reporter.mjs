// A node:test reporter that `npm test` runs beside the usual one: it says once, at the end of the run
// and loudly, how many aws-cli tests were skipped (their skip reason starts with "aws-cli not found", see
// aws-cli.ts) and how to install the aws-cli. Plain JS: reporters load in the test runner's own
// process, which does not run `--import tsx`.
export default async function* awsCliSkips(source) {
  const skipped = [];
  let reason = '';
  for await (const event of source) {
    const skip = event.type === 'test:pass' ? event.data.skip : undefined;
    if (typeof skip === 'string' && skip.startsWith('aws-cli not found')) {
      const file = (event.data.file ?? '').replace(`${process.cwd()}/`, '');
      skipped.push(`${file}: ${event.data.name}`);
      reason = skip;
    }
  }
  if (skipped.length === 0) return;
  const bar = '!'.repeat(100);
  yield [
    '',
    bar,
    `!! ${skipped.length} aws-cli test(s) or suite(s) SKIPPED: ${reason}.`,
    '!! Set REQUIRE_AWS_CLI=1 to make a missing aws-cli fail the run (CI does).',
    ...skipped.map((s) => `!!   - ${s}`),
    bar,
    '',
  ].join('\n');
}

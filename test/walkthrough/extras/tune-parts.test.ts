// tune's pure parts, without an endpoint: the prices file (default, arm64, --prices FILE and what it
// says when the file is missing or wrong), --memory and --runs checks (also as the command prints them),
// and the benchmark's wording for the generated image. Kept apart from tune.test.ts, whose set-up
// deploys the walkthrough.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { imageWords } from '../../../bench/tune.ts';
import { UserError } from '../../../walkthrough/lib/errors.ts';
import { DEFAULT_PRICES_FILE, invocationCost, loadPrices, pricesFor } from '../../../walkthrough/extras/lib/prices.ts';
import { DEFAULT_RUNS, DEFAULT_SIZES, parseRuns, parseSizes } from '../../../walkthrough/extras/tune.ts';
import { tempDir } from '../../support/local-aws.ts';
import { runScript, scriptEnv } from '../../support/walkthrough.ts';

const dir = tempDir('tune-parts-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/** The UserError `fn` throws (message and hint), or a failure if it does not throw one. */
function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UserError, `a UserError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a UserError');
}

describe('tune prices', () => {
  it('reads the project prices file: x86_64 and arm64 differ, arm64 is cheaper per GB-second', () => {
    const p = loadPrices();
    assert.equal(p.file, DEFAULT_PRICES_FILE);
    assert.match(p.taken, /^\d{4}-\d{2}-\d{2}$/);
    assert.match(p.source, /^https:\/\/aws\.amazon\.com\/lambda\/pricing/);
    const x86 = pricesFor(p, 'x86_64');
    const arm = pricesFor(p, 'arm64');
    assert.ok(arm.perGbSecond < x86.perGbSecond, `arm64 ${arm.perGbSecond} < x86_64 ${x86.perGbSecond}`);
    // 1 s at 1024 MB on arm64: one GB-second plus one request.
    assert.equal(invocationCost(1000, 1024, arm), arm.perGbSecond + arm.perRequest);
    // 100 ms at 512 MB: a twentieth of a GB-second.
    assert.ok(Math.abs(invocationCost(100, 512, x86) - (x86.perGbSecond / 20 + x86.perRequest)) < 1e-15);
  });

  it('--prices FILE replaces the prices; region and currency default when absent', () => {
    const file = write('mine.json', {
      source: 'my contract',
      taken: '2030-01-01',
      architectures: { arm64: { perGbSecond: 0.00001, perRequest: 0 } },
    });
    const p = loadPrices(file);
    assert.equal(p.file, file);
    assert.equal(p.source, 'my contract');
    assert.equal(p.region, 'unspecified');
    assert.equal(p.currency, 'USD');
    assert.equal(invocationCost(2000, 2048, pricesFor(p, 'arm64')), 0.00004);
    const e = userError(() => pricesFor(p, 'x86_64'));
    assert.equal(e.message, `The prices file ${file} has no prices for x86_64.`);
    assert.match(e.hint ?? '', /--prices/);
  });

  it('says what is wrong with an unusable prices file', () => {
    const missing = path.join(dir, 'nope.json');
    let e = userError(() => loadPrices(missing));
    assert.match(e.message, new RegExp(`^Cannot read the prices file ${missing}: ENOENT`));
    assert.match(e.hint ?? '', /with --prices/);
    e = userError(() => loadPrices(write('broken.json', '{"source": ')));
    assert.match(e.message, /^Cannot read the prices file .*broken\.json: .*JSON/);
    const cases: Array<[unknown, RegExp]> = [
      [[1, 2], /"source" \(where the prices come from\) and "taken" \(when\) are required/],
      ['"text"', /it is not a JSON object/],
      [{ taken: '2030-01-01', architectures: {} }, /"source" .* and "taken" .* are required/],
      [{ source: 's', taken: 't', architectures: {} }, /"architectures" must map x86_64 and\/or arm64 to prices/],
      [
        { source: 's', taken: 't', architectures: { arm64: { perGbSecond: -1, perRequest: 0 } } },
        /architectures\.arm64 needs numbers perGbSecond and perRequest/,
      ],
      [
        { source: 's', taken: 't', architectures: { x86_64: { perGbSecond: '0.1', perRequest: 0 } } },
        /architectures\.x86_64 needs numbers/,
      ],
    ];
    for (const [i, [content, why]] of cases.entries()) {
      const file = write(`bad-${i}.json`, typeof content === 'string' ? content : JSON.stringify(content));
      e = userError(() => loadPrices(file));
      assert.match(e.message, new RegExp(`^The prices file ${file} is not usable: `), e.message);
      assert.match(e.message, why);
      assert.equal(e.hint, `Compare it with ${DEFAULT_PRICES_FILE}.`);
    }
  });
});

describe('tune --memory and --runs', () => {
  it('takes the defaults, sorts and de-duplicates sizes', () => {
    assert.deepEqual(parseSizes(undefined), DEFAULT_SIZES);
    assert.deepEqual(parseSizes(''), DEFAULT_SIZES);
    assert.deepEqual(parseSizes('1024, 128,512,128'), [128, 512, 1024]);
    assert.deepEqual(parseSizes(3008), [3008]);
    assert.equal(parseRuns(undefined), DEFAULT_RUNS);
    assert.equal(parseRuns('7'), 7);
  });

  it('refuses sizes and run counts Lambda or tune cannot use, saying what is allowed', () => {
    for (const bad of ['abc', '127', '10241', '512,1.5', ',', '256,,x']) {
      const e = userError(() => parseSizes(bad));
      assert.equal(
        e.message,
        `--memory ${bad}: memory sizes are whole numbers of MB from 128 to 10240, separated by commas.`,
      );
      assert.equal(e.hint, 'For example: --memory 128,512,1769');
    }
    for (const bad of ['0', '101', '2.5', 'many', '']) {
      const e = userError(() => parseRuns(bad));
      assert.equal(e.message, `--runs ${bad}: give a whole number of warm runs per size, 1 to 100.`);
    }
  });

  it('prints those messages without a stack trace and exits 1, before it needs an endpoint', async () => {
    const env = scriptEnv();
    for (const [args, said] of [
      [['--memory', '64'], /--memory 64: memory sizes are whole numbers of MB from 128 to 10240/],
      [['--runs', '0'], /--runs 0: give a whole number of warm runs per size, 1 to 100\./],
    ] as const) {
      const r = await runScript('extras/tune.ts', [...args], { cwd: dir, env });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, said);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });
});

describe('tune benchmark wording', () => {
  it('calls the generated image what it is, not a real photo', () => {
    assert.equal(
      imageWords('4032x3024 jpeg, 2.8 MB (generated)'),
      'a generated 12-megapixel photo-like JPEG (4032x3024 jpeg, 2.8 MB)',
    );
    assert.equal(imageWords('1920x1280 jpeg, 0.5 MB (yours)'), 'a 1920x1280 jpeg, 0.5 MB (yours)');
  });
});

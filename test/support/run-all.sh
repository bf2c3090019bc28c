#!/bin/sh
# Every *.test.ts at any depth (Node 20's --test takes no globs, and npm's sh has no **); none found is an error,
# since node --test would then pass having run nothing.
files=$(find test -name '*.test.ts' | sort)
[ -n "$files" ] || { echo 'npm test: no *.test.ts files found under test/' >&2; exit 1; }
# Beside the usual report, aws-cli-reporter.mjs says once at the end how many aws-cli tests were skipped.
# shellcheck disable=SC2086 # one argument per file: the paths have no spaces
exec node --import tsx --test --test-concurrency=3 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./test/support/aws-cli-reporter.mjs --test-reporter-destination=stderr \
  $files

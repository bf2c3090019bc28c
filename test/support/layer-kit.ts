// Zips for the layer tests: layers holding a small module `greet` (under nodejs/node_modules or
// nodejs/node<major>/node_modules) and a marker file that a later layer overwrites, and a function
// whose handlers load `greet` with require() (CommonJS) and with import (ES module).
import { zipWithEntries } from './lambda-kit.ts';

/** A layer whose `greet()` returns `word`; `data/which.txt` holds `word` too. */
export function greetLayerZip(word: string, folder = 'nodejs/node_modules'): Buffer {
  return zipWithEntries({
    [`${folder}/greet/package.json`]: JSON.stringify({ name: 'greet', version: '1.0.0', main: 'index.js' }),
    [`${folder}/greet/index.js`]: `module.exports = () => ${JSON.stringify(word)};\n`,
    'data/which.txt': word,
  });
}

/**
 * `index.handler` requires `greet` and reports what it returned, where it came from (the folder two
 * levels above `nodejs/`, i.e. /opt) and `data/which.txt` there; `esm.handler` imports it.
 */
export function layeredFunctionZip(): Buffer {
  return zipWithEntries({
    'index.js': [
      "const fs = require('node:fs');",
      "const path = require('node:path');",
      'exports.handler = async () => {',
      "  const greet = require('greet');",
      "  const file = require.resolve('greet');",
      "  const opt = file.slice(0, file.indexOf('/nodejs/'));",
      "  const which = fs.readFileSync(path.join(opt, 'data', 'which.txt'), 'utf8');",
      '  return { greet: greet(), which, nodePath: process.env.NODE_PATH };',
      '};',
      '',
    ].join('\n'),
    'esm.mjs': "import greet from 'greet';\nexport const handler = async () => ({ greet: greet() });\n",
  });
}

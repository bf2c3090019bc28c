// What the walkthrough's modules import, as the TypeScript compiler resolves it (static and dynamic
// imports, transitively): the core never reaches walkthrough/extras, and a step's --help loads no SDK
// client, zx or sharp (those come in through dynamic imports, once the step runs).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { fileOf, STEPS } from '../../walkthrough/lib/steps.ts';
import { PROJECT } from '../support/walkthrough.ts';

const WALKTHROUGH = path.join(PROJECT, 'walkthrough');
const options: ts.CompilerOptions = {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  allowImportingTsExtensions: true,
};

interface Edge {
  specifier: string;
  dynamic: boolean;
}

/** Imports that exist at run time: `import type` and type-only named imports are erased. */
function importsOf(file: string): Edge[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const edges: Edge[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const typeOnly =
        clause?.isTypeOnly ||
        (clause && !clause.name && named && ts.isNamedImports(named) && named.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) edges.push({ specifier: node.moduleSpecifier.text, dynamic: false });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!node.isTypeOnly) edges.push({ specifier: node.moduleSpecifier.text, dynamic: false });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      edges.push({ specifier: node.arguments[0].text, dynamic: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** Every module reachable from `entry`: project files by path, packages by name. */
function reachable(entry: string, followDynamic: boolean | ((from: string) => boolean)): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const edge of importsOf(file)) {
      if (edge.dynamic && !(typeof followDynamic === 'function' ? followDynamic(file) : followDynamic)) continue;
      if (!edge.specifier.startsWith('.')) {
        seen.add(`package:${edge.specifier}`);
        continue;
      }
      const resolved = ts.resolveModuleName(edge.specifier, file, options, ts.sys).resolvedModule;
      assert.ok(resolved, `${path.relative(PROJECT, file)}: cannot resolve ${edge.specifier}`);
      queue.push(path.resolve(resolved.resolvedFileName));
    }
  }
  return seen;
}

const coreFiles = (fs.readdirSync(WALKTHROUGH, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.ts') && !f.startsWith(`extras${path.sep}`))
  .map((f) => path.join(WALKTHROUGH, f));

describe('imports', () => {
  it('the core (walkthrough/ outside extras/) does not import walkthrough/extras, even indirectly', () => {
    assert.ok(coreFiles.length > 20);
    const extras = path.join(WALKTHROUGH, 'extras') + path.sep;
    for (const file of coreFiles) {
      const into = [...reachable(file, true)].filter((f) => f.startsWith(extras));
      assert.deepEqual(into, [], `${path.relative(PROJECT, file)} reaches the extras`);
    }
  });

  it('the check sees static and dynamic imports (it can fail)', () => {
    const fromExtra = reachable(path.join(WALKTHROUGH, 'extras', 'persistence.ts'), true);
    assert.ok(fromExtra.has(path.join(WALKTHROUGH, 'extras', 'lib', 'probe.ts')));
    const teardown = path.join(WALKTHROUGH, fileOf(STEPS.find((s) => s.id === 'teardown')!));
    assert.ok(reachable(teardown, true).has(path.join(WALKTHROUGH, 'lib', 'resources', 'bucket.ts')));
    assert.ok(!reachable(teardown, false).has(path.join(WALKTHROUGH, 'lib', 'resources', 'bucket.ts')));
  });

  it("a step's --help loads no SDK client, zx or sharp: they are imported once the step runs", () => {
    for (const step of STEPS) {
      const heavy = [...reachable(path.join(WALKTHROUGH, fileOf(step)), false)].filter((m) =>
        /^package:(@aws-sdk\/|zx|sharp|esbuild)/.test(m),
      );
      assert.deepEqual(heavy, [], `${fileOf(step)} loads ${heavy.join(', ')} before it parses its flags`);
    }
  });
});

describe('imports once a step runs', () => {
  // What a run of the step loads: the step's own lazy imports, connect's, and the resources' (not every
  // step's, as the registry's loaders would reach).
  const lib = path.join(WALKTHROUGH, 'lib');
  const runs = (step: string) => (from: string) =>
    from === step || from === path.join(lib, 'context.ts') || from.startsWith(path.join(lib, 'resources'));
  const clientsOf = (file: string) =>
    [...reachable(file, runs(file))]
      .filter((m) => m.startsWith('package:@aws-sdk/client-'))
      .map((m) => m.slice('package:@aws-sdk/client-'.length))
      .filter((c) => c !== 'sts') // every connect's (the caller's identity)
      .sort();

  it('a step loads only the SDK clients of the services it calls (start-up of a re-run)', () => {
    const expected: Record<string, string[]> = {
      env: [],
      role: ['iam'],
      buckets: ['s3'],
      package: [],
      function: ['cloudwatch-logs', 'lambda'],
      trigger: ['lambda', 's3', 'sns'],
    };
    for (const [id, clients] of Object.entries(expected)) {
      const step = STEPS.find((s) => s.id === id)!;
      assert.deepEqual(clientsOf(path.join(WALKTHROUGH, fileOf(step))), clients, fileOf(step));
    }
  });

  it('connecting loads no zx, whatever the target (the local endpoint is started without it)', () => {
    const connect = reachable(path.join(WALKTHROUGH, 'lib', 'context.ts'), true);
    assert.ok(connect.has(path.join(PROJECT, 'local-aws', 'control.ts')), 'the local target is followed');
    assert.deepEqual([...connect].filter((m) => /^package:zx/.test(m)), []);
  });
});

/**
 * The pure parts of `npm run coverage`: the configuration's globs, what tsx adds that is not
 * counted, converting one recorded script, merging one process's counts into the map, and the
 * per-stage table. The pipeline
 * itself (vitest plus every server process) is what `npm run coverage` runs.
 */

import libCoverage from 'istanbul-lib-coverage';
import { describe, expect, it } from 'vitest';
import { convertScript, globToRegExp, ignoreTsxHelpers, mergeInto, stageRows, table, type RecordedScript } from './coverage.ts';

describe('globToRegExp', () => {
  it('* stays in one folder, **/ spans any number of them', () => {
    const re = globToRegExp('stages/*/src/**/*.ts');
    expect(re.test('stages/01-request-line/src/app.ts')).toBe(true);
    expect(re.test('stages/01-request-line/src/deep/er/app.ts')).toBe(true);
    expect(re.test('stages/01-request-line/test/app.test.ts')).toBe(false);
    expect(re.test('stages/a/b/src/app.ts')).toBe(false);
    expect(globToRegExp('**/*.test.ts').test('docs/site.test.ts')).toBe(true);
    expect(globToRegExp('docs/api/**').test('docs/api/x/y.js')).toBe(true);
    expect(globToRegExp('docs/*.ts').test('docs/app.ts')).toBe(true);
    expect(globToRegExp('docs/*.ts').test('docsXapp.ts')).toBe(false);
  });
});

describe('ignoreTsxHelpers', () => {
  it('ignores the imports, export lists, the __name helper and its calls; keeps real code', () => {
    expect(ignoreTsxHelpers({ type: 'ImportDeclaration' })).toBe('ignore-this-and-nested-nodes');
    expect(ignoreTsxHelpers({ type: 'ExportNamedDeclaration', declaration: null })).toBe('ignore-this-and-nested-nodes');
    expect(ignoreTsxHelpers({ type: 'VariableDeclarator', id: { type: 'Identifier', name: '__name' } })).toBe('ignore-this-and-nested-nodes');
    expect(ignoreTsxHelpers({ type: 'ExpressionStatement', expression: { type: 'CallExpression', callee: { type: 'Identifier', name: '__name' } } })).toBe(true);
    expect(ignoreTsxHelpers({ type: 'ExpressionStatement', expression: { type: 'CallExpression', callee: { type: 'Identifier', name: 'respond' } } })).toBe(false);
    expect(ignoreTsxHelpers({ type: 'ExportNamedDeclaration', declaration: {} })).toBe(false);
    expect(ignoreTsxHelpers({ type: 'VariableDeclarator', id: { type: 'Identifier', name: 'server' } })).toBe(false);
  });
});

describe('convertScript', () => {
  // what a server process records: its code and V8's ranges (the whole script and f ran once)
  const code = 'export function f(a) {\n  if (a) {\n    return 1;\n  } else if (a === 0) {\n    return 2;\n  }\n  return a ? 3 : a || 4;\n}\nf(1);\n';
  const url = 'file:///repo/stages/01-x/src/a.js';
  const script: RecordedScript = {
    url,
    code,
    functions: [
      { functionName: '', isBlockCoverage: true, ranges: [{ startOffset: 0, endOffset: code.length, count: 1 }] },
      { functionName: 'f', isBlockCoverage: true, ranges: [{ startOffset: 7, endOffset: code.indexOf('\nf(1)'), count: 1 }] },
    ],
  };
  it('counts the same branches each time it converts the same code (many processes run it)', async () => {
    const first = await convertScript(script);
    const again = await convertScript(script);
    // if, else if, ?: and ||
    expect(Object.keys(first['/repo/stages/01-x/src/a.js']!.branchMap)).toHaveLength(4);
    expect(again).toEqual(first);
  });
});

/** A file's coverage with statements at `lines` (counts `s`) and one if with counts `b`. */
function file(path: string, starts: readonly number[], s: readonly number[], b: readonly number[]): libCoverage.FileCoverageData {
  const loc = (line: number, col = 0): libCoverage.Range => ({ start: { line, column: col }, end: { line, column: col + 5 } });
  return {
    path,
    statementMap: Object.fromEntries(starts.map((line, i) => [String(i), loc(line)])),
    s: Object.fromEntries(s.map((n, i) => [String(i), n])),
    fnMap: {},
    f: {},
    branchMap: { '0': { loc: loc(starts[0]!), type: 'if', locations: [loc(starts[0]!), loc(starts[0]!)], line: starts[0]! } },
    b: { '0': [...b] },
  };
}

describe('mergeInto', () => {
  const F = '/repo/stages/01-x/src/a.ts';
  it('adds counts index by index when the shapes agree, even where a start column differs', () => {
    const map = libCoverage.createCoverageMap({ [F]: file(F, [1, 2, 3], [1, 0, 0], [1, 0]) });
    const other = file(F, [1, 2, 3], [2, 5, 0], [0, 3]);
    other.statementMap['1'] = { start: { line: 2, column: 7 }, end: { line: 2, column: 12 } }; // tsx mapped it elsewhere on the line
    mergeInto(map, { [F]: other });
    const merged = map.fileCoverageFor(F).data;
    expect(Object.keys(merged.statementMap)).toHaveLength(3);
    expect(merged.s).toEqual({ '0': 3, '1': 5, '2': 0 });
    expect(merged.b).toEqual({ '0': [1, 3] });
  });
  it('falls back to istanbul\'s merge by location when the shapes differ', () => {
    const map = libCoverage.createCoverageMap({ [F]: file(F, [1, 2], [1, 0], [1, 0]) });
    mergeInto(map, { [F]: file(F, [1, 2, 9], [1, 1, 1], [0, 1]) });
    expect(Object.keys(map.fileCoverageFor(F).data.statementMap)).toHaveLength(3);
    expect(map.fileCoverageFor(F).getLineCoverage()).toEqual({ 1: 2, 2: 1, 9: 1 });
  });
  it('adds a file the map does not have yet', () => {
    const map = libCoverage.createCoverageMap({});
    mergeInto(map, { [F]: file(F, [1], [4], [1, 1]) });
    expect(map.files()).toEqual([F]);
  });
});

describe('stageRows and table', () => {
  it('sums lines and branches per stage folder, and for all stages, ignoring other files', () => {
    const a = '/repo/stages/01-x/src/a.ts';
    const b = '/repo/stages/02-y/src/b.ts';
    const map = libCoverage.createCoverageMap({
      [a]: file(a, [1, 2, 3, 4], [1, 1, 1, 0], [1, 1]),
      [b]: file(b, [1, 2], [0, 0], [0, 1]),
      '/repo/docs/app.ts': file('/repo/docs/app.ts', [1], [1], [1, 1]),
    });
    const rows = stageRows(map, '/repo');
    expect(rows.map((r) => [r.name, r.lines, r.branches])).toEqual([
      ['01-x', { covered: 3, total: 4 }, { covered: 2, total: 2 }],
      ['02-y', { covered: 0, total: 2 }, { covered: 1, total: 2 }],
      ['all stages', { covered: 3, total: 6 }, { covered: 3, total: 4 }],
    ]);
    expect(table(rows)).toContain('01-x        75.0% (3/4)');
  });
});

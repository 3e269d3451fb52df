/**
 * `npm run coverage [-- <vitest arguments>]`: coverage that counts what runs, wherever it
 * runs: the code the unit tests import (in vitest's workers) and the code of every server and
 * worker process the specs start. Reports `stages/` per stage, lines and branches.
 *
 * Strategy: one configuration, the `coverage` section of `vitest.config.ts` (which files,
 * which reports, where). Then three steps:
 *
 * 1. Run vitest with its own v8 coverage (`@vitest/coverage-v8`, which maps V8's byte ranges
 *    through the AST of the code it ran, so comments and blank lines count for nothing),
 *    reporting JSON into a temporary folder. `NODE_OPTIONS` loads `scripts/coverage-child.mjs`
 *    into every process below it; in the servers and workers (not in vitest's own processes)
 *    it records V8's coverage and the code V8 ran.
 * 2. Convert each recorded process the same way vitest does (`ast-v8-to-istanbul`, through
 *    tsx's inline source map, with an AST of the code that ran) and merge everything into one
 *    istanbul coverage map, keeping the files the configuration includes.
 * 3. Print the per-stage table, write the configured reports, and delete the raw data.
 *
 * The exit code is vitest's: failing tests fail the run, after the report.
 *
 * Why not c8, which collects the same V8 data through `NODE_V8_COVERAGE`: it converts it
 * without an AST. Its default conversion (v8-to-istanbul) counts every line of a file that
 * ran, comments, blank lines and types included, and reports V8's blocks as branches;
 * `--experimental-monocart` counts V8's ranges as statements. Neither counts what vitest's
 * provider counts, so neither merges with it into one honest figure (measured on one run,
 * compared file by file, before this was settled).
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Options } from 'ast-v8-to-istanbul';
import libCoverage, { type CoverageMap, type CoverageSummary } from 'istanbul-lib-coverage';
import type { ReportType } from 'istanbul-reports';
// vitest/node, the converter, the reports and the configuration are imported when they are
// needed: loading them takes seconds, and `--help` should not wait for them

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The part of `vitest.config.ts`'s coverage section this script reads. */
interface CoverageConfig {
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  readonly reporter?: ReadonlyArray<string | [string, unknown]>;
  readonly reportsDirectory?: string;
}

/** What `--help` prints. */
export const USAGE = `usage: npm run coverage [-- <vitest arguments>]
  Runs the tests with coverage counted in the test processes and in every server and worker
  they start; prints stages/ per stage (lines, branches) and writes the reports configured in
  vitest.config.ts (coverage.reporter, into coverage.reportsDirectory). As long as npm test,
  plus a minute. Vitest arguments narrow the run, e.g. -- spec/limits.spec.ts.
  --help   this text
`;

/** A glob of the configuration (`*`, `**`) as a regular expression over posix paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else {
        re += '.*';
      }
    } else if (c === '*') {
      re += '[^/]*';
    } else {
      re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

/** Lines and branches of one row of the table. */
export interface Row {
  readonly name: string;
  readonly lines: { covered: number; total: number };
  readonly branches: { covered: number; total: number };
}

/** The per-stage rows (files under `stages/<stage>/src/`) and their total, from `map`. */
export function stageRows(map: CoverageMap, root: string = ROOT): Row[] {
  const byStage = new Map<string, CoverageSummary>();
  const all = libCoverage.createCoverageSummary();
  for (const file of map.files()) {
    const m = /^stages\/([^/]+)\/src\//.exec(path.relative(root, file).split(path.sep).join('/'));
    if (!m) continue;
    const summary = map.fileCoverageFor(file).toSummary();
    const s = byStage.get(m[1]!) ?? libCoverage.createCoverageSummary();
    s.merge(summary);
    byStage.set(m[1]!, s);
    all.merge(summary);
  }
  const row = (name: string, s: CoverageSummary): Row => ({
    name,
    lines: { covered: s.lines.covered, total: s.lines.total },
    branches: { covered: s.branches.covered, total: s.branches.total },
  });
  return [...[...byStage].sort(([a], [b]) => a.localeCompare(b)).map(([name, s]) => row(name, s)), row('all stages', all)];
}

/** The rows as a plain-text table. */
export function table(rows: readonly Row[]): string {
  const pct = (c: { covered: number; total: number }): string =>
    `${c.total === 0 ? '100.0' : ((100 * c.covered) / c.total).toFixed(1)}% (${c.covered}/${c.total})`;
  const width = Math.max(...rows.map((r) => r.name.length));
  const lines = [`${'stage'.padEnd(width)}  ${'lines'.padEnd(22)}  branches`];
  for (const r of rows) lines.push(`${r.name.padEnd(width)}  ${pct(r.lines).padEnd(22)}  ${pct(r.branches)}`);
  return lines.join('\n');
}

/** The source map inlined at the end of `code` (tsx inlines one), if any. */
function inlineSourceMap(code: string): Options['sourceMap'] {
  const m = /\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
  return m ? (JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8')) as Options['sourceMap']) : undefined;
}

/** An AST node, as much of it as {@link ignoreTsxHelpers} reads. */
interface AnyNode {
  readonly type: string;
  readonly id?: { readonly type: string; readonly name?: string } | null;
  readonly declaration?: unknown;
  readonly expression?: { readonly type: string; readonly callee?: { readonly type: string; readonly name?: string } };
}

/**
 * What tsx (esbuild) adds to a module, and vitest's transform does not, so that both count the
 * same statements: the `__defProp`/`__name` helpers and the `__name(f, "f")` call after each
 * function (tsx keeps function names), and the `import` and `export { … }` statements (vitest
 * ignores its own rewritten forms of them). Left in, each would be a "covered" statement of
 * whatever line its source map points to.
 */
export function ignoreTsxHelpers(node: AnyNode): boolean | 'ignore-this-and-nested-nodes' {
  if (node.type === 'ImportDeclaration') return 'ignore-this-and-nested-nodes';
  if (node.type === 'ExportNamedDeclaration' && !node.declaration) return 'ignore-this-and-nested-nodes';
  if (node.type === 'VariableDeclarator' && node.id?.type === 'Identifier' && (node.id.name === '__name' || node.id.name === '__defProp')) {
    return 'ignore-this-and-nested-nodes';
  }
  const e = node.expression;
  return node.type === 'ExpressionStatement' && e?.type === 'CallExpression' && e.callee?.type === 'Identifier' && e.callee.name === '__name';
}

/**
 * One recorded script as istanbul data. JSON-normalized, as vitest's own report is read: an
 * end column of `Infinity` becomes `null`, and istanbul merges statements by location, so the
 * two must be spelled alike. The code is parsed afresh for each call: the converter changes
 * the AST it walks, and a second walk of the same AST finds fewer branches.
 */
export async function convertScript(script: RecordedScript): Promise<libCoverage.CoverageMapData> {
  const { default: convert } = await import('ast-v8-to-istanbul');
  const { parseAstAsync } = await import('vitest/node');
  const sourceMap = inlineSourceMap(script.code);
  const data = await convert({
    code: script.code,
    ...(sourceMap ? { sourceMap } : {}),
    ast: parseAstAsync(script.code) as Options['ast'],
    coverage: { url: script.url, functions: script.functions },
    ignoreNode: (node) => ignoreTsxHelpers(node as unknown as AnyNode),
  });
  return JSON.parse(JSON.stringify(data)) as libCoverage.CoverageMapData;
}

/**
 * Adds `data` (one process's coverage) into `map`. vitest's transform and tsx's map a few
 * nodes to slightly different starts (an `else if` at its `else` or at its `if`), and istanbul
 * merges by location, which would count those nodes twice. Both walk the same original AST in
 * the same order, so when a file has the same number of statements, functions and branches
 * (with the same number of paths) in both, counts are added index by index into the map's
 * structure; otherwise (a rare file), istanbul's merge by location.
 */
export function mergeInto(map: CoverageMap, data: libCoverage.CoverageMapData): void {
  for (const [file, add] of Object.entries(data)) {
    if (!map.files().includes(file)) {
      map.merge({ [file]: add });
      continue;
    }
    const target = map.fileCoverageFor(file).data;
    const size = (o: object): number => Object.keys(o).length;
    const aligned =
      size(target.statementMap) === size(add.statementMap) &&
      size(target.fnMap) === size(add.fnMap) &&
      size(target.branchMap) === size(add.branchMap) &&
      Object.keys(target.branchMap).every((k) => add.branchMap[k]?.locations.length === target.branchMap[k]!.locations.length);
    if (!aligned) {
      map.merge({ [file]: add });
      continue;
    }
    for (const k of Object.keys(add.s)) target.s[k] = (target.s[k] ?? 0) + add.s[k]!;
    for (const k of Object.keys(add.f)) target.f[k] = (target.f[k] ?? 0) + add.f[k]!;
    for (const k of Object.keys(add.b)) target.b[k] = target.b[k]!.map((n, i) => n + (add.b[k]![i] ?? 0));
  }
}

/** One script as `scripts/coverage-child.mjs` records it. */
export interface RecordedScript {
  readonly url: string;
  readonly functions: import('node:inspector').Profiler.FunctionCoverage[];
  readonly code: string;
}

/** Converts every process recorded in `dir` and merges the files `included` accepts into `map`. */
async function mergeChildren(dir: string, included: (file: string) => boolean, map: CoverageMap): Promise<number> {
  let processes = 0;
  for (const name of readdirSync(dir)) {
    const scripts = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as RecordedScript[];
    processes++;
    for (const script of scripts) {
      const file = fileURLToPath(script.url);
      if (!included(file)) continue;
      mergeInto(map, await convertScript(script));
    }
  }
  return processes;
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { default: config } = await import('../vitest.config.ts');
  const coverage = ((config as { test?: { coverage?: CoverageConfig } }).test?.coverage ?? {}) as CoverageConfig;
  const patterns = (coverage.include ?? ['**']).map(globToRegExp);
  const excluded = (coverage.exclude ?? []).map(globToRegExp);
  const included = (file: string): boolean => {
    const rel = path.relative(ROOT, file).split(path.sep).join('/');
    return !rel.startsWith('..') && patterns.some((p) => p.test(rel)) && !excluded.some((p) => p.test(rel));
  };
  const raw = mkdtempSync(path.join(tmpdir(), 'nibiru-coverage-'));
  const cleanUp = (): void => rmSync(raw, { recursive: true, force: true });
  process.once('SIGINT', () => {
    cleanUp();
    process.exit(130);
  });
  try {
    const children = path.join(raw, 'processes');
    const hook = pathToFileURL(path.join(ROOT, 'scripts', 'coverage-child.mjs')).href;
    process.stderr.write(`coverage: running the tests with coverage in every process they start; raw data in ${raw} until the end\n`);
    const vitest = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        '--coverage.enabled=true',
        '--coverage.reporter=json',
        '--coverage.reportOnFailure=true',
        `--coverage.reportsDirectory=${path.join(raw, 'vitest')}`,
        ...argv,
      ],
      {
        cwd: ROOT,
        stdio: 'inherit',
        env: {
          ...process.env,
          NIBIRU_COVERAGE_DIR: children,
          NIBIRU_COVERAGE_ROOT: ROOT,
          // the servers run through tsx, whose inline source maps the conversion reads, not the compile cache
          NIBIRU_TSX: '1',
          NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${hook}`.trim(),
        },
      },
    );

    const inVitest = path.join(raw, 'vitest', 'coverage-final.json');
    let map: CoverageMap;
    try {
      map = libCoverage.createCoverageMap(JSON.parse(readFileSync(inVitest, 'utf8')) as libCoverage.CoverageMapData);
    } catch {
      process.stderr.write(`coverage: vitest wrote no coverage (exit ${vitest.status ?? vitest.signal})\n`);
      return vitest.status ?? 1;
    }
    let processes = 0;
    try {
      processes = await mergeChildren(children, included, map);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    map.filter((file) => included(file));

    const { default: libReport } = await import('istanbul-lib-report');
    const { default: reports } = await import('istanbul-reports');
    const out = path.resolve(ROOT, coverage.reportsDirectory ?? 'coverage');
    const context = libReport.createContext({ dir: out, coverageMap: map, defaultSummarizer: 'nested' });
    for (const r of coverage.reporter ?? ['text-summary']) {
      const [name, options] = typeof r === 'string' ? [r, {}] : r;
      reports.create(name as ReportType, options as object).execute(context);
    }
    process.stdout.write(`\nstages/, counted in the test processes and in ${processes} server and worker processes they started:\n${table(stageRows(map))}\n`);
    process.stdout.write(`reports (${(coverage.reporter ?? ['text-summary']).map((r) => (typeof r === 'string' ? r : r[0])).join(', ')}) in ${path.relative(ROOT, out) || '.'}/\n`);
    return vitest.status ?? 1;
  } finally {
    cleanUp();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}

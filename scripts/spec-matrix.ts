/**
 * `npm run spec:matrix [-- --write] [-- --stages 01,02] [-- --from results.json]`: the table of
 * RFC sections × stages, Crafting Interpreters style.
 *
 * Strategy: run every spec file under `spec/` against every stage that exists, with
 * `NIBIRU_SPEC_EXPECTED_FAILURES=1` so that a test whose feature a stage lacks is run as
 * `it.fails` (its title then carries {@link EXPECTED_FAILURE_MARK}), and vitest's JSON
 * reporter. Each test lands in one cell, found from its file (the row) and the `[stage]` at the
 * end of its describe title (the column):
 *
 * - **passed**: expected to pass, and passed;
 * - **expected to fail**: the stage lacks the feature, and the test failed as expected;
 * - **failing**: expected to pass and failed, or expected to fail and passed (the map is wrong).
 *
 * Skipped tests (a tool such as curl is missing, or a feature the stage neither has nor is
 * expected to fail, as balancing in a stage whose kernel balances) are counted apart. The Markdown table goes to
 * stdout; `--write` also writes `docs/conformance.md`. The exit code is 1 when any cell has a
 * failing test, so the matrix doubles as a check; 2 for a usage error.
 *
 * The run takes minutes, so it says so up front and prints a line on stderr as each spec file
 * finishes (`scripts/matrix-progress.ts`, a vitest reporter beside the JSON one).
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { listStages } from '../bin/stage.ts';
import { EXPECTED_FAILURE_MARK } from '../spec/stages.ts';
import { clock } from './matrix-progress.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** How long a whole run takes: about 3 minutes when the machine is quiet, 6:19 measured on a busy one. */
const MINUTES = 'A whole run takes 3 to 7 minutes on a 2-core machine, depending on what else runs.';

/** The counts of one cell. */
export interface Cell {
  passed: number;
  expectedToFail: number;
  failing: number;
  skipped: number;
}

/** The part of vitest's JSON report this script reads. */
export interface VitestReport {
  readonly testResults: ReadonlyArray<{
    readonly name: string;
    readonly assertionResults: ReadonlyArray<{
      readonly ancestorTitles: readonly string[];
      readonly title: string;
      readonly status: string;
    }>;
  }>;
}

/** The matrix: rows (spec files) × columns (stages). */
export interface Matrix {
  readonly stages: string[];
  readonly rows: Array<{ readonly file: string; readonly title: string; readonly cells: Map<string, Cell> }>;
}

/** A row's title from its file name: `rfc9112-6-message-body.spec.ts` is `RFC 9112 §6 message body`. */
export function rowTitle(file: string): string {
  const base = path.basename(file).replace(/\.spec\.ts$/, '');
  const rfc = /^rfc(\d+)-(\d+)-(.+)$/.exec(base);
  if (rfc) return `RFC ${rfc[1]} §${rfc[2]} ${rfc[3]!.replaceAll('-', ' ')}`;
  return base.replaceAll('-', ' ');
}

/** Sorts vitest's results into the matrix. */
export function buildMatrix(report: VitestReport, stages: readonly string[]): Matrix {
  const found = new Set<string>(stages);
  const rows: Matrix['rows'] = [];
  for (const file of report.testResults) {
    const rel = path.relative(ROOT, file.name);
    const cells = new Map<string, Cell>();
    for (const test of file.assertionResults) {
      const stage = test.ancestorTitles.map((t) => /\[(\d\d-[^\]]+)\]\s*$/.exec(t)?.[1]).find((s) => s !== undefined);
      if (stage === undefined) continue;
      found.add(stage);
      const cell = cells.get(stage) ?? { passed: 0, expectedToFail: 0, failing: 0, skipped: 0 };
      cells.set(stage, cell);
      const expectedToFail = test.title.includes(EXPECTED_FAILURE_MARK);
      if (test.status === 'passed') {
        if (expectedToFail) cell.expectedToFail++;
        else cell.passed++;
      } else if (test.status === 'failed') {
        cell.failing++;
      } else {
        cell.skipped++;
      }
    }
    rows.push({ file: rel, title: rowTitle(rel), cells });
  }
  rows.sort((a, b) => a.file.localeCompare(b.file, 'en', { numeric: true }));
  return { stages: [...found].sort(), rows };
}

function cellText(cell: Cell | undefined): string {
  if (cell === undefined) return '—';
  let text = `${cell.passed} passed · ${cell.expectedToFail} expected to fail · ${cell.failing} failing`;
  if (cell.skipped > 0) text += ` · ${cell.skipped} skipped`;
  return cell.failing > 0 ? `**${text}**` : text;
}

/** The matrix as a Markdown table, with a total row. */
export function toMarkdown(matrix: Matrix): string {
  const lines = [
    `| spec | ${matrix.stages.join(' | ')} |`,
    `| --- | ${matrix.stages.map(() => '---').join(' | ')} |`,
  ];
  const totals = new Map<string, Cell>();
  for (const row of matrix.rows) {
    lines.push(`| [${row.title}](../${row.file}) | ${matrix.stages.map((s) => cellText(row.cells.get(s))).join(' | ')} |`);
    for (const [stage, cell] of row.cells) {
      const t = totals.get(stage) ?? { passed: 0, expectedToFail: 0, failing: 0, skipped: 0 };
      t.passed += cell.passed;
      t.expectedToFail += cell.expectedToFail;
      t.failing += cell.failing;
      t.skipped += cell.skipped;
      totals.set(stage, t);
    }
  }
  lines.push(`| **total** | ${matrix.stages.map((s) => cellText(totals.get(s))).join(' | ')} |`);
  return lines.join('\n') + '\n';
}

/** Runs the specs and returns vitest's JSON report. */
function runSpecs(stages: string | undefined): VitestReport {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'nibiru-matrix-')), 'results.json');
  const env: NodeJS.ProcessEnv = { ...process.env, NIBIRU_SPEC_EXPECTED_FAILURES: '1' };
  if (stages !== undefined) env.NIBIRU_STAGES = stages;
  const vitest = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const progress = path.join(ROOT, 'scripts', 'matrix-progress.ts');
  const args = [vitest, 'run', 'spec/', '--reporter=json', `--outputFile.json=${out}`, `--reporter=${progress}`];
  const r = spawnSync(process.execPath, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    return JSON.parse(readFileSync(out, 'utf8')) as VitestReport;
  } catch {
    throw new Error(`vitest wrote no report (exit ${r.status})`);
  }
}

const INTRO = `# Conformance

Which RFC requirements each stage meets, as the specs in \`spec/\` check them over real TCP.
Every spec file runs against every stage; a stage's expectation map (\`spec/stages.ts\`) says
which features it is expected to have. A cell counts the tests of one file for one stage:

- **passed**: the stage is expected to meet the requirement, and does;
- **expected to fail**: the stage lacks the feature on purpose (stage 01 parses only the
  request-line, for instance), the test was run anyway and failed, as expected;
- **failing**: a test that should pass and does not, or one expected to fail that passes
  (then the map is wrong): anything here is a bug;
- **skipped**: not run, for one of two reasons: the test needs a tool this machine lacks (e.g.
  curl), or it checks a feature the stage does not have and is not expected to fail either
  (balancing, in a stage whose workers share one socket and leave the spread to the kernel).

Regenerate this file with \`npm run spec:matrix -- --write\`.

`;

/** What `--help` prints. */
export const USAGE = `usage: npm run spec:matrix [-- --write] [-- --stages 01,02] [-- --from results.json]
  Runs every spec file in spec/ against every stage and prints which pass where, as a
  Markdown table on stdout (progress on stderr). Exit 1 if any cell has a failing test.
  ${MINUTES}
  --write            also write the table to docs/conformance.md
  --stages 01,02     only these stages (faster)
  --from FILE        build the table from a vitest JSON report instead of running the specs
  --help             this text
`;

async function main(argv: string[]): Promise<number> {
  let values: { write?: boolean; stages?: string; from?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { write: { type: 'boolean' }, stages: { type: 'string' }, from: { type: 'string' }, help: { type: 'boolean' } },
    }));
  } catch (err) {
    process.stderr.write(`spec:matrix: ${(err as Error).message.split('\n')[0]}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const started = Date.now();
  if (!values.from) {
    const files = readdirSync(path.join(ROOT, 'spec')).filter((n) => n.endsWith('.spec.ts')).length;
    const stageCount = values.stages ? values.stages.split(',').length : listStages().length;
    process.stderr.write(`spec:matrix: ${files} spec files × ${stageCount} stage(s), one real server each. ${MINUTES}\n`);
  }
  const report = values.from ? (JSON.parse(readFileSync(values.from, 'utf8')) as VitestReport) : runSpecs(values.stages);
  const stages = values.stages ? listStages().filter((s) => values.stages!.split(',').some((w) => s.startsWith(w.padStart(2, '0')))) : listStages();
  const matrix = buildMatrix(report, stages);
  const table = toMarkdown(matrix);
  process.stdout.write(table);
  if (values.write) {
    const when = new Date().toISOString().slice(0, 10);
    const note = `Generated on ${when} from ${matrix.rows.length} spec files against ${matrix.stages.join(', ')}.\n\n`;
    writeFileSync(path.join(ROOT, 'docs', 'conformance.md'), INTRO + note + table);
    process.stderr.write('wrote docs/conformance.md\n');
  }
  const failing = matrix.rows.some((row) => [...row.cells.values()].some((c) => c.failing > 0));
  if (!values.from) process.stderr.write(`spec:matrix: done in ${clock(Date.now() - started)}${failing ? ', with failing cells (in bold)' : ''}\n`);
  return failing ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}

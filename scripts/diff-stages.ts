/**
 * `npm run diff -- 03 04`: the lesson between two stages, as a summary and a unified diff.
 *
 * Strategy: compare the two stage folders' `src/` (add `--all` for every file but the
 * README, tests included), print one summary line per file that was added, removed or
 * changed, with its line counts, then the unified diff of each. `--stat` prints the summary
 * only; `--markdown` prints it as a markdown table (what the guide chapters embed).
 *
 * A stage is named as `bin/stage.ts` names it (`03`, `3`, `03-fd-passing`) or by a folder
 * path, so attendees can diff their own version: `npm run diff -- 02 ../my-stage-03`.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { compareStages, countChanges, stageDir, unifiedDiff } from './stage-tools.ts';

/** One file's line of the summary. */
export interface SummaryRow {
  /** The file, relative to the stage folder. */
  readonly file: string;
  /** `added`, `removed` or `changed`. */
  readonly status: 'added' | 'removed' | 'changed';
  /** Lines added. */
  readonly added: number;
  /** Lines removed. */
  readonly removed: number;
}

/**
 * What changed between stage folders `a` and `b`, file by file, and how many files did not.
 *
 * @param only the folders to compare (`['src']`, `['test']`); `'all'` for every file but the
 *   README. Not optional: a default would swallow an explicit "everything".
 */
export function summarize(a: string, b: string, only: readonly string[] | 'all'): { rows: SummaryRow[]; same: number } {
  const cmp = compareStages(a, b, only === 'all' ? undefined : only);
  const read = (dir: string, f: string): string => readFileSync(path.join(dir, f), 'utf8');
  const rows: SummaryRow[] = [
    ...cmp.changed.map((file) => ({ file, status: 'changed' as const, ...countChanges(read(a, file), read(b, file)) })),
    ...cmp.added.map((file) => ({ file, status: 'added' as const, ...countChanges('', read(b, file)) })),
    ...cmp.removed.map((file) => ({ file, status: 'removed' as const, ...countChanges(read(a, file), '') })),
  ].sort((x, y) => x.file.localeCompare(y.file));
  return { rows, same: cmp.same.length };
}

/** The summary as plain text, one line per file and a total. */
export function summaryText(nameA: string, nameB: string, rows: readonly SummaryRow[], same: number): string {
  const width = Math.max(0, ...rows.map((r) => r.file.length));
  const lines = rows.map((r) => `  ${r.status.padEnd(8)} ${r.file.padEnd(width)}  +${r.added} -${r.removed}`);
  const plus = rows.reduce((s, r) => s + r.added, 0);
  const minus = rows.reduce((s, r) => s + r.removed, 0);
  return [
    `${nameA} → ${nameB}`,
    ...lines,
    `  ${same} file${same === 1 ? '' : 's'} unchanged`,
    `${rows.length} file${rows.length === 1 ? '' : 's'} changed, ${plus} insertion${plus === 1 ? '' : 's'}(+), ${minus} deletion${minus === 1 ? '' : 's'}(-)`,
  ].join('\n');
}

/** The summary as a markdown table. */
export function summaryMarkdown(rows: readonly SummaryRow[], same: number): string {
  const plus = rows.reduce((s, r) => s + r.added, 0);
  const minus = rows.reduce((s, r) => s + r.removed, 0);
  return [
    '| file | change | lines |',
    '| --- | --- | --- |',
    ...rows.map((r) => `| \`${r.file}\` | ${r.status} | +${r.added} −${r.removed} |`),
    `| ${same} other file${same === 1 ? '' : 's'} | unchanged | |`,
    `| **total** | ${rows.length} file${rows.length === 1 ? '' : 's'} | **+${plus} −${minus}** |`,
  ].join('\n');
}

/** What `--help` prints. */
export const USAGE = `usage: npm run diff -- <from-stage> <to-stage> [--stat] [--markdown] [--all]
  Prints what changed between two stages: a summary line per file, then the unified diff.
  a stage is 01, 1, 01-request-line, or a folder path (your own version)
  --stat      the summary only
  --markdown  the summary as a markdown table
  --all       every file of the stage (tests too), not only src/
  --help      this text
`;

/** Runs the command with `argv`; returns the exit code. */
export function run(argv: readonly string[]): number {
  const flags = new Set(argv.filter((a) => a.startsWith('-')));
  const names = argv.filter((a) => !a.startsWith('-'));
  if (flags.has('--help') || flags.has('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const unknown = [...flags].find((f) => !['--stat', '--markdown', '--all'].includes(f));
  if (unknown !== undefined || names.length !== 2) {
    const what = unknown !== undefined ? `unknown option '${unknown}'` : `expected two stages, got ${names.length}`;
    process.stderr.write(`diff: ${what}\n${USAGE}`);
    return 2;
  }
  let a: string;
  let b: string;
  try {
    a = stageDir(names[0]!);
    b = stageDir(names[1]!);
  } catch (err) {
    process.stderr.write(`diff: ${(err as Error).message}\n`);
    return 2;
  }
  const only = flags.has('--all') ? 'all' : ['src'];
  const { rows, same } = summarize(a, b, only);
  const [nameA, nameB] = [path.basename(a), path.basename(b)];
  if (flags.has('--markdown')) {
    process.stdout.write(summaryMarkdown(rows, same) + '\n');
    return 0;
  }
  process.stdout.write(summaryText(nameA, nameB, rows, same) + '\n');
  if (flags.has('--stat')) return 0;
  for (const r of rows) {
    const left = r.status === 'added' ? '' : readFileSync(path.join(a, r.file), 'utf8');
    const right = r.status === 'removed' ? '' : readFileSync(path.join(b, r.file), 'utf8');
    const la = r.status === 'added' ? '/dev/null' : `${nameA}/${r.file}`;
    const lb = r.status === 'removed' ? '/dev/null' : `${nameB}/${r.file}`;
    process.stdout.write('\n' + unifiedDiff(la, lb, left, right));
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = run(process.argv.slice(2));
}

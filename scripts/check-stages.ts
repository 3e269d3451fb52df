/**
 * `npm run check:stages`: fails when consecutive stages have drifted apart silently.
 *
 * Strategy: for each pair of consecutive stages (folders under `stages/` with `src/main.ts`;
 * a stage still being written, without one, is not checked yet), every file the later stage
 * added, removed or changed must be listed in the later stage's README under
 * `## Changed files`. A shared file that differs without being listed is drift: usually a fix
 * that went into one copy and not the others. A listed file that did not change is printed as
 * a warning and does not fail. Then, against the last commit (when git is there), a file
 * changed in a later stage but not in an earlier stage whose committed copy was the same is
 * an error too: the fix skipped the first stage with those lines (`npm run carry` carries a
 * fix forward from there). Exit code 1 on drift, 0 otherwise.
 *
 * Try it: `npm run check:stages`; to see what a stage changed, `npm run diff -- 01 02 --all --stat`.
 */

import { pathToFileURL } from 'node:url';
import { listStages } from '../bin/stage.ts';
import { checkStages, isError, type Drift } from './stage-tools.ts';

/** The report for `drifts`, one line each, errors first. */
export function report(drifts: readonly Drift[]): string {
  const line = (d: Drift): string =>
    d.problem === 'no Changed files section'
      ? `  ${d.stage}/README.md has no "## Changed files" section`
      : `  ${d.stage}: ${d.file} ${d.problem}`;
  const skipped = drifts.filter((d) => d.earlier !== undefined);
  const errors = drifts.filter((d) => isError(d) && d.earlier === undefined);
  const warnings = drifts.filter((d) => !isError(d));
  const parts: string[] = [];
  if (errors.length) parts.push(`drift (list these in the stage README's "## Changed files", or undo the change):`, ...errors.map(line));
  if (skipped.length) {
    parts.push(
      `fixed in a later stage but not in an earlier one with the same file (since the last commit):`,
      ...skipped.map((d) => `  ${d.stage}: ${d.file}; fix it in ${d.earlier}, then: npm run carry -- stages/${d.earlier}/${d.file}`),
    );
  }
  if (warnings.length) parts.push(`warnings:`, ...warnings.map(line));
  return parts.join('\n');
}

/** What `--help` prints. */
export const USAGE = `usage: npm run check:stages
  Fails (exit 1) when a file differs between two consecutive stages without being listed
  in the later stage's README under "## Changed files", or when a file changed since the
  last commit in a later stage but not in an earlier stage that had the same bytes (a fix
  that skipped a stage; see npm run carry). Takes no options; a few seconds.
  --help   this text
`;

/** Runs the check (or prints help) for arguments `argv`; returns the exit code. */
export function run(argv: readonly string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (argv.length > 0) {
    process.stderr.write(`check:stages: unexpected argument '${argv[0]}'\n${USAGE}`);
    return 2;
  }
  const stages = listStages();
  const drifts = checkStages();
  const text = report(drifts);
  if (text) process.stdout.write(text + '\n');
  const errors = drifts.filter(isError).length;
  process.stdout.write(
    errors === 0
      ? `check:stages: ok, ${Math.max(0, stages.length - 1)} pair(s) of consecutive stages checked (${stages.join(', ')})\n`
      : `check:stages: ${errors} problem(s)\n`,
  );
  return errors === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = run(process.argv.slice(2));
}

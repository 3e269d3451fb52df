/**
 * Where measurements are kept, and what is recorded with each one.
 *
 * Strategy: two folders under `bench/results/`. `reference/` holds the committed runs that
 * the documents cite (`npm run figures` reads them); a command writes there only when asked
 * with `--save-reference`, and then under a fixed name, so that re-running a reference run
 * replaces it. `local/` (git-ignored) receives every other run, under a name with the date and
 * time, so that one run never overwrites another. Each JSON file carries a {@link RunInfo}: the
 * command that produced it, the commit, the machine and its load average before and after.
 */

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine, loadAverage, type Machine } from './machine.ts';

/** `bench/results/`. */
const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
/** The committed runs the documents cite. */
export const REFERENCE_DIR = path.join(RESULTS_DIR, 'reference');
/** Everybody's own runs (git-ignored; `NIBIRU_BENCH_LOCAL_DIR` puts them elsewhere, as the tests do). */
const LOCAL_DIR = process.env.NIBIRU_BENCH_LOCAL_DIR ?? path.join(RESULTS_DIR, 'local');

/** What every saved run records about how it was made. */
export interface RunInfo {
  /** The command, as a user would type it, e.g. `npm run bench:compare -- --tool wrk`. */
  readonly command: string;
  /** ISO time the run began. */
  readonly date: string;
  /** ISO time the run ended. */
  readonly finished?: string;
  /** `git describe`-style commit of the tree measured, `+dirty` when it had changes. */
  readonly commit: string;
  /** The machine, with its load average when the run began. */
  readonly machine: Machine;
  /** The load average when the run ended. */
  readonly loadAverageAfter?: readonly number[];
}

const ROOT = path.resolve(RESULTS_DIR, '..', '..');

/**
 * The commit of the working tree, e.g. `1a2b3c4`, or `1a2b3c4+dirty` when what a benchmark
 * runs (the code of `stages/`, `bench/`, `docs/app.ts`) has uncommitted changes; `unknown`
 * outside git. Results and Markdown do not count: `npm run bench:reference` writes both
 * between its runs, and they change nothing that is measured.
 */
function currentCommit(cwd: string = ROOT): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'stages', 'bench', 'docs/app.ts', ':(exclude)bench/results', ':(exclude)*.md'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return dirty === '' ? sha : `${sha}+dirty`;
  } catch {
    return 'unknown';
  }
}

/** The command line as a user types it: `npm run <script> -- <args>`. */
function commandLine(script: string, argv: readonly string[]): string {
  const quoted = argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
  return `npm run ${script}${quoted.length ? ` -- ${quoted.join(' ')}` : ''}`;
}

/** Starts a {@link RunInfo} for a command that is about to run. */
export function beginRun(script: string, argv: readonly string[]): RunInfo {
  return { command: commandLine(script, argv), date: new Date().toISOString(), commit: currentCommit(), machine: describeMachine() };
}

/** Completes a {@link RunInfo} once the run is over. */
export function endRun(info: RunInfo): RunInfo {
  return { ...info, finished: new Date().toISOString(), loadAverageAfter: loadAverage() };
}

/** `2026-12-02T0435`: a file-name-safe stamp of an ISO date. */
function stamp(iso: string): string {
  return iso.slice(0, 16).replace(/:/g, '');
}

/**
 * Writes a run: `<name>.json` and each chart `<name><suffix>.svg`, into `reference/` (under
 * `name` as given) or into `local/` (with the run's date and time appended), and says so on
 * stderr. Returns the paths written, relative to the working directory.
 */
export function saveRun(name: string, data: { readonly date: string }, charts: Readonly<Record<string, string>>, reference: boolean): string[] {
  const dir = reference ? REFERENCE_DIR : LOCAL_DIR;
  const stem = reference ? name : `${name}-${stamp(data.date)}`;
  mkdirSync(dir, { recursive: true });
  const written = [path.join(dir, `${stem}.json`)];
  writeFileSync(written[0]!, JSON.stringify(data, null, 2) + '\n');
  for (const [suffix, svg] of Object.entries(charts)) {
    const file = path.join(dir, `${stem}${suffix}.svg`);
    writeFileSync(file, svg);
    written.push(file);
  }
  const paths = written.map((f) => path.relative(process.cwd(), f) || f);
  process.stderr.write(`saved ${paths.join(', ')}${reference ? '; now run npm run figures' : ''}\n`);
  return paths;
}

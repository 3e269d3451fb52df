/**
 * Every build exercise starts red: its spec fails on the starting point of its chapter.
 *
 * Strategy: for each chapter with an exercise file, write its starting point
 * (`starters.ts`: the stage before it, or the chapter's starter) to a temporary folder, run
 * the chapter's exercise file against it in a vitest of its own (`NIBIRU_STAGE_DIR`, the JSON
 * reporter), and require, for each exercise the file checks, at least one failed test (or a
 * server that did not even start, which fails the file and skips its tests). The exercises
 * are read from the tests' titles (`exercise 2.1: ...`); each `### Exercise N.M` of the
 * chapter's guide must be one of them or a question the starting point lists, which no test
 * may claim to check. That the reference stages pass every exercise is the exercise files'
 * own run under `npm test`. Two chapters run at a time; each run's folder is removed after it,
 * and its servers stop with it (the exercise harness stops what it starts).
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listStages, STAGES_DIR } from '../../bin/stage.ts';
import { materialize, startingPoint, type StartingPoint } from './starters.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const EXERCISE = /\bexercise (\d+\.\d+)\b/;

/** The part of vitest's JSON report read here. */
interface Report {
  readonly testResults: ReadonlyArray<{
    readonly status: string;
    readonly assertionResults: ReadonlyArray<{ readonly ancestorTitles: readonly string[]; readonly title: string; readonly status: string }>;
  }>;
}

/** Per exercise the file checks, the statuses of its tests, and whether the file itself failed. */
export interface ExerciseOutcome {
  readonly statuses: ReadonlyMap<string, readonly string[]>;
  readonly fileFailed: boolean;
}

/** Groups a report's tests by the exercise their titles name. */
function outcome(report: Report): ExerciseOutcome {
  const statuses = new Map<string, string[]>();
  let fileFailed = false;
  for (const file of report.testResults) {
    fileFailed ||= file.status === 'failed';
    for (const t of file.assertionResults) {
      const id = EXERCISE.exec([...t.ancestorTitles, t.title].join(' '))?.[1];
      if (id !== undefined) statuses.set(id, [...(statuses.get(id) ?? []), t.status]);
    }
  }
  return { statuses, fileFailed };
}

/** Whether an exercise is red: a test of it failed, or none passed because the file failed (a hook, e.g. the server not starting). */
export function isRed(statuses: readonly string[], fileFailed: boolean): boolean {
  return statuses.includes('failed') || (fileFailed && !statuses.includes('passed'));
}

let running = 0;
const waiting: Array<() => void> = [];

/** Runs `job` when fewer than two are running: each starts servers, on a machine of two cores. */
async function inTurn<T>(job: () => Promise<T>): Promise<T> {
  if (running >= 2) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await job();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Runs `file` against `point`'s code, written to a temporary folder removed afterwards. */
async function runOnStartingPoint(file: string, point: StartingPoint, chapter: string): Promise<ExerciseOutcome> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nibiru-start-red-'));
  try {
    const copy = path.join(dir, chapter);
    materialize(point, STAGES_DIR, copy);
    const reportFile = path.join(dir, 'report.json');
    // the child must not take this vitest's worker variables for its own
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NIBIRU_STAGE_AS'));
    const args = [path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', file, '--reporter=json', `--outputFile=${reportFile}`];
    // its exit code says nothing more: the report says which exercise passed
    await new Promise((resolve) => {
      const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...env, NIBIRU_STAGE_DIR: copy }, stdio: 'ignore' });
      child.on('close', resolve);
    });
    return outcome(JSON.parse(readFileSync(reportFile, 'utf8')) as Report);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// the last chapters first: their runs are the longest (servers with workers, specs that wait
// out a response that never comes), and the short ones fill the other lane meanwhile
const chapters = listStages().reverse().filter((chapter) => {
  try {
    readFileSync(path.join(ROOT, 'docs', 'exercises', `${chapter}.test.ts`));
    return true;
  } catch {
    return false;
  }
});

describe('every build exercise fails on its chapter\'s starting point', () => {
  it.concurrent.each(chapters)('%s', async (chapter) => {
    const point = startingPoint(chapter, listStages());
    expect(point, `${chapter} has a starting point`).toBeDefined();
    const guide = readFileSync(path.join(ROOT, 'docs', 'guide', `${chapter}.md`), 'utf8');
    const inGuide = [...guide.matchAll(/^### Exercise (\d+\.\d+)\b/gm)].map((m) => m[1]!);
    const result = await inTurn(() => runOnStartingPoint(`docs/exercises/${chapter}.test.ts`, point!, chapter));
    const checked = [...result.statuses.keys()].sort();
    // each exercise of the guide is checked by a spec or is a question, never both
    expect(inGuide.filter((id) => !checked.includes(id) && !point!.questions.includes(id)), 'exercises neither checked nor questions').toEqual([]);
    expect(checked.filter((id) => point!.questions.includes(id)), 'questions a spec claims to check').toEqual([]);
    expect(checked.length).toBeGreaterThan(0);
    const green = checked.filter((id) => !isRed(result.statuses.get(id)!, result.fileFailed));
    expect(green, `exercises already passing on ${point!.starter ?? `stage ${point!.from}`}`).toEqual([]);
    // a deadline against hanging: five chapters' servers, two at a time, on a busy machine
  }, 900_000);
});

describe('isRed', () => {
  it('a failed test makes an exercise red; all passed is green', () => {
    expect(isRed(['passed', 'failed'], true)).toBe(true);
    expect(isRed(['passed', 'passed'], false)).toBe(false);
    expect(isRed(['passed', 'passed'], true)).toBe(false);
  });
  it('tests skipped because the file failed (its server did not start) are red; skipped alone is not', () => {
    expect(isRed(['skipped', 'skipped'], true)).toBe(true);
    expect(isRed(['skipped'], false)).toBe(false);
  });
});

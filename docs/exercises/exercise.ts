/**
 * The harness of the guide's exercise specs: each exercise spec runs against the reference
 * stage of its chapter, or against your own version of it.
 *
 * Strategy: {@link describeExercise} starts one real server process, the reference stage by
 * default or the folder `NIBIRU_STAGE_DIR` names (a folder holding `src/main.ts` that prints
 * the usual ready line), with the stage's usual spec arguments (`--workers 2` for 03 and 04)
 * plus the exercise's own, and stops it afterwards. The reference stages pass every exercise
 * spec; `npm test` runs them, which proves each exercise can be solved.
 *
 * ```sh
 * npx vitest run docs/exercises/02-full-parser.test.ts                         # the reference
 * npm run exercise -- start 02             # where chapter 02 starts, in workspace/02-full-parser/
 * NIBIRU_STAGE_DIR=workspace/02-full-parser npx vitest run docs/exercises/02-full-parser.test.ts   # yours
 * npm run check:mine                       # yours, with the RFC specs held to stage 02's map
 * npm run check:mine -- ../my-02           # a copy of yours elsewhere
 * ```
 *
 * Each chapter's file opens with the wrong versions its specs were tried on, and which spec
 * fails on each. Every exercise's specs also fail where its chapter starts (`starters.ts`),
 * which `start-red.test.ts` checks.
 */

import { afterAll, beforeAll, describe } from 'vitest';
import { startStage, type StageProcess, type StartOptions } from '../../harness/launcher.ts';
import { STAGE_ARGS } from '../../spec/stages.ts';
import { listStages } from '../../bin/stage.ts';

/** What an exercise runs against: `NIBIRU_STAGE_DIR` when set, else the reference `stage`. */
export function exerciseTarget(stage: string): string {
  return process.env.NIBIRU_STAGE_DIR ?? stage;
}

/** Whether the reference `stage` exists in this checkout (a stage folder with `src/main.ts`). */
export function stageExists(stage: string): boolean {
  return process.env.NIBIRU_STAGE_DIR !== undefined || listStages().includes(stage);
}

/**
 * Declares an exercise: `body` declares its tests, which reach the running server through
 * `server()`. Skipped, with the reason in its title, when the reference stage does not exist.
 */
export function describeExercise(stage: string, title: string, body: (server: () => StageProcess) => void, options: StartOptions = {}): void {
  const target = exerciseTarget(stage);
  const suite = stageExists(stage) ? describe : describe.skip;
  const label = stageExists(stage) ? `${title} [${target}]` : `${title} [skipped: stage ${stage} does not exist yet]`;
  suite(label, () => {
    let proc: StageProcess | undefined;
    // no deadlines here: vitest's hookTimeout (vitest.config.ts) covers the launcher's own
    beforeAll(async () => {
      proc = await startStage(target, { ...options, args: [...(STAGE_ARGS[stage] ?? []), ...(options.args ?? [])] });
    });
    afterAll(async () => {
      const workers = proc?.workerPids ?? [];
      await proc?.stop();
      // a version whose workers outlive their master must not leave them running
      for (const pid of workers) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already, as it should be
        }
      }
    });
    body(() => {
      if (!proc) throw new Error(`${target} is not running`);
      return proc;
    });
  });
}

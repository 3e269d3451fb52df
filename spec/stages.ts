/**
 * The per-stage expectation map, Crafting Interpreters style: one spec corpus, and for each
 * stage the features it is expected to pass.
 *
 * Strategy: every spec test names a {@link Feature}. {@link describeStages} runs a spec file
 * once per stage under test, against one real server process per stage. A test whose feature
 * the stage has is run and must pass; one whose feature it lacks is skipped, or, when
 * `NIBIRU_SPEC_EXPECTED_FAILURES=1` (what `npm run spec:matrix` sets), run as `it.fails`, so
 * that the matrix can show it failing as expected (and flag one that starts to pass).
 *
 * Choose the stages with `NIBIRU_STAGES=01,02` (default: all), or test your own stage folder
 * with `NIBIRU_STAGE_DIR=path/to/stage NIBIRU_STAGE_AS=02` (it is held to stage 02's map).
 */

import { afterAll, beforeAll, describe, it } from 'vitest';
import { listStages } from '../bin/stage.ts';
import { startStage, type StageProcess, type StartOptions } from '../harness/launcher.ts';

/** What a spec can require of a stage. */
export type Feature =
  /**
   * What any server owes its clients, whatever HTTP it speaks: a request that arrived before
   * SIGTERM is answered, a connection that sends nothing is closed without a response, and a
   * client that does not read cannot make the server's memory grow without bound.
   */
  | 'lifecycle'
  /** RFC 9112 §3: the request-line, and answering with `Connection: close`. */
  | 'request-line'
  /** RFC 9112 §5: header fields are parsed and checked. */
  | 'fields'
  /** RFC 9112 §6, §7: message bodies, Content-Length and chunked. */
  | 'body'
  /** RFC 9112 §9: persistent connections and pipelining. */
  | 'persistence'
  /** Limits beyond the request-line: header size, body size, timeouts. */
  | 'limits'
  /** Several worker processes. */
  | 'workers'
  /** Least-connection balancing of connections across workers. */
  | 'balancing';

const HTTP_1_1: readonly Feature[] = ['lifecycle', 'request-line', 'fields', 'body', 'persistence', 'limits'];

/**
 * What the title of a test run as `it.fails` carries (followed by the feature and `)`), so
 * that a report such as `npm run spec:matrix` can tell an expected failure from a pass.
 */
export const EXPECTED_FAILURE_MARK = '(expected to fail: needs ';

/** Which features each stage is expected to pass. */
export const EXPECTED: Readonly<Record<string, readonly Feature[]>> = {
  '01-request-line': ['lifecycle', 'request-line'],
  '02-full-parser': HTTP_1_1,
  '03-fd-passing': [...HTTP_1_1, 'workers', 'balancing'],
  '04-shared-socket': [...HTTP_1_1, 'workers'],
  '05-fast-path': [...HTTP_1_1, 'workers'],
};

/** Extra arguments each stage gets in the specs (the worker stages run with 2 workers). */
export const STAGE_ARGS: Readonly<Record<string, readonly string[]>> = {
  '03-fd-passing': ['--workers', '2'],
  '04-shared-socket': ['--workers', '2'],
  '05-fast-path': ['--workers', '2'],
};

/** A stage under test: its name (for the map) and what to launch. */
export interface StageUnderTest {
  /** The stage whose expectations apply, e.g. `02-full-parser`. */
  readonly name: string;
  /** What {@link startStage} is given: the same name, or a folder of your own. */
  readonly target: string;
}

/** The stages this run tests, from `NIBIRU_STAGES` / `NIBIRU_STAGE_DIR`, default all. */
export function stagesUnderTest(env: NodeJS.ProcessEnv = process.env): StageUnderTest[] {
  const all = listStages();
  if (env.NIBIRU_STAGE_DIR) {
    const as = all.find((s) => s.startsWith((env.NIBIRU_STAGE_AS ?? '').padStart(2, '0'))) ?? all.at(-1)!;
    return [{ name: as, target: env.NIBIRU_STAGE_DIR }];
  }
  const wanted = env.NIBIRU_STAGES?.split(',').map((s) => s.trim().padStart(2, '0'));
  return all.filter((s) => !wanted || wanted.some((w) => s.startsWith(w))).map((s) => ({ name: s, target: s }));
}

/** Whether `stage` is expected to pass specs that need `feature`. */
export function expects(stage: string, feature: Feature): boolean {
  return (EXPECTED[stage] ?? []).includes(feature);
}

/**
 * The `it` to declare a test with for `stage` when it needs `feature`, for spec files that do
 * not use {@link describeStages}: `it` when the stage has the feature, else `it.skip`, or,
 * when `NIBIRU_SPEC_EXPECTED_FAILURES=1`, an `it.fails` whose title carries
 * {@link EXPECTED_FAILURE_MARK} (so that `npm run spec:matrix` counts it as expected to fail).
 */
export function stageTest(stage: string, feature: Feature): (title: string, fn: () => Promise<void> | void, timeoutMs?: number) => void {
  if (expects(stage, feature)) return (title, fn, timeoutMs) => it(title, fn, timeoutMs);
  if (process.env.NIBIRU_SPEC_EXPECTED_FAILURES === '1') {
    return (title, fn, timeoutMs) => it.fails(`${title} ${EXPECTED_FAILURE_MARK}${feature})`, fn, timeoutMs);
  }
  return (title, fn) => it.skip(title, fn);
}

/** What a spec body gets for one stage. */
export interface StageContext {
  /** The stage's name. */
  readonly stage: string;
  /**
   * What to give {@link startStage} to start another server of this stage: the name, or the
   * folder `NIBIRU_STAGE_DIR` names (a spec that used `stage` there would test the reference).
   */
  readonly target: string;
  /** The running server (started before the first test of the stage). */
  server(): StageProcess;
  /**
   * Declares a test that needs `feature`. Its deadline is vitest's `testTimeout`
   * (`vitest.config.ts`) unless `timeoutMs` is given.
   */
  spec(feature: Feature, title: string, fn: () => Promise<void> | void, timeoutMs?: number): void;
}

/**
 * Runs `body` once per stage under test, each against its own server process.
 *
 * @param title the RFC section, e.g. `RFC 9112 §3 request-line`.
 * @param options how to start the server (app, extra arguments), or a function of the stage's
 * name that says so (e.g. to give flags only to the stages that know them).
 */
export function describeStages(
  title: string,
  body: (ctx: StageContext) => void,
  startOptions: StartOptions | ((stage: string) => StartOptions) = {},
): void {
  const runExpectedFailures = process.env.NIBIRU_SPEC_EXPECTED_FAILURES === '1';
  for (const { name, target } of stagesUnderTest()) {
    const options = typeof startOptions === 'function' ? startOptions(name) : startOptions;
    describe(`${title} [${name}]`, () => {
      let proc: StageProcess | undefined;
      let needed = false;
      // no deadlines here: vitest's hookTimeout (vitest.config.ts) covers the launcher's own
      beforeAll(async () => {
        if (!needed) return;
        proc = await startStage(target, { ...options, args: [...(STAGE_ARGS[name] ?? []), ...(options.args ?? [])] });
      });
      afterAll(async () => {
        await proc?.stop();
      });
      body({
        stage: name,
        target,
        server: () => {
          if (!proc) throw new Error(`stage ${name} is not running`);
          return proc;
        },
        spec: (feature, testTitle, fn, timeoutMs) => {
          if (expects(name, feature)) {
            needed = true;
            it(testTitle, fn, timeoutMs);
          } else if (runExpectedFailures) {
            needed = true;
            it.fails(`${testTitle} ${EXPECTED_FAILURE_MARK}${feature})`, fn, timeoutMs);
          } else {
            it.skip(testTitle, fn);
          }
        },
      });
    });
  }
}

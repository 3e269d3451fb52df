/**
 * The vitest reporter behind `npm run check:mine`: it writes what the run found, as plain data
 * ({@link SpecRun}), to the file `NIBIRU_CHECK_MINE_RESULT` names, and prints one progress
 * line per finished spec file, so that `scripts/check-mine.ts` can summarise the run on one
 * screen.
 *
 * Strategy: vitest's own JSON reporter keeps only each failure's stack, not the expected and
 * received values nor the diff it computed; this one keeps them, with the first stack frame in
 * the test's own file (where the assertion is). It does no formatting at all: everything an
 * attendee reads is made by pure functions in `check-mine.ts`, which its tests exercise
 * without running vitest. It will not print anything else; `check:mine --verbose` runs
 * vitest's default reporter instead.
 */

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, SerializedError, TestModule, TestSpecification } from 'vitest/node';

/** Where a failure happened: a spec file (relative to the repository) and a line in it. */
export interface SpecWhere {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One error, as vitest serialised it, kept to what a summary needs. */
export interface SpecError {
  /** The error's message, e.g. `expected 400 to be 200 // Object.is equality`. */
  readonly message: string;
  /** The error's class, e.g. `AssertionError`. */
  readonly name?: string;
  /** An assertion's expected value, as vitest printed it (possibly over several lines). */
  readonly expected?: string;
  /** An assertion's received value, likewise. */
  readonly actual?: string;
  /** The outermost stack frame in the spec file itself, else the first frame outside node_modules. */
  readonly where?: SpecWhere;
}

/** One test: its full name (describe blocks and title, joined by ` > `) and its outcome. */
export interface SpecTest {
  readonly name: string;
  readonly state: 'passed' | 'failed' | 'skipped' | 'pending';
  readonly errors: readonly SpecError[];
}

/** One spec file: its tests, and the errors that belong to no test. */
export interface SpecFile {
  /** Relative to the repository, with `/`, e.g. `spec/rfc9112-6-message-body.spec.ts`. */
  readonly file: string;
  readonly tests: readonly SpecTest[];
  /**
   * The file or a describe block that failed outside its tests (a failed import, a `beforeAll`
   * that could not start the server), as a failed {@link SpecTest} named after it.
   */
  readonly setup: readonly SpecTest[];
}

/** What a vitest run found. */
export interface SpecRun {
  readonly files: readonly SpecFile[];
  /** Errors outside any test: unhandled rejections, uncaught exceptions. */
  readonly unhandled: readonly SpecError[];
  /** Why the run ended: `passed`, `failed` or `interrupted`. */
  readonly reason: string;
}

/** The environment variable that names the file the reporter writes. */
export const RESULT_ENV = 'NIBIRU_CHECK_MINE_RESULT';

/** The prefix of the reporter's progress lines on stdout: `PREFIX done/total file`. */
export const PROGRESS_PREFIX = 'check:mine progress ';

/** {@link SpecError} from what vitest serialised; `root` makes the frame's file relative. */
export function specError(e: SerializedError, root: string, moduleId?: string): SpecError {
  const stacks = e.stacks ?? [];
  // the outermost frame in the test's file is in the test's body (an inner one may be a helper's)
  const frame = [...stacks].reverse().find((s) => s.file === moduleId) ?? stacks.find((s) => !s.file.includes('/node_modules/')) ?? stacks[0];
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return {
    message: String(e.message ?? ''),
    ...(e.name ? { name: e.name } : {}),
    ...(str(e.expected) !== undefined ? { expected: str(e.expected)! } : {}),
    ...(str(e.actual) !== undefined ? { actual: str(e.actual)! } : {}),
    ...(frame ? { where: { file: path.relative(root, frame.file).split(path.sep).join('/'), line: frame.line, column: frame.column } } : {}),
  };
}

/** The reporter: `vitest run --reporter=scripts/check-mine-reporter.ts`. */
export default class CheckMineReporter implements Reporter {
  private root = process.cwd();
  private total = 0;
  private done = 0;

  /** Notes the repository's root, which the files are made relative to. */
  onInit(vitest: { config: { root: string } }): void {
    this.root = vitest.config.root;
  }

  /** Notes how many spec files the run has, for the progress lines. */
  onTestRunStart(specifications: ReadonlyArray<TestSpecification>): void {
    this.total = specifications.length;
  }

  /** One progress line per finished spec file. */
  onTestModuleEnd(testModule: TestModule): void {
    this.done += 1;
    process.stdout.write(`${PROGRESS_PREFIX}${this.done}/${this.total} ${testModule.relativeModuleId}\n`);
  }

  /** Writes the {@link SpecRun}. */
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, reason: string): void {
    const files: SpecFile[] = testModules.map((m) => ({
      file: path.relative(this.root, m.moduleId).split(path.sep).join('/'),
      tests: [...m.children.allTests()].map((t) => {
        const r = t.result();
        return { name: t.fullName, state: r.state, errors: (r.errors ?? []).map((e) => specError(e, this.root, m.moduleId)) };
      }),
      setup: [m, ...m.children.allSuites()]
        .map((suite) => ({
          name: suite.type === 'module' ? suite.relativeModuleId : suite.fullName,
          state: 'failed' as const,
          errors: suite.errors().map((e) => specError(e, this.root, m.moduleId)),
        }))
        .filter((suite) => suite.errors.length > 0),
    }));
    const run: SpecRun = { files, unhandled: unhandledErrors.map((e) => specError(e, this.root)), reason };
    const out = process.env[RESULT_ENV];
    if (out) writeFileSync(out, JSON.stringify(run));
  }
}

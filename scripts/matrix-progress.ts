/**
 * A vitest reporter that prints one line on stderr per finished test file: how many files are
 * done, the file, its tests by outcome, and the time since the run started. `npm run
 * spec:matrix` uses it beside the JSON reporter, so that its minutes are not silent.
 *
 * Strategy: vitest calls `onTestRunStart` with every file it is about to run (the total) and
 * `onTestModuleEnd` as each finishes; nothing else is needed. A failed test is named under its
 * file's line. stderr, because stdout is the Markdown table.
 */

import path from 'node:path';
import type { Reporter, TestModule, TestSpecification } from 'vitest/node';

/** `m:ss` for `ms` milliseconds. */
export function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** One line per finished test file, on stderr. */
export default class MatrixProgress implements Reporter {
  private total = 0;
  private done = 0;
  private readonly started = Date.now();

  /** Counts the files of the run. */
  onTestRunStart(specifications: ReadonlyArray<TestSpecification>): void {
    this.total = specifications.length;
  }

  /** Prints the line of a finished file. */
  onTestModuleEnd(testModule: TestModule): void {
    this.done++;
    const counts = new Map<string, number>();
    const failed: string[] = [];
    for (const test of testModule.children.allTests()) {
      const state = test.result().state;
      counts.set(state, (counts.get(state) ?? 0) + 1);
      if (state === 'failed') failed.push(`${test.parent.type === 'suite' ? `${test.parent.name} > ` : ''}${test.name}`);
    }
    const tests = [...counts].map(([state, n]) => `${n} ${state}`).join(', ') || 'no tests';
    const width = String(this.total).length;
    const file = path.relative(process.cwd(), testModule.moduleId);
    process.stderr.write(`[${String(this.done).padStart(width)}/${this.total}] ${clock(Date.now() - this.started)}  ${file} (${tests})\n`);
    // the table only counts failures: name them here, so a flaky one can be found
    for (const title of failed) process.stderr.write(`    failed: ${title}\n`);
  }
}

/**
 * A vitest reporter that ends the run's summary with every test skipped for a stated reason
 * (`ctx.skip(note)`), so that such a skip is never silent: the bench smoke tests skip when
 * another benchmark holds the bench lock for longer than they wait, and the summary then says
 * so under its `Tests` line instead of only counting one more skip.
 *
 * Strategy: listed after vitest's default reporter in `vitest.config.ts`, it prints at the end
 * of the run (after the default's summary) one line per note: how many tests it skipped and
 * in which files. A test skipped without a note (`it.skip`, whose title says why) is not
 * listed.
 */

import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** One line per skip note, under the run's summary. */
export default class SkipNotes implements Reporter {
  /** Prints the notes of the skipped tests, if any. */
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const byNote = new Map<string, Set<string>>();
    const count = new Map<string, number>();
    for (const m of testModules) {
      for (const test of m.children.allTests('skipped')) {
        const result = test.result();
        const note = result.state === 'skipped' ? result.note : undefined;
        if (!note) continue;
        if (!byNote.has(note)) byNote.set(note, new Set());
        byNote.get(note)!.add(path.relative(process.cwd(), m.moduleId));
        count.set(note, (count.get(note) ?? 0) + 1);
      }
    }
    for (const [note, files] of byNote) process.stdout.write(`    Skipped  ${count.get(note)} (${note}) in ${[...files].join(', ')}\n`);
  }
}

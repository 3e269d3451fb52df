/**
 * `npm run carry` and check:stages' comparison with the last commit, on a temporary git
 * repository of small stage folders: commit, edit a stage the way a fix would, then carry or
 * check. Real git, real files; nothing of the project's own stages is touched.
 */

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { carry, needsHand, parseArgs } from './carry.ts';
import { report } from './check-stages.ts';
import { checkAgainstHead } from './stage-tools.ts';

let dir: string;
let stages: string;

const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, encoding: 'utf8' });
const write = (rel: string, text: string): void => {
  mkdirSync(path.dirname(path.join(stages, rel)), { recursive: true });
  writeFileSync(path.join(stages, rel), text);
};
const read = (rel: string): string => readFileSync(path.join(stages, rel), 'utf8');

/** Twenty numbered lines, with `edits` (line number → text) applied. */
const lines = (edits: Record<number, string> = {}): string => Array.from({ length: 20 }, (_, k) => edits[k + 1] ?? `line ${k + 1}`).join('\n') + '\n';

/** Commits stages 01–04: `src/errors.ts` the same in 01, 02 and 04's lesson changed line 18 of it; 03 has it too. */
function commitStages(): void {
  for (const s of ['01-a', '02-b', '03-c', '04-d']) write(`${s}/src/main.ts`, 'main\n');
  write('01-a/src/errors.ts', lines());
  write('02-b/src/errors.ts', lines());
  write('03-c/src/errors.ts', lines({ 18: 'line 18, as the lesson of 03 has it' }));
  write('04-d/src/errors.ts', lines({ 18: 'line 18, as the lesson of 03 has it' }));
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'stages');
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'nibiru-carry-'));
  stages = path.join(dir, 'stages');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('carry', () => {
  it('copies the fix into an identical copy and merges it into one the lesson changed', () => {
    commitStages();
    write('01-a/src/errors.ts', lines({ 2: 'line 2, fixed' }));
    const results = carry(stages, '01-a', 'src/errors.ts');
    expect(results).toEqual([
      { stage: '02-b', outcome: 'carried' },
      { stage: '03-c', outcome: 'patched' },
      { stage: '04-d', outcome: 'patched' },
    ]);
    expect(read('02-b/src/errors.ts')).toBe(lines({ 2: 'line 2, fixed' }));
    expect(read('03-c/src/errors.ts')).toBe(lines({ 2: 'line 2, fixed', 18: 'line 18, as the lesson of 03 has it' }));
    expect(read('04-d/src/errors.ts')).toBe(read('03-c/src/errors.ts'));
    // carried everywhere, the later copies have changed with the earlier one: nothing to report
    expect(checkAgainstHead(stages)).toEqual([]);
  });

  it('lists a copy where the change conflicts, leaves it as it was, and needs a hand', () => {
    commitStages();
    write('02-b/src/errors.ts', lines({ 18: 'line 18, fixed' }));
    const results = carry(stages, '02-b', 'src/errors.ts');
    expect(results.map((r) => r.outcome)).toEqual(['conflict', 'conflict']);
    expect(results.some(needsHand)).toBe(true);
    expect(read('03-c/src/errors.ts')).toBe(lines({ 18: 'line 18, as the lesson of 03 has it' }));
  });

  it('says "already the same" and "no such file", and writes nothing on a dry run', () => {
    commitStages();
    rmSync(path.join(stages, '04-d/src/errors.ts'));
    write('01-a/src/errors.ts', lines({ 2: 'line 2, fixed' }));
    write('02-b/src/errors.ts', lines({ 2: 'line 2, fixed' }));
    expect(carry(stages, '01-a', 'src/errors.ts', true).map((r) => r.outcome)).toEqual(['same', 'patched', 'absent']);
    expect(read('03-c/src/errors.ts')).toBe(lines({ 18: 'line 18, as the lesson of 03 has it' }));
  });

  it('refuses a file that has not changed since the last commit', () => {
    commitStages();
    expect(() => carry(stages, '01-a', 'src/errors.ts')).toThrow(/has not changed since the last commit/);
  });

  it('reads "stages/NN-name/<file>", "NN <file>" and "<file> --from NN"', () => {
    commitStages();
    const want = { stage: '02-b', file: 'src/errors.ts' };
    expect(parseArgs(['stages/02-b/src/errors.ts'], dir, stages)).toEqual(want);
    expect(parseArgs(['02', 'src/errors.ts'], dir, stages)).toEqual(want);
    expect(parseArgs(['src/errors.ts', '--from', '2', '--dry-run'], dir, stages)).toEqual(want);
    expect(parseArgs(['src/errors.ts'], dir, stages)).toMatch(/not a file of a stage/);
  });
});

describe('checkAgainstHead', () => {
  it('reports a fix made in a later stage but not in the earlier one that had the same bytes', () => {
    commitStages();
    write('02-b/src/errors.ts', lines({ 2: 'line 2, fixed' }));
    write('04-d/src/errors.ts', lines({ 2: 'line 2, fixed', 18: 'line 18, as the lesson of 03 has it' }));
    expect(checkAgainstHead(stages)).toEqual([
      { stage: '02-b', file: 'src/errors.ts', problem: 'fixed here but not in an earlier stage', earlier: '01-a' },
      { stage: '04-d', file: 'src/errors.ts', problem: 'fixed here but not in an earlier stage', earlier: '03-c' },
    ]);
    expect(report(checkAgainstHead(stages))).toContain('04-d: src/errors.ts; fix it in 03-c, then: npm run carry -- stages/03-c/src/errors.ts');
  });

  it('passes on a clean tree, and is skipped quietly outside a git repository', () => {
    commitStages();
    expect(checkAgainstHead(stages)).toEqual([]);
    rmSync(path.join(dir, '.git'), { recursive: true, force: true });
    write('02-b/src/errors.ts', 'changed\n');
    expect(checkAgainstHead(stages)).toEqual([]);
  });
});

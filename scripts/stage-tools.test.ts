import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { summarize } from './diff-stages.ts';
import { checkStagePair, checkStages, diffLines, isError, listedChangedFiles, stageFiles, unifiedDiff } from './stage-tools.ts';

let dir: string;

/** Writes `files` (relative path → contents) into `stages/<stage>/` under the temp folder. */
function stage(name: string, files: Record<string, string>): string {
  const root = path.join(dir, 'stages', name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

const readme = (...lines: string[]): string => `# Stage\n\nText.\n\n## Changed files\n\n${lines.join('\n')}\n\n## Run it\n\n- \`src/not-a-change.ts\` — outside the section\n`;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'nibiru-stages-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('listedChangedFiles', () => {
  it('reads the backticked paths of the section, and only of that section', () => {
    const listed = listedChangedFiles(readme('- `src/parser.ts` — new', '- `src/a.ts`, `test/a.test.ts` — both', '* `./src/b.ts` - star and hyphen', '- `src/c.ts` — mentions `src/d.ts` after the dash'));
    expect([...listed!].sort()).toEqual(['src/a.ts', 'src/b.ts', 'src/c.ts', 'src/parser.ts', 'test/a.test.ts']);
  });
  it('is undefined without the section', () => {
    expect(listedChangedFiles('# Stage\n\n## Files\n')).toBeUndefined();
  });
});

describe('checkStagePair', () => {
  it('passes when every difference is listed', () => {
    const a = stage('01-a', { 'src/main.ts': 'one', 'src/same.ts': 's', 'src/gone.ts': 'g' });
    const b = stage('02-b', {
      'src/main.ts': 'two',
      'src/same.ts': 's',
      'src/new.ts': 'n',
      'README.md': readme('- `src/main.ts` — changed', '- `src/new.ts` — new', '- `src/gone.ts` — removed'),
    });
    expect(checkStagePair(a, b)).toEqual([]);
  });

  it('fails on a shared file that drifted without being listed', () => {
    const a = stage('01-a', { 'src/main.ts': 'm', 'src/errors.ts': 'class A {}\n' });
    const b = stage('02-b', { 'src/main.ts': 'm', 'src/errors.ts': 'class A { fixed }\n', 'README.md': readme() });
    const drifts = checkStagePair(a, b);
    expect(drifts).toEqual([{ stage: '02-b', file: 'src/errors.ts', problem: 'changed but not listed' }]);
    expect(drifts.every(isError)).toBe(true);
  });

  it('fails on unlisted added and removed files, tests included', () => {
    const a = stage('01-a', { 'src/main.ts': 'm', 'test/old.test.ts': 't' });
    const b = stage('02-b', { 'src/main.ts': 'm', 'test/new.test.ts': 't', 'README.md': readme() });
    expect(checkStagePair(a, b).map((d) => `${d.file} ${d.problem}`).sort()).toEqual([
      'test/new.test.ts added but not listed',
      'test/old.test.ts removed but not listed',
    ]);
  });

  it('fails when the later README has no Changed files section, and warns on a listed file that did not change', () => {
    const a = stage('01-a', { 'src/main.ts': 'm' });
    const b = stage('02-b', { 'src/main.ts': 'm', 'README.md': '# no list\n' });
    expect(checkStagePair(a, b)).toEqual([{ stage: '02-b', file: 'README.md', problem: 'no Changed files section' }]);
    writeFileSync(path.join(b, 'README.md'), readme('- `src/main.ts` — claimed'));
    const drifts = checkStagePair(a, b);
    expect(drifts).toEqual([{ stage: '02-b', file: 'src/main.ts', problem: 'listed but unchanged' }]);
    expect(drifts.some(isError)).toBe(false);
  });

  it('checkStages walks consecutive stages with src/main.ts and skips a stage still being written', () => {
    stage('01-a', { 'src/main.ts': 'm1' });
    stage('02-b', { 'src/main.ts': 'm2', 'README.md': readme('- `src/main.ts` — changed') });
    stage('03-c', { 'src/main.ts': 'm3', 'README.md': readme() });
    stage('04-d', { 'src/parser.ts': 'no main.ts yet' });
    expect(checkStages(path.join(dir, 'stages'))).toEqual([{ stage: '03-c', file: 'src/main.ts', problem: 'changed but not listed' }]);
  });
});

describe('the lesson diff', () => {
  it('lists a stage\'s files without its README or hidden files', () => {
    const a = stage('01-a', { 'src/main.ts': 'm', 'README.md': 'r', '.hidden': 'h', 'test/x.test.ts': 't' });
    expect(stageFiles(a)).toEqual(['src/main.ts', 'test/x.test.ts']);
    expect(stageFiles(a, ['src'])).toEqual(['src/main.ts']);
  });

  it('counts lines per file', () => {
    const a = stage('01-a', { 'src/main.ts': 'a\nb\nc\n', 'src/gone.ts': 'x\ny\n' });
    const b = stage('02-b', { 'src/main.ts': 'a\nB\nc\nd\n', 'src/new.ts': 'n\n' });
    expect(summarize(a, b, ['src'])).toEqual({
      rows: [
        { file: 'src/gone.ts', status: 'removed', added: 0, removed: 2 },
        { file: 'src/main.ts', status: 'changed', added: 2, removed: 1 },
        { file: 'src/new.ts', status: 'added', added: 1, removed: 0 },
      ],
      same: 0,
    });
  });

  it('--all compares the tests too, src/ alone without it', () => {
    const a = stage('01-a', { 'src/main.ts': 'a\n', 'test/x.test.ts': 'x\n', 'README.md': 'r\n' });
    const b = stage('02-b', { 'src/main.ts': 'a\n', 'test/x.test.ts': 'y\n', 'README.md': 's\n' });
    expect(summarize(a, b, ['src']).rows).toEqual([]);
    expect(summarize(a, b, 'all').rows).toEqual([{ file: 'test/x.test.ts', status: 'changed', added: 1, removed: 1 }]);
  });

  it('prints diff -u hunks', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\nh\n';
    const after = 'a\nB\nc\nd\ne\nf\ng\nh\ni\n';
    expect(unifiedDiff('x', 'y', before, after)).toBe('--- x\n+++ y\n@@ -1,8 +1,9 @@\n a\n-b\n+B\n c\n d\n e\n f\n g\n h\n+i\n');
    expect(unifiedDiff('x', 'y', before, before)).toBe('');
    expect(diffLines('', 'a\n')).toEqual([{ op: '+', text: 'a' }]);
  });
});

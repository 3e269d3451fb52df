/**
 * `check:mine`: which folder and stage it checks (arguments, the workspace), how it reads
 * tsc's output, and how it condenses a vitest run to one screen — pure functions, over runs
 * built here in the shape `check-mine-reporter.ts` writes. The last test runs the real
 * command on a small broken copy, type error included. `scripts/help.test.ts` runs `--help`.
 */

import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specError, type SpecFile, type SpecRun, type SpecTest } from './check-mine-reporter.ts';
import {
  condense,
  fileOrder,
  formatTypeErrors,
  inferStage,
  leftovers,
  MAX_LINES,
  oneLine,
  parseTsc,
  plan,
  render,
  summarize,
  typeCheck,
  workspaceFolder,
  type RenderOptions,
  type TypeDiagnostic,
} from './check-mine.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAGES = ['01-request-line', '02-full-parser', '03-fd-passing', '04-shared-socket'];

describe('inferStage', () => {
  it.each([
    ['my-01', '01-request-line'],
    ['my-2', '02-full-parser'],
    ['01-request-line', '01-request-line'],
    ['01-request-line-copy', '01-request-line'],
    ['my-fd-passing', '03-fd-passing'],
    ['stage04', '04-shared-socket'],
  ])('%s stands for %s', (folder, stage) => {
    expect(inferStage(folder, STAGES)).toBe(stage);
  });
  it.each(['my-stage', 'my-01-to-02', 'nibiru-2026', 'my-07'])('%s says nothing certain: undefined', (folder) => {
    expect(inferStage(folder, STAGES)).toBeUndefined();
  });
});

/** A stage copy (a folder with src/main.ts) at `dir`. */
function stageCopy(dir: string): void {
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(path.join(dir, 'src', 'main.ts'), '');
}

describe('plan', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'nibiru-mine-'));
    for (const name of ['my-01', 'copy']) stageCopy(path.join(dir, name));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves the folder from the given directory and adds the chapter exercise file', () => {
    const p = plan(['my-01'], dir, STAGES, ROOT);
    expect(p).toEqual({ dir: path.join(dir, 'my-01'), stage: '01-request-line', files: ['spec/', 'docs/exercises/01-request-line.test.ts'], verbose: false });
  });
  it('--as overrides the name, in both spellings; --verbose asks for the full report', () => {
    expect(plan(['copy', '--as', '3'], dir, STAGES, ROOT)).toMatchObject({ stage: '03-fd-passing', verbose: false });
    expect(plan(['--as=02-full-parser', 'my-01', '--verbose'], dir, STAGES, ROOT)).toMatchObject({ stage: '02-full-parser', verbose: true });
  });
  it.each([
    [['copy'], /cannot tell which stage copy stands for.*--as NN/],
    [['copy', '--as', '09'], /unknown stage '09'/],
    [['copy', '--as'], /--as needs a stage/],
    [['nowhere'], /nowhere has no src\/main\.ts/],
    [['my-01', 'copy'], /one folder/],
    [['my-01', '--watch'], /unknown option '--watch'/],
  ])('%j is a usage error', (argv, message) => {
    expect(plan(argv, dir, STAGES, ROOT)).toMatch(message);
  });
  it('no folder, and no workspace in the repository: a usage error that says how to make one', () => {
    expect(plan([], dir, STAGES, dir)).toMatch(/^no folder given, and no workspace: run npm run exercise -- start NN/);
  });
});

describe('workspaceFolder: what check:mine checks when no folder is given', () => {
  let root = '';
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'nibiru-mine-ws-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const ws = (...parts: string[]): string => path.join(root, 'workspace', ...parts);

  it('no workspace/, or an empty one: how to start one', () => {
    expect(workspaceFolder(root)).toMatch(/no workspace: run npm run exercise -- start NN/);
    mkdirSync(ws(), { recursive: true });
    expect(workspaceFolder(root)).toMatch(/no workspace/);
  });
  it('the only folder in workspace/, without .current', () => {
    stageCopy(ws('02-full-parser'));
    expect(workspaceFolder(root)).toBe(ws('02-full-parser'));
    const p = plan([], path.join(root, 'elsewhere'), STAGES, root);
    expect(p).toMatchObject({ dir: ws('02-full-parser'), stage: '02-full-parser', files: ['spec/'] });
  });
  it('several folders and no .current: a usage error that lists them', () => {
    stageCopy(ws('03-fd-passing'));
    expect(workspaceFolder(root)).toBe('no folder given, and workspace/ holds 02-full-parser, 03-fd-passing: give one (npm run check:mine -- workspace/02-full-parser) or run npm run exercise -- start NN');
  });
  it('the folder .current names, whatever else is there', () => {
    writeFileSync(ws('.current'), '03-fd-passing\n');
    expect(workspaceFolder(root)).toBe(ws('03-fd-passing'));
    expect(plan([], root, STAGES, root)).toMatchObject({ stage: '03-fd-passing' });
  });
  it('.current naming a folder that is gone: a usage error', () => {
    writeFileSync(ws('.current'), '04-shared-socket');
    expect(workspaceFolder(root)).toMatch(/^workspace\/\.current names '04-shared-socket', which has no src\/main\.ts/);
  });
});

describe('parseTsc and formatTypeErrors: one line per type error, path:line:col', () => {
  const output = [
    "../elsewhere/my-01/src/parser.ts(12,5): error TS2322: Type 'string' is not assignable to type 'number'.",
    "src/x.ts(3,1): error TS2345: Argument of type '{ a: string; }' is not assignable to parameter of type 'Options'.",
    "  Object literal may only specify known properties, and 'a' does not exist in type 'Options'.",
    "error TS5083: Cannot read file '/nowhere/tsconfig.json'.",
    '',
  ].join('\n');

  it('reads file, line, column, code and the first line of each message; a global error has no file', () => {
    const errors = parseTsc(output, '/repo');
    expect(errors).toEqual([
      { file: '/elsewhere/my-01/src/parser.ts', line: 12, column: 5, code: 'TS2322', message: "Type 'string' is not assignable to type 'number'." },
      { file: '/repo/src/x.ts', line: 3, column: 1, code: 'TS2345', message: "Argument of type '{ a: string; }' is not assignable to parameter of type 'Options'." },
      { file: undefined, line: 0, column: 0, code: 'TS5083', message: "Cannot read file '/nowhere/tsconfig.json'." },
    ]);
  });
  it('maps a mirrored path back to the copy', () => {
    const errors = parseTsc('/tmp/s/stages/my-01/src/a.ts(1,2): error TS1: m', '/repo', (f) => f.replace('/tmp/s/stages/my-01', '/home/me/my-01'));
    expect(errors[0]!.file).toBe('/home/me/my-01/src/a.ts');
  });
  it('prints paths relative to where the command was typed, at most `max` lines and a count', () => {
    const errors = parseTsc(output, '/repo');
    expect(formatTypeErrors(errors, '/elsewhere', 10)).toEqual([
      "  my-01/src/parser.ts:12:5 Type 'string' is not assignable to type 'number'. (TS2322)",
      // shorter than ../repo/src/x.ts
      "  /repo/src/x.ts:3:1 Argument of type '{ a: string; }' is not assignable to parameter of type 'Options'. (TS2345)",
      "  tsc Cannot read file '/nowhere/tsconfig.json'. (TS5083)",
    ]);
    expect(formatTypeErrors(errors.slice(1), '/repo/a', 1)).toEqual(["  ../src/x.ts:3:1 Argument of type '{ a: string; }' is not assignable to parameter of type 'Options'. (TS2345)", '  … and 1 more (--verbose lists them all)']);
  });
});

describe("typeCheck: the repository's compiler options, wherever the copy is", () => {
  let outside = '';
  let inside = '';
  let session = '';
  beforeAll(() => {
    outside = mkdtempSync(path.join(tmpdir(), 'nibiru-mine-tsc-'));
    // a copy inside the repository, as workspace/ holds them (a dot-folder: no include pattern sees it)
    inside = mkdtempSync(path.join(ROOT, '.check-mine-test-'));
    session = mkdtempSync(path.join(tmpdir(), 'nibiru-mine-session-'));
  });
  afterAll(() => {
    for (const d of [outside, inside, session]) rmSync(d, { recursive: true, force: true });
  });

  /** Stage 01's src/ and test/ in `parent/my-01`, with a type error at `src/response.ts` line 1. */
  function brokenCopy(parent: string): string {
    const copy = path.join(parent, 'my-01');
    cpSync(path.join(ROOT, 'stages', '01-request-line'), copy, { recursive: true });
    const response = path.join(copy, 'src', 'response.ts');
    writeFileSync(response, `export const broken: number = 'one';\n${readFileSync(response, 'utf8')}`);
    return copy;
  }

  it("a copy outside the repository: checked as an ES module with the repository's types and packages, paths mapped back", async () => {
    const copy = brokenCopy(outside);
    mkdirSync(path.join(session, 'a'));
    const errors = await typeCheck(copy, path.join(session, 'a'), ROOT);
    expect(errors).toEqual([{ file: path.join(copy, 'src', 'response.ts'), line: 1, column: 14, code: 'TS2322', message: "Type 'string' is not assignable to type 'number'." }]);
  }, 120_000);
  it('a copy inside the repository: checked in place, the same error', async () => {
    const copy = brokenCopy(inside);
    mkdirSync(path.join(session, 'b'));
    const errors = await typeCheck(copy, path.join(session, 'b'), ROOT);
    expect(errors).toEqual([{ file: path.join(copy, 'src', 'response.ts'), line: 1, column: 14, code: 'TS2322', message: "Type 'string' is not assignable to type 'number'." }]);
    expect(readdirSync(path.join(session, 'b'))).toEqual(['tsconfig.json']);
  }, 120_000);
});

// --- runs built in the reporter's shape

const assertion = (message: string, expected: string, actual: string, file: string, line: number): SpecTest['errors'][number] => ({
  message,
  name: 'AssertionError',
  expected,
  actual,
  where: { file, line, column: 7 },
});

/** A spec file of `passed` passing tests, `skipped` skipped ones, and failing tests, one per given line. */
function specFile(file: string, passed: number, skipped: number, failingLines: readonly number[]): SpecFile {
  const tests: SpecTest[] = [
    ...Array.from({ length: passed }, (_, i) => ({ name: `ok ${i}`, state: 'passed' as const, errors: [] })),
    ...Array.from({ length: skipped }, (_, i) => ({ name: `skip ${i}`, state: 'skipped' as const, errors: [] })),
    ...failingLines.map((line) => ({
      name: `RFC suite [02-full-parser] > the test at line ${line}`,
      state: 'failed' as const,
      errors: [assertion('expected 200 to be 400 // Object.is equality', '400', '200', file, line)],
    })),
  ];
  return { file, tests, setup: [] };
}

const OPTIONS: RenderOptions = {
  typeErrors: [],
  cwd: '/home/me/nibiru-ts',
  rerun: 'NIBIRU_STAGE_DIR=../my-01 NIBIRU_STAGE_AS=02 npx vitest run FILE',
  seconds: 29.4,
  leftovers: [],
  stage: '02-full-parser',
  width: 120,
  maxLines: MAX_LINES,
};

describe('summarize', () => {
  it('counts each file, orders the RFC specs first and the exercises last, and each file’s failures by line', () => {
    const run: SpecRun = {
      files: [
        specFile('docs/exercises/02-full-parser.test.ts', 1, 0, [30]),
        specFile('spec/cli.spec.ts', 2, 1, []),
        specFile('spec/rfc9112-9-persistence.spec.ts', 0, 0, [50, 20]),
        specFile('spec/rfc9112-2-message-format.spec.ts', 3, 2, [90]),
      ],
      unhandled: [],
      reason: 'failed',
    };
    const s = summarize(run);
    expect(s.files.map((f) => [f.file, f.passed, f.failed, f.skipped])).toEqual([
      ['spec/rfc9112-2-message-format.spec.ts', 3, 1, 2],
      ['spec/rfc9112-9-persistence.spec.ts', 0, 2, 0],
      ['spec/cli.spec.ts', 2, 0, 1],
      ['docs/exercises/02-full-parser.test.ts', 1, 1, 0],
    ]);
    expect(s.failures.map((f) => `${f.file}:${f.error?.where?.line}`)).toEqual([
      'spec/rfc9112-2-message-format.spec.ts:90',
      'spec/rfc9112-9-persistence.spec.ts:20',
      'spec/rfc9112-9-persistence.spec.ts:50',
      'docs/exercises/02-full-parser.test.ts:30',
    ]);
    expect([s.passed, s.failed, s.skipped]).toEqual([6, 4, 3]);
  });
  it('a describe block whose server never started counts as a failure of its file, shown first', () => {
    const file = specFile('spec/rfc9112-3-request-line.spec.ts', 0, 0, [40]);
    const setup = [{ name: 'RFC 9112 §3 [02-full-parser]', state: 'failed' as const, errors: [{ message: 'stage ../my-01 exited (1) before it was ready\nstderr: boom' }] }];
    const s = summarize({ files: [{ ...file, setup }], unhandled: [], reason: 'failed' });
    expect(s.files[0]).toMatchObject({ failed: 2 });
    expect(s).toMatchObject({ failed: 2, blocks: 1 });
    expect(s.failures[0]!.name).toBe('RFC 9112 §3 [02-full-parser]');
    // where: the spec file, not the launcher's line the error came from
    const withWhere = { message: 'x', where: { file: 'harness/launcher.ts', line: 239, column: 1 } };
    const lines = render(summarize({ files: [{ ...file, setup: [{ ...setup[0]!, errors: [withWhere] }] }], unhandled: [], reason: 'failed' }), OPTIONS);
    expect(lines).toContain('  1. spec/rfc9112-3-request-line.spec.ts RFC 9112 §3');
    expect(lines.at(-1)).toMatch(/^check:mine: 2 failed \(1 of them describe blocks that failed before their tests ran\), 0 passed/);
  });
  it('sorts numbered files by number', () => {
    expect(['spec/rfc9112-10-x.spec.ts', 'spec/rfc9112-9-y.spec.ts', 'docs/exercises/a.test.ts', 'spec/a.spec.ts'].sort(fileOrder)).toEqual([
      'spec/rfc9112-9-y.spec.ts',
      'spec/rfc9112-10-x.spec.ts',
      'spec/a.spec.ts',
      'docs/exercises/a.test.ts',
    ]);
  });
});

describe('condense: a failure’s error in a line or two', () => {
  it('an assertion whose message shows both values: the message alone, without vitest’s equality note', () => {
    expect(condense(assertion('expected 200 to be 400 // Object.is equality', '400', '200', 'f', 1), 100)).toEqual(['    expected 200 to be 400']);
  });
  it('a deep equality vitest abbreviates: the values on one line, whatever their quotes', () => {
    const e = assertion('expected { status: 200, …(2) } to deeply equal { status: 400, …(2) }', 'Object {\n  "body": "",\n  "status": 400,\n}', 'Object {\n  "body": "hello",\n  "status": 200,\n}', 'f', 1);
    expect(condense(e, 100)).toEqual(['    expected { status: 200, …(2) } to deeply equal { status: 400, …(2) }', '    expected { "body": "", "status": 400 }, received { "body": "hello", "status": 200 }']);
    expect(condense(assertion("expected [ '' ] to deeply equal [ '', 'second' ]", '[\n  "",\n  "second",\n]', '[\n  "",\n]', 'f', 1), 100)).toHaveLength(1);
  });
  it("a server that did not start: the launcher's message and the first line of its stderr", () => {
    expect(condense({ message: 'stage ../my-01 exited (3) before it was ready\nstderr: not today\nmore' }, 100)).toEqual(['    stage ../my-01 exited (3) before it was ready; stderr: not today']);
  });
  it('an error that is not an assertion: its first line', () => {
    expect(condense({ message: '\nthe connection closed before a complete response\n    at x' }, 100)).toEqual(['    the connection closed before a complete response']);
  });
  it('long values are cut to the width', () => {
    const lines = condense(assertion('expected a to equal b', 'x'.repeat(300), 'y'.repeat(300), 'f', 1), 80);
    expect(lines.every((l) => l.length <= 80)).toBe(true);
  });
  it('oneLine joins what vitest printed over several lines', () => {
    expect(oneLine('Array [\n  1,\n  2,\n]')).toBe('[ 1, 2 ]');
  });
});

describe('render: the whole report fits in MAX_LINES lines', () => {
  /** The run the issue describes: 20 spec files, 128 failures spread over 13 of them. */
  const bigRun: SpecRun = {
    files: Array.from({ length: 20 }, (_, i) => specFile(`spec/rfc9112-${i + 1}-part.spec.ts`, 5, 1, i < 13 ? Array.from({ length: 10 }, (_, j) => 10 + j * 5) : [])),
    unhandled: [],
    reason: 'failed',
  };
  const typeErrors: TypeDiagnostic[] = Array.from({ length: 15 }, (_, i) => ({ file: `/home/me/my-01/src/parser.ts`, line: i + 1, column: 3, code: 'TS2322', message: `error number ${i}` }));

  it('many failures and many type errors: at most MAX_LINES - 1 lines after the header, each type error on one path:line:col line', () => {
    const lines = render(summarize(bigRun), { ...OPTIONS, typeErrors });
    expect(lines.length).toBeLessThanOrEqual(MAX_LINES - 1);
    expect(lines[0]).toBe('type-check: 15 errors');
    expect(lines[1]).toBe('  ../my-01/src/parser.ts:1:3 error number 0 (TS2322)');
    expect(lines.filter((l) => /^ {2}\.\.\/my-01\/src\/parser\.ts:\d+:3 /.test(l)).length).toBeGreaterThan(0);
    expect(lines).toContain('specs against stage 02-full-parser:');
    expect(lines.filter((l) => /^ {2}✗ rfc9112-\d+-part +5 passed +10 failed +1 skipped$/.test(l))).toHaveLength(13);
    // at least the first failure, with its name, its assertion and where
    const first = lines.findIndex((l) => l.startsWith('first failures ('));
    expect(lines[first]).toMatch(/^first failures \(\d+ of 130\):$/);
    expect(lines.at(-2)).toBe('one spec file alone: NIBIRU_STAGE_DIR=../my-01 NIBIRU_STAGE_AS=02 npx vitest run spec/rfc9112-1-part.spec.ts');
    expect(lines[first + 1]).toBe('  1. spec/rfc9112-1-part.spec.ts:10 RFC suite > the test at line 10');
    expect(lines[first + 2]).toBe('    expected 200 to be 400');
    expect(lines.at(-1)).toBe("check:mine: 130 failed, 100 passed, 20 skipped in 29 s, 15 type errors: fix the first failure above and run again (--verbose for vitest's full report)");
  });
  it('a narrow terminal: every line cut to its width but the rerun command, which wraps, and the rows still fit', () => {
    const lines = render(summarize(bigRun), { ...OPTIONS, typeErrors, width: 80 });
    const rerun = lines.find((l) => l.startsWith('one spec file alone: '))!;
    expect(rerun).toBe('one spec file alone: NIBIRU_STAGE_DIR=../my-01 NIBIRU_STAGE_AS=02 npx vitest run spec/rfc9112-1-part.spec.ts');
    // the final line is not cut either (it says what to do)
    expect(lines.filter((l) => l !== rerun && l !== lines.at(-1)).every((l) => l.length <= 80)).toBe(true);
    expect(lines.filter((l) => l.includes('✗ rfc9112-')).every((l) => l.endsWith('skipped'))).toBe(true);
    const rows = lines.reduce((n, l) => n + Math.max(1, Math.ceil(l.length / 80)), 0);
    expect(rows).toBeLessThanOrEqual(MAX_LINES - 1);
  });
  it('no type errors: the failures take the room, and still fit', () => {
    const lines = render(summarize(bigRun), OPTIONS);
    expect(lines.length).toBeLessThanOrEqual(MAX_LINES - 1);
    expect(lines.length).toBeGreaterThan(MAX_LINES - 4);
    expect(lines[0]).toBe('type-check: no errors');
  });
  it('a few type errors and no spec failure: all of them, and what to do next', () => {
    const small: SpecRun = { files: [specFile('spec/cli.spec.ts', 3, 0, [])], unhandled: [], reason: 'passed' };
    const lines = render(summarize(small), { ...OPTIONS, typeErrors: typeErrors.slice(0, 2) });
    expect(lines).toEqual([
      'type-check: 2 errors',
      '  ../my-01/src/parser.ts:1:3 error number 0 (TS2322)',
      '  ../my-01/src/parser.ts:2:3 error number 1 (TS2322)',
      'specs against stage 02-full-parser:',
      '  ✓ cli                            3 passed    0 failed    0 skipped',
      "check:mine: 0 failed, 3 passed, 0 skipped in 29 s, 2 type errors: fix the type errors above and run again (--verbose for vitest's full report)",
    ]);
  });
  it('everything passed: says so', () => {
    const ok: SpecRun = { files: [specFile('spec/cli.spec.ts', 3, 0, []), specFile('spec/workers.spec.ts', 0, 4, [])], unhandled: [], reason: 'passed' };
    const lines = render(summarize(ok), OPTIONS);
    expect(lines[3]).toBe('  - workers                        0 passed    0 failed    4 skipped');
    expect(lines.at(-1)).toMatch(/^check:mine: 0 failed, 3 passed, 4 skipped in 29 s, no type errors: your copy does what stage 02's specs and exercises ask/);
  });
  it('an error outside any test and a leftover in the temp directory are shown, and are not a pass', () => {
    const run: SpecRun = { files: [specFile('spec/cli.spec.ts', 3, 0, [])], unhandled: [{ message: 'the connection closed before a complete response', where: { file: 'spec/shutdown.spec.ts', line: 42, column: 1 } }], reason: 'failed' };
    const lines = render(summarize(run), { ...OPTIONS, leftovers: ['nibiru-spec-AbC123'] });
    expect(lines).toContain("left in the spec run's temp directory (a spec that does not clean up): nibiru-spec-AbC123");
    expect(lines).toContain('error outside any test: the connection closed before a complete response (spec/shutdown.spec.ts:42)');
    expect(lines.at(-1)).toMatch(/1 error\(s\) outside any test: see above/);
  });
});

describe('specError and leftovers', () => {
  it('keeps the outermost frame in the test file (the test body, not a helper it called)', () => {
    const e = specError(
      {
        message: 'expected 200 to be 400',
        expected: '400',
        actual: '200',
        stacks: [
          { file: '/repo/node_modules/x.js', line: 1, column: 1, method: '' },
          { file: '/repo/spec/a.spec.ts', line: 14, column: 3, method: 'refused' },
          { file: '/repo/spec/a.spec.ts', line: 60, column: 5, method: '' },
        ],
      },
      '/repo',
      '/repo/spec/a.spec.ts',
    );
    expect(e).toEqual({ message: 'expected 200 to be 400', expected: '400', actual: '200', where: { file: 'spec/a.spec.ts', line: 60, column: 5 } });
  });
  it("leftovers ignores tsx's and Node's compile caches only", () => {
    expect(leftovers(['tsx-1000', 'nibiru-spec-x', 'tsx-0', 'node-compile-cache', 'node-compile-cache-x'], 1000)).toEqual(['nibiru-spec-x', 'node-compile-cache-x', 'tsx-0']);
  });
});

describe('the command, on a broken copy', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'nibiru-mine-e2e-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a copy of stage 01 with a type error and a server that never starts: the error on one line, every spec failing, one screen, exit 1', () => {
    const copy = path.join(dir, 'my-01');
    cpSync(path.join(ROOT, 'stages', '01-request-line'), copy, { recursive: true });
    writeFileSync(path.join(copy, 'src', 'main.ts'), "const port: number = 'eighty';\nprocess.stderr.write(`not today ${port}\\n`);\nprocess.exit(3);\n");
    // its own temp directory, to see that it leaves nothing there
    const tmp = path.join(dir, 'tmp');
    mkdirSync(tmp);
    // as `npm run check:mine -- my-01` typed in `dir` starts it: from the repository, saying where it was typed
    const env = { ...process.env, TMPDIR: tmp, INIT_CWD: dir, npm_lifecycle_event: 'check:mine', npm_package_json: path.join(ROOT, 'package.json') };
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'check-mine.ts'), 'my-01'], { cwd: ROOT, env, encoding: 'utf8', timeout: 600_000 });
    const lines = r.stdout.trimEnd().split('\n');
    expect(r.stderr).toBe('');
    // npm's banner takes four more
    expect(lines.length).toBeLessThanOrEqual(MAX_LINES - 4);
    expect(lines[0]).toBe("check:mine: my-01 as stage 01-request-line: type-check, then the specs and chapter 01's exercises");
    expect(lines[1]).toBe('type-check: 1 error');
    expect(lines[2]).toBe("  my-01/src/main.ts:1:7 Type 'string' is not assignable to type 'number'. (TS2322)");
    expect(r.stdout).toMatch(/^ {2}✗ rfc9112-3-request-line +0 passed +\d+ failed/m);
    expect(r.stdout).toMatch(/^ {4}stage .*my-01 exited \(3\) before it was ready; stderr: not today eighty$/m);
    // the command works typed where check:mine was (dir): its paths may be relative to it or absolute
    const rerun = /^one spec file alone: cd (\S+) && NIBIRU_STAGE_DIR=(\S+) NIBIRU_STAGE_AS=01 npx vitest run spec\//m.exec(r.stdout);
    expect(rerun, r.stdout).not.toBeNull();
    expect(path.resolve(dir, rerun![1]!)).toBe(ROOT);
    expect(path.resolve(dir, rerun![2]!)).toBe(copy);
    expect(r.stdout).not.toMatch(/unhandled/i);
    expect(lines.at(-1)).toMatch(/^check:mine: \d+ failed \(\d+ of them describe blocks that failed before their tests ran\), 0 passed, \d+ skipped in \d+ s, 1 type error: fix the first failure above/);
    expect(r.status).toBe(1);
    // the session folder (tsconfig, mirror, the spec run's temp directory) is gone; tsx's
    // cache is there because check:mine itself runs under tsx, and on Node 22 and 24 Node's,
    // because tsc turns it on
    expect(leftovers(readdirSync(tmp), process.getuid?.() ?? '')).toEqual([]);
  }, 600_000);
});

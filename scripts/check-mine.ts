/**
 * `npm run check:mine [-- <dir>] [--as NN] [--verbose]`: type-checks your own copy of a stage,
 * then runs it against the specs of the stage it stands for (every RFC spec in `spec/`, held
 * to that stage's expectation map, and the exercise specs of its chapter in
 * `docs/exercises/`), and answers on one screen.
 *
 * Strategy:
 * - **Which folder.** `<dir>` if given (relative to where the command was typed: npm runs
 *   scripts from the repository root and says where it was started in `INIT_CWD`); else the
 *   workspace: `workspace/<the name in workspace/.current>`, which `npm run exercise -- start
 *   NN` writes, or the only folder in `workspace/`. The stage comes from the folder's name
 *   (`my-01`, `02-full-parser`, `my-fd-passing`) unless `--as` says.
 * - **Type-check.** `tsc --noEmit` with the repository's compiler options, through a
 *   tsconfig written in a session folder under the temp directory. A copy inside the
 *   repository is checked where it is. A copy elsewhere has no `package.json` saying it is an
 *   ES module, nor `node_modules`: its `src/` and `test/` are copied into the session folder,
 *   beside a `package.json` and links to the repository's `node_modules` and `harness/`, so
 *   that the options mean there what they mean in the repository; error paths are mapped back.
 *   Type errors do not stop the run (tsx strips types, so the server runs anyway, and what it
 *   does is worth knowing), but the exit status is 1.
 * - **Specs.** One vitest run over `spec/` and the chapter's exercise file with
 *   `NIBIRU_STAGE_DIR` and `NIBIRU_STAGE_AS` set (what `spec/stages.ts` and
 *   `docs/exercises/exercise.ts` read), and `TMPDIR` a fresh folder of its own: anything left in
 *   it afterwards is reported and fails the check. `scripts/check-mine-reporter.ts` writes the
 *   results as data; {@link summarize} and {@link render} turn them into at most
 *   {@link MAX_LINES} lines, npm's banner included. `--verbose` runs vitest's default reporter instead.
 *
 * It will not run the stage's own unit tests (`stages/NN/test/`): they test the reference's
 * internals, which your copy is free to change. Exit status: 0 when everything passed, 1 when
 * anything failed, 2 for a usage error.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { listStages, resolveStage, startDirectory } from '../bin/stage.ts';
import { PROGRESS_PREFIX, RESULT_ENV, type SpecError, type SpecFile, type SpecRun, type SpecTest } from './check-mine-reporter.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The most lines the default output takes, however many tests fail, npm's banner included. */
export const MAX_LINES = 40;

/**
 * How many lines check:mine may print itself: {@link MAX_LINES}, less the four lines of npm's
 * banner (`> nibiru-ts@… check:mine`, the command, and a blank line either side) when npm ran it.
 */
export function lineBudget(env: NodeJS.ProcessEnv): number {
  return MAX_LINES - (env.npm_lifecycle_event === 'check:mine' ? 4 : 0);
}

/** The most type errors listed one per line (the rest are counted). */
export const MAX_TYPE_ERRORS = 10;

/** What `--help` prints. */
export const USAGE = `usage: npm run check:mine [-- <dir>] [--as NN] [--verbose]
  Type-checks your copy of a stage, then runs it against the RFC specs of the stage it stands
  for and its chapter's exercise specs, and answers on one screen: a line per spec file, the
  first failures (expected, received, where), the totals. About a minute for stage 01, two to
  three for the others. Type errors do not stop the specs (your server runs anyway: tsx
  strips types), but they make the exit status 1, as a failing spec does.
  <dir>      your stage folder, e.g. ../my-01 (relative to where you typed the command);
             by default the workspace, workspace/<name> (npm run exercise -- start NN)
  --as NN    the stage it stands for (01, 2, 03-fd-passing...); by default guessed from the
             folder's name: my-01, 02-full-parser, my-fd-passing
  --verbose  every type error, and vitest's full report instead of the summary
  --help     this text
`;

/**
 * The stage a folder named `folder` stands for: the stage whose name (`01-request-line`) or
 * name without its number (`request-line`) it contains, else the only stage whose number
 * stands alone in it (`my-01`, `stage3-copy`).
 *
 * @returns the stage folder name, or undefined when the name says nothing or is ambiguous.
 */
export function inferStage(folder: string, stages: readonly string[] = listStages()): string | undefined {
  const name = folder.toLowerCase();
  const byName = stages.filter((s) => name.includes(s) || name.includes(s.slice(3)));
  if (byName.length === 1) return byName[0];
  const numbers = [...name.matchAll(/(?<!\d)(\d{1,2})(?!\d)/g)].map((m) => m[1]!.padStart(2, '0'));
  const byNumber = stages.filter((s) => numbers.includes(s.slice(0, 2)));
  return byNumber.length === 1 ? byNumber[0] : undefined;
}

/**
 * The workspace folder to check when no folder is given: the one `workspace/.current` names,
 * else the only folder in `workspace/`.
 *
 * @returns the folder, absolute, or a usage error's message.
 */
export function workspaceFolder(root: string): string {
  const ws = path.join(root, 'workspace');
  const start = 'npm run exercise -- start NN';
  const current = path.join(ws, '.current');
  if (existsSync(current)) {
    const name = readFileSync(current, 'utf8').trim();
    if (name && existsSync(path.join(ws, name, 'src', 'main.ts'))) return path.join(ws, name);
    return `workspace/.current names '${name}', which has no src/main.ts: start again with ${start}, or give a folder`;
  }
  const folders = existsSync(ws)
    ? readdirSync(ws, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort()
    : [];
  if (folders.length === 1) return path.join(ws, folders[0]!);
  if (folders.length === 0) return `no folder given, and no workspace: run ${start} first, or give a folder (npm run check:mine -- ../my-01)`;
  return `no folder given, and workspace/ holds ${folders.join(', ')}: give one (npm run check:mine -- workspace/${folders[0]}) or run ${start}`;
}

/** What to run: the folder, the stage, and the spec files (relative to the repository). */
export interface CheckPlan {
  /** Your stage folder, absolute. */
  readonly dir: string;
  /** The stage it stands for, e.g. `01-request-line`. */
  readonly stage: string;
  /** `spec/` and the chapter's exercise file, when there is one. */
  readonly files: readonly string[];
  /** `--verbose`: vitest's own report, every type error. */
  readonly verbose: boolean;
}

/** Reads the arguments; a string is a usage error's message. */
export function plan(argv: readonly string[], cwd: string, stages: readonly string[] = listStages(), root: string = ROOT): CheckPlan | string {
  const positional: string[] = [];
  let as: string | undefined;
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--as') {
      as = argv[++i];
      if (as === undefined) return `--as needs a stage, e.g. --as 01`;
    } else if (arg.startsWith('--as=')) {
      as = arg.slice('--as='.length);
    } else if (arg === '--verbose' || arg === '-v') {
      verbose = true;
    } else if (arg.startsWith('-')) {
      return `unknown option '${arg}'`;
    } else {
      positional.push(arg);
    }
  }
  if (positional.length > 1) return `one folder, please (got ${positional.join(', ')})`;
  let dir: string;
  if (positional.length === 0) {
    dir = workspaceFolder(root);
    if (!path.isAbsolute(dir)) return dir;
  } else {
    dir = path.resolve(cwd, positional[0]!);
    if (!existsSync(path.join(dir, 'src', 'main.ts'))) return `${positional[0]} has no src/main.ts: give the folder of your stage copy`;
  }
  const shown = positional[0] ?? path.relative(cwd, dir);
  const stage = as !== undefined ? resolveStage(as, stages) : inferStage(path.basename(dir), stages);
  if (stage === undefined) {
    return as !== undefined
      ? `unknown stage '${as}'; the stages are: ${stages.join(', ')}`
      : `cannot tell which stage ${shown} stands for from its name: add --as NN (the stages are: ${stages.join(', ')})`;
  }
  const exercises = path.join(root, 'docs', 'exercises');
  const exercise = existsSync(exercises) ? readdirSync(exercises).find((f) => f === `${stage}.test.ts`) : undefined;
  return { dir, stage, files: ['spec/', ...(exercise ? [`docs/exercises/${exercise}`] : [])], verbose };
}

// --- the type-check

/** One compiler diagnostic. */
export interface TypeDiagnostic {
  /** Absolute, or undefined for an error that belongs to no file (a bad option). */
  readonly file: string | undefined;
  readonly line: number;
  readonly column: number;
  /** `TS2322`. */
  readonly code: string;
  /** Its first line: a chained message's details follow on indented lines, which we drop. */
  readonly message: string;
}

/**
 * The diagnostics in what `tsc --pretty false` printed; file paths are resolved against
 * `base` (where tsc ran), then mapped through `mapPath` (a copy's path back to the original).
 */
export function parseTsc(output: string, base: string, mapPath: (file: string) => string = (f) => f): TypeDiagnostic[] {
  const errors: TypeDiagnostic[] = [];
  for (const line of output.split('\n')) {
    const m = /^(.+)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line);
    if (m) {
      errors.push({ file: mapPath(path.resolve(base, m[1]!)), line: Number(m[2]), column: Number(m[3]), code: m[4]!, message: m[5]! });
      continue;
    }
    const g = /^error (TS\d+): (.*)$/.exec(line);
    if (g) errors.push({ file: undefined, line: 0, column: 0, code: g[1]!, message: g[2]! });
  }
  return errors;
}

/** `file` as the user would type it from `cwd`: relative, unless the absolute path is shorter. */
export function shownPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file) || '.';
  return rel.length <= file.length ? rel : file;
}

/** One line per error, `path:line:col message (TS1234)`, paths relative to `cwd`; at most `max`, then a count. */
export function formatTypeErrors(errors: readonly TypeDiagnostic[], cwd: string, max: number, width = Infinity): string[] {
  const lines = errors.slice(0, max).map((e) => {
    const where = e.file === undefined ? 'tsc' : `${shownPath(e.file, cwd)}:${e.line}:${e.column}`;
    return clip(`  ${where} ${e.message} (${e.code})`, width);
  });
  if (errors.length > max) lines.push(`  … and ${errors.length - max} more (--verbose lists them all)`);
  return lines;
}

/** The session folder's layout: the tsconfig, and where a copy from outside is mirrored. */
function prepareTypeCheck(dir: string, session: string, root: string): { config: string; mapPath: (f: string) => string } {
  const inside = !path.relative(root, dir).startsWith('..');
  let checked = dir;
  if (!inside) {
    // Mirrored as stages/NAME, so that a relative import of `../../../harness/...` (stage 05's
    // tests have some) finds the repository's harness as it would from stages/.
    checked = path.join(session, 'stages', path.basename(dir));
    for (const part of ['src', 'test']) {
      if (existsSync(path.join(dir, part))) cpSync(path.join(dir, part), path.join(checked, part), { recursive: true, filter: (f) => !f.includes(`${path.sep}node_modules`) });
    }
    writeFileSync(path.join(session, 'package.json'), '{ "type": "module", "private": true }\n');
    symlinkSync(path.join(root, 'node_modules'), path.join(session, 'node_modules'), 'dir');
    symlinkSync(path.join(root, 'harness'), path.join(session, 'harness'), 'dir');
  }
  const config = path.join(session, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: path.join(root, 'tsconfig.json'),
      compilerOptions: { typeRoots: [path.join(root, 'node_modules', '@types')] },
      include: [path.join(checked, 'src', '**', '*.ts'), path.join(checked, 'test', '**', '*.ts')],
      // the repository's own `exclude` would apply, and may name workspace/
      exclude: [],
    }),
  );
  const mapPath = (f: string): string => (inside || !f.startsWith(checked + path.sep) ? f : path.join(dir, f.slice(checked.length + 1)));
  return { config, mapPath };
}

/**
 * Runs `tsc --noEmit` over the copy `dir` (its `src/` and `test/`), with the compiler options
 * of the repository at `root`; writes its tsconfig (and, for a copy outside `root`, the mirror)
 * in `session`, which the caller removes.
 *
 * @returns the diagnostics, with the copy's own paths.
 */
export function typeCheck(dir: string, session: string, root: string): Promise<TypeDiagnostic[]> {
  const { config, mapPath } = prepareTypeCheck(dir, session, root);
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const child = spawn(process.execPath, [tsc, '--noEmit', '--pretty', 'false', '-p', config], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child).then(({ code, out }) => {
    const errors = parseTsc(out, root, mapPath);
    if (code !== 0 && errors.length === 0) {
      return [{ file: undefined, line: 0, column: 0, code: `exit ${code}`, message: out.trim().split('\n')[0] ?? 'tsc failed' }];
    }
    return errors;
  });
}

/** A child's exit code and its stdout and stderr together; `onLine` sees stdout's lines as they come. */
function collect(child: ChildProcess, onLine?: (line: string) => void): Promise<{ code: number; out: string }> {
  let out = '';
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    if (!onLine) return;
    const lines = (partial + s).split('\n');
    partial = lines.pop()!;
    lines.forEach(onLine);
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (out += s));
  return new Promise((resolve) => {
    child.on('error', (err) => resolve({ code: 1, out: out + String(err) }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), out }));
  });
}

// --- the summary

/** One spec file's counts. */
export interface FileCounts {
  readonly file: string;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

/** A failure to show: the spec file, the test (or block) and its first error. */
export interface Failure {
  readonly file: string;
  readonly name: string;
  readonly error: SpecError | undefined;
}

/** What {@link render} shows, from a {@link SpecRun}. */
export interface Summary {
  readonly files: readonly FileCounts[];
  /** Every failure, in {@link fileOrder}; within a file, blocks that failed to set up, then tests by line. */
  readonly failures: readonly Failure[];
  /** Errors outside any test (an unhandled rejection). */
  readonly outside: readonly SpecError[];
  readonly passed: number;
  /** Failed tests, and blocks that failed before their tests ran (each counts once). */
  readonly failed: number;
  /** How many of {@link Summary.failed} are such blocks (their tests count as skipped). */
  readonly blocks: number;
  readonly skipped: number;
}

/**
 * The order spec files are listed and their failures shown in: the RFC specs first, by
 * section (the chapters' subject), then the other specs, then the exercises.
 */
export function fileOrder(a: string, b: string): number {
  const rank = (f: string): number => (f.includes('/rfc') ? 0 : f.startsWith('docs/exercises/') ? 2 : 1);
  return rank(a) - rank(b) || a.localeCompare(b, 'en', { numeric: true });
}

/** Counts and failures from the reporter's {@link SpecRun}. */
export function summarize(run: SpecRun): Summary {
  const files = [...run.files].sort((a, b) => fileOrder(a.file, b.file));
  const count = (f: SpecFile, state: SpecTest['state'][]): number => f.tests.filter((t) => state.includes(t.state)).length;
  const counts = files.map((f) => ({ file: f.file, passed: count(f, ['passed']), failed: count(f, ['failed']) + f.setup.length, skipped: count(f, ['skipped', 'pending']) }));
  const failures = files.flatMap((f) => {
    const line = (x: Failure): number => (x.error?.where?.file === f.file ? x.error.where.line : Number.MAX_SAFE_INTEGER);
    const failure = (t: SpecTest): Failure => ({ file: f.file, name: t.name, error: t.errors[0] });
    // a block that could not start its server first: its tests' failures follow from it
    return [...f.setup.map(failure), ...f.tests.filter((t) => t.state === 'failed').map(failure).sort((a, b) => line(a) - line(b))];
  });
  const sum = (k: 'passed' | 'failed' | 'skipped'): number => counts.reduce((n, c) => n + c[k], 0);
  const blocks = files.reduce((n, f) => n + f.setup.length, 0);
  return { files: counts, failures, outside: run.unhandled, passed: sum('passed'), failed: sum('failed'), blocks, skipped: sum('skipped') };
}

/** `1 error`, `2 errors`. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** `s` cut to `width` characters, with `…` where it was cut. */
export function clip(s: string, width: number): string {
  return s.length <= width ? s : `${s.slice(0, Math.max(0, width - 1))}…`;
}

/** A value vitest printed (maybe over many lines, as `Object {` …) on one line. */
export function oneLine(value: string): string {
  return value
    .replace(/\s*\n\s*/g, ' ')
    .replace(/,\s*([}\]])/g, ' $1')
    .replace(/^(Object|Array) ([{[])/, '$2')
    .trim();
}

/**
 * A failure's error in one or two lines: its message's first line (without vitest's
 * `// Object.is equality`), and, when the message does not show them already, the expected and
 * received values on one line each side.
 */
export function condense(error: SpecError | undefined, width: number): string[] {
  if (!error) return ['    (no error recorded)'];
  const all = error.message.split('\n');
  const message = (all.find((l) => l.trim() !== '') ?? error.name ?? 'error').replace(/\s*\/\/ Object\.is equality$/, '').trim();
  // the launcher's "exited before it was ready" carries the server's stderr, which says why
  const stderr = all.find((l) => l.startsWith('stderr: ') && l.trim() !== 'stderr:');
  const lines = [clip(`    ${message}${stderr ? `; ${stderr}` : ''}`, width)];
  if (error.expected !== undefined && error.actual !== undefined) {
    const expected = oneLine(error.expected);
    const received = oneLine(error.actual);
    const bare = (v: string): string => v.replace(/["']/g, '');
    if (!(bare(message).includes(bare(expected)) && bare(message).includes(bare(received)))) {
      const half = Math.max(20, Math.floor((width - 28) / 2));
      lines.push(`    expected ${clip(expected, half)}, received ${clip(received, half)}`);
    }
  }
  return lines;
}

/** A spec file's short name on its line: `rfc9112-6-message-body`, `exercises 02-full-parser`. */
export function shortName(file: string): string {
  const base = path.posix.basename(file).replace(/\.(spec|test)\.ts$/, '');
  return file.startsWith('docs/exercises/') ? `exercises ${base}` : base;
}

/** A test's name without the stage every test of the run names (`[02-full-parser]`). */
function testName(name: string): string {
  return name.replace(/ \[\d\d-[a-z-]+\]/g, '');
}

/** What {@link render} needs besides the summary. */
export interface RenderOptions {
  /** The type-check's diagnostics. */
  readonly typeErrors: readonly TypeDiagnostic[];
  /** Where the command was typed: paths are shown relative to it. */
  readonly cwd: string;
  /** The command that reruns one spec file against the copy, with `FILE` where the file goes. */
  readonly rerun: string;
  /** Seconds the whole check took. */
  readonly seconds: number;
  /** What was left in the spec run's temp directory. */
  readonly leftovers: readonly string[];
  /** The stage the copy stands for, e.g. `02-full-parser`. */
  readonly stage: string;
  readonly width: number;
  readonly maxLines: number;
}

/**
 * The report after the header line, at most `maxLines - 1` lines: the type-check's verdict and
 * errors (up to {@link MAX_TYPE_ERRORS}), a line per spec file, as many failures as fit, and a
 * final line with the totals and what to do next.
 */
export function render(s: Summary, o: RenderOptions): string[] {
  const n = o.typeErrors.length;
  const fileLines = s.files.map((f) => {
    const mark = f.failed > 0 ? '✗' : f.passed > 0 ? '✓' : '-';
    const counts = [`${String(f.passed).padStart(3)} passed`, `${String(f.failed).padStart(3)} failed`, `${String(f.skipped).padStart(3)} skipped`].join('  ');
    return clip(`  ${mark} ${shortName(f.file).padEnd(28)} ${counts}`, o.width);
  });
  const leftoverLines = o.leftovers.length > 0 ? [clip(`left in the spec run's temp directory (a spec that does not clean up): ${o.leftovers.join(', ')}`, o.width)] : [];
  const outsideLines = s.outside
    .slice(0, 2)
    .map((e) => clip(`error outside any test: ${(e.message.split('\n')[0] ?? '').trim()}${e.where ? ` (${e.where.file}:${e.where.line})` : ''}`, o.width));
  // the final line says what to do next, and is not cut: it may take more than one row
  const final = finalLine(s, o);
  // header, type-check verdict, specs heading, final line
  let room = o.maxLines - 3 - Math.ceil(final.length / o.width) - fileLines.length - leftoverLines.length - outsideLines.length;
  // the type errors leave room for one failure (its heading, up to three lines, the rerun line)
  const typeBudget = Math.max(0, Math.min(MAX_TYPE_ERRORS + 1, room - (s.failures.length > 0 ? 5 : 0)));
  const typeLines = n <= typeBudget ? formatTypeErrors(o.typeErrors, o.cwd, n, o.width) : typeBudget === 0 ? [] : formatTypeErrors(o.typeErrors, o.cwd, typeBudget - 1, o.width);
  room -= typeLines.length;
  const out = [n === 0 ? 'type-check: no errors' : `type-check: ${plural(n, 'error')}`, ...typeLines];
  out.push(`specs against stage ${o.stage}:`, ...fileLines, ...leftoverLines, ...outsideLines);
  if (s.failures.length > 0) {
    // the rerun line is a command to copy: never cut, so it may take more than one row
    const rerun = `one spec file alone: ${o.rerun.replace('FILE', s.failures[0]!.file)}`;
    room -= 1 + Math.ceil(rerun.length / o.width);
    const shown: string[][] = [];
    for (const f of s.failures) {
      // a line in the spec file; a frame elsewhere (the launcher, for a server that did not start) says less than the file
      const where = f.error?.where?.file === f.file ? `${f.file}:${f.error.where.line}` : f.file;
      const block = [clip(`  ${shown.length + 1}. ${where} ${testName(f.name)}`, o.width), ...condense(f.error, o.width)];
      if (block.length > room) break;
      shown.push(block);
      room -= block.length;
    }
    out.push(`first failures (${shown.length} of ${s.failures.length}):`, ...shown.flat());
    out.push(rerun);
  }
  out.push(final);
  return out;
}

/** The last line: totals, and what to do next. */
function finalLine(s: Summary, o: RenderOptions): string {
  const blocks = s.blocks > 0 ? ` (${s.blocks} of them describe blocks that failed before their tests ran)` : '';
  const totals = `${s.failed} failed${blocks}, ${s.passed} passed, ${s.skipped} skipped in ${Math.round(o.seconds)} s`;
  const n = o.typeErrors.length;
  const types = n === 0 ? 'no type errors' : plural(n, 'type error');
  const problems = s.failed + s.outside.length + n + o.leftovers.length;
  if (problems === 0) {
    return `check:mine: ${totals}, ${types}: your copy does what stage ${o.stage.slice(0, 2)}'s specs and exercises ask (skipped: features stage ${o.stage.slice(0, 2)} does not have yet)`;
  }
  const next = s.failed > 0 ? 'fix the first failure above and run again' : n > 0 ? 'fix the type errors above and run again' : 'see above';
  return `check:mine: ${totals}, ${types}${s.outside.length ? `, ${s.outside.length} error(s) outside any test` : ''}: ${next} (--verbose for vitest's full report)`;
}

// --- the run

/**
 * Names left in the spec run's temp directory, besides the compile caches, which are
 * tooling's: tsx's (`tsx-<uid>`) and Node's (`node-compile-cache`, which tsc and vite turn on
 * with `module.enableCompileCache()` from Node 22.1).
 */
export function leftovers(names: readonly string[], uid: string | number): string[] {
  return names.filter((n) => n !== `tsx-${uid}` && n !== 'node-compile-cache').sort();
}

/** Shell-quotes `s` when it needs it, for a command the user may paste. */
function quote(s: string): string {
  return /^[\w./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const cwd = startDirectory(process.env, process.cwd(), 'check:mine');
  const p = plan(argv, cwd);
  if (typeof p === 'string') {
    process.stderr.write(`check:mine: ${p}\n${USAGE}`);
    return 2;
  }
  const started = Date.now();
  const shownDir = shownPath(p.dir, cwd);
  // a file's line takes 68 columns; wider than the terminal only below 80
  const width = Math.max(80, process.stdout.columns ?? 160);
  const tty = process.stdout.isTTY === true;
  const exercises = p.files.length > 1 ? ` and chapter ${p.stage.slice(0, 2)}'s exercises` : '';
  process.stdout.write(`${clip(`check:mine: ${shownDir} as stage ${p.stage}: type-check, then the specs${exercises}`, width)}\n`);

  const session = mkdtempSync(path.join(tmpdir(), 'nibiru-check-mine-'));
  const specTmp = path.join(session, 'tmp');
  mkdirSync(specTmp);
  const resultFile = path.join(session, 'result.json');
  const env = { ...process.env, NIBIRU_STAGE_DIR: p.dir, NIBIRU_STAGE_AS: p.stage.slice(0, 2), TMPDIR: specTmp, [RESULT_ENV]: resultFile };
  const vitestBin = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const stopOnSignal = (): void => {
    rmSync(session, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', stopOnSignal);
  try {
    // By default tsc and vitest run side by side (vitest mostly waits on servers), and the
    // summary shows the type errors first. --verbose shows vitest as it runs: tsc goes first.
    const types = typeCheck(p.dir, session, ROOT);
    if (p.verbose) {
      const typeErrors = await types;
      process.stdout.write(`type-check: ${typeErrors.length === 0 ? 'no errors' : plural(typeErrors.length, 'error')}\n${formatTypeErrors(typeErrors, cwd, Infinity).map((l) => `${l}\n`).join('')}`);
    }
    const reporter = p.verbose ? [] : ['--reporter', path.join(ROOT, 'scripts', 'check-mine-reporter.ts')];
    const child = spawn(process.execPath, [vitestBin, 'run', ...reporter, ...p.files], { cwd: ROOT, env, stdio: ['ignore', p.verbose ? 'inherit' : 'pipe', p.verbose ? 'inherit' : 'pipe'] });
    let progress = '';
    const vitest = collect(child, (line) => {
      if (!line.startsWith(PROGRESS_PREFIX)) return;
      progress = line.slice(PROGRESS_PREFIX.length);
      if (tty) process.stdout.write(`\r\x1b[K  specs: ${clip(progress, width - 12)}`);
    });
    const typeErrors = await types;
    const { code, out } = await vitest;
    if (tty && progress) process.stdout.write('\r\x1b[K');
    const left = leftovers(readdirSync(specTmp), process.getuid?.() ?? userInfo().username);
    // vitest runs from the repository: the command says so when the user is elsewhere
    const rerun = `${cwd === ROOT ? '' : `cd ${quote(shownPath(ROOT, cwd))} && `}NIBIRU_STAGE_DIR=${quote(shownPath(p.dir, ROOT))} NIBIRU_STAGE_AS=${p.stage.slice(0, 2)} npx vitest run FILE`;
    const seconds = (Date.now() - started) / 1000;
    if (p.verbose) {
      if (left.length > 0) process.stdout.write(`check:mine: left in the spec run's temp directory: ${left.join(', ')}\n`);
      const ok = code === 0 && typeErrors.length === 0 && left.length === 0;
      process.stdout.write(`check:mine: ${ok ? 'passed' : 'failed'} in ${Math.round(seconds)} s${typeErrors.length ? `, ${plural(typeErrors.length, 'type error')}` : ''}\n`);
      return ok ? 0 : 1;
    }
    if (!existsSync(resultFile) || statSync(resultFile).size === 0) {
      const tail = out.trim().split('\n').filter((l) => !l.startsWith(PROGRESS_PREFIX)).slice(-15);
      process.stdout.write(`type-check: ${plural(typeErrors.length, 'error')}\n${formatTypeErrors(typeErrors, cwd, MAX_TYPE_ERRORS, width).map((l) => `${l}\n`).join('')}`);
      process.stdout.write(`check:mine: vitest ended (exit ${code}) without a report; its last lines:\n${tail.map((l) => `  ${l}\n`).join('')}`);
      return 1;
    }
    const summary = summarize(JSON.parse(readFileSync(resultFile, 'utf8')) as SpecRun);
    const lines = render(summary, { typeErrors, cwd, rerun, seconds, leftovers: left, stage: p.stage, width, maxLines: lineBudget(process.env) });
    process.stdout.write(lines.map((l) => `${l}\n`).join(''));
    return code === 0 && typeErrors.length === 0 && left.length === 0 && summary.failed === 0 ? 0 : 1;
  } finally {
    process.off('SIGINT', stopOnSignal);
    rmSync(session, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}

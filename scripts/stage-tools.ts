/**
 * What the stage tooling shares: listing a stage's files, comparing two stages, a line diff,
 * and reading a stage README's `## Changed files` list.
 *
 * Strategy: a stage is a folder; its files are every file under it except `README.md` and
 * hidden or generated entries. Comparing two stages is a set comparison of those relative
 * paths plus a byte comparison of the shared ones. The line diff is a longest-common-
 * subsequence table (stage files are a few hundred lines, so O(n·m) is plenty), turned into
 * unified hunks with three lines of context, the shape `diff -u` prints.
 *
 * Against the last commit: `committedFile` reads a file as `HEAD` has it (`git show
 * HEAD:./path`, relative to the stages folder), and `checkAgainstHead` finds a fix that went
 * into a later stage's copy of a shared file but not into the earlier stage that had the same
 * bytes. Without git, or outside a repository, both answer "nothing" and the check is skipped.
 *
 * What it will not do: detect renames (a rename is a removal and an addition, and the README
 * lists both), or diff binary files.
 *
 * @module stage-tools
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { listStages, resolveStage, STAGES_DIR } from '../bin/stage.ts';

/** Names never counted as part of a stage. */
const IGNORED = new Set(['node_modules', 'coverage', '.c8_output']);

/**
 * Every file of a stage folder, as sorted posix paths relative to it, except its `README.md`
 * and hidden or generated entries.
 *
 * @param only restrict to these top-level folders, e.g. `['src']`.
 */
export function stageFiles(dir: string, only?: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const d of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      if (d.name.startsWith('.') || IGNORED.has(d.name)) continue;
      const child = rel === '' ? d.name : `${rel}/${d.name}`;
      if (d.isDirectory()) {
        if (rel === '' && only && !only.includes(d.name)) continue;
        walk(child);
      } else if (child !== 'README.md' && (rel !== '' || !only)) {
        out.push(child);
      }
    }
  };
  walk('');
  return out.sort();
}

/** How two stages' files compare. */
export interface StageComparison {
  /** Files only in the later stage. */
  readonly added: string[];
  /** Files only in the earlier stage. */
  readonly removed: string[];
  /** Files in both whose contents differ. */
  readonly changed: string[];
  /** Files in both with the same contents. */
  readonly same: string[];
}

/** Compares the files of stage folders `a` (earlier) and `b` (later). */
export function compareStages(a: string, b: string, only?: readonly string[]): StageComparison {
  const fa = stageFiles(a, only);
  const fb = stageFiles(b, only);
  const inA = new Set(fa);
  const inB = new Set(fb);
  const shared = fa.filter((f) => inB.has(f));
  const changed = shared.filter((f) => !readFileSync(path.join(a, f)).equals(readFileSync(path.join(b, f))));
  return {
    added: fb.filter((f) => !inA.has(f)),
    removed: fa.filter((f) => !inB.has(f)),
    changed,
    same: shared.filter((f) => !changed.includes(f)),
  };
}

/** One line of a line diff: kept (` `), removed (`-`) or added (`+`). */
export interface DiffLine {
  /** What happened to the line. */
  readonly op: ' ' | '-' | '+';
  /** The line, without its newline. */
  readonly text: string;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** The line diff of `a` and `b`: a shortest edit script from a longest common subsequence. */
export function diffLines(a: string, b: string): DiffLine[] {
  const x = splitLines(a);
  const y = splitLines(b);
  // trim the common head and tail, then fill the LCS table for the middle only
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  const xs = x.slice(head, x.length - tail);
  const ys = y.slice(head, y.length - tail);
  const n = xs.length;
  const m = ys.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = xs[i] === ys[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: DiffLine[] = x.slice(0, head).map((text) => ({ op: ' ', text }));
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && xs[i] === ys[j]) {
      out.push({ op: ' ', text: xs[i]! });
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      out.push({ op: '-', text: xs[i++]! });
    } else {
      out.push({ op: '+', text: ys[j++]! });
    }
  }
  out.push(...x.slice(x.length - tail).map((text): DiffLine => ({ op: ' ', text })));
  return out;
}

/** Lines added and removed between `a` and `b`. */
export function countChanges(a: string, b: string): { added: number; removed: number } {
  const lines = diffLines(a, b);
  return { added: lines.filter((l) => l.op === '+').length, removed: lines.filter((l) => l.op === '-').length };
}

/**
 * A unified diff (`diff -u` shape, three lines of context) of `a` and `b`, labelled `nameA`
 * and `nameB`; empty when they are equal.
 */
export function unifiedDiff(nameA: string, nameB: string, a: string, b: string, context = 3): string {
  const lines = diffLines(a, b);
  const changes = lines.map((l, k) => (l.op === ' ' ? -1 : k)).filter((k) => k >= 0);
  if (changes.length === 0) return '';
  // group changes whose context windows touch into hunks
  const hunks: Array<[number, number]> = [];
  for (const k of changes) {
    const last = hunks.at(-1);
    if (last && k - last[1] - 1 <= 2 * context) last[1] = k;
    else hunks.push([k, k]);
  }
  let out = `--- ${nameA}\n+++ ${nameB}\n`;
  for (const [first, last] of hunks) {
    const from = Math.max(0, first - context);
    const to = Math.min(lines.length - 1, last + context);
    const before = lines.slice(0, from);
    const body = lines.slice(from, to + 1);
    const startA = before.filter((l) => l.op !== '+').length + 1;
    const startB = before.filter((l) => l.op !== '-').length + 1;
    const lenA = body.filter((l) => l.op !== '+').length;
    const lenB = body.filter((l) => l.op !== '-').length;
    out += `@@ -${lenA === 0 ? startA - 1 : startA},${lenA} +${lenB === 0 ? startB - 1 : startB},${lenB} @@\n`;
    out += body.map((l) => `${l.op}${l.text}\n`).join('');
  }
  return out;
}

/**
 * The paths a stage README lists under its `## Changed files` heading (lines such as
 * ``- `src/parser.ts` — new``; several backticked paths before the dash all count), or
 * undefined when the README has no such section.
 */
export function listedChangedFiles(readme: string): Set<string> | undefined {
  const lines = readme.split('\n');
  const startAt = lines.findIndex((l) => /^##\s+Changed files\s*$/.test(l));
  if (startAt === -1) return undefined;
  const listed = new Set<string>();
  for (const line of lines.slice(startAt + 1)) {
    if (/^#{1,2}\s/.test(line)) break;
    const item = /^\s*[-*]\s+(.*)$/.exec(line);
    if (!item) continue;
    const lead = item[1]!.split(/\s[—–-]\s/)[0]!;
    for (const m of lead.matchAll(/`([^`]+)`/g)) listed.add(m[1]!.replace(/^\.\//, ''));
  }
  return listed;
}

/** One finding of {@link checkStagePair}. */
export interface Drift {
  /** The later stage, whose README should list the file. */
  readonly stage: string;
  /** The file, relative to the stage folder (empty for a README problem). */
  readonly file: string;
  /** What is wrong. */
  readonly problem: 'changed but not listed' | 'added but not listed' | 'removed but not listed' | 'no Changed files section' | 'listed but unchanged' | 'fixed here but not in an earlier stage';
  /** For `fixed here but not in an earlier stage`: the first stage whose committed copy was the same. */
  readonly earlier?: string;
}

/**
 * Checks one pair of consecutive stages: every file that the later stage added, removed or
 * changed must be listed in its README's `## Changed files`. A listed file that did not
 * change is reported as `listed but unchanged` (a warning: see {@link isError}).
 */
export function checkStagePair(earlierDir: string, laterDir: string): Drift[] {
  const stage = path.basename(laterDir);
  const readmePath = path.join(laterDir, 'README.md');
  const listed = existsSync(readmePath) ? listedChangedFiles(readFileSync(readmePath, 'utf8')) : undefined;
  if (listed === undefined) return [{ stage, file: 'README.md', problem: 'no Changed files section' }];
  const cmp = compareStages(earlierDir, laterDir);
  const drifts: Drift[] = [];
  for (const file of cmp.changed) if (!listed.has(file)) drifts.push({ stage, file, problem: 'changed but not listed' });
  for (const file of cmp.added) if (!listed.has(file)) drifts.push({ stage, file, problem: 'added but not listed' });
  for (const file of cmp.removed) if (!listed.has(file)) drifts.push({ stage, file, problem: 'removed but not listed' });
  for (const file of listed) if (cmp.same.includes(file)) drifts.push({ stage, file, problem: 'listed but unchanged' });
  return drifts;
}

/** Whether a finding fails the check (everything but `listed but unchanged`). */
export function isError(drift: Drift): boolean {
  return drift.problem !== 'listed but unchanged';
}

/**
 * Checks every pair of consecutive stages under `stagesDir` (folders with `src/main.ts`),
 * then the working tree against the last commit ({@link checkAgainstHead}).
 */
export function checkStages(stagesDir: string = STAGES_DIR): Drift[] {
  const stages = listStages(stagesDir);
  const pairs = stages.slice(1).flatMap((later, k) => checkStagePair(path.join(stagesDir, stages[k]!), path.join(stagesDir, later)));
  return [...pairs, ...checkAgainstHead(stagesDir)];
}

/** Runs git in `cwd`; the output, or undefined when git is missing or the command fails. */
function git(cwd: string, args: readonly string[]): Buffer | undefined {
  const r = spawnSync('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 });
  return r.error || r.status !== 0 ? undefined : r.stdout;
}

/**
 * The contents of `stagesDir/rel` in the last commit, or undefined when git is not there,
 * `stagesDir` is not in a repository, or `HEAD` has no such file.
 */
export function committedFile(stagesDir: string, rel: string): Buffer | undefined {
  return git(stagesDir, ['show', `HEAD:./${rel}`]);
}

/**
 * Stage files changed since the last commit: a fix that went into a later stage's copy of a
 * file but not into an earlier stage whose committed copy was byte-identical to it. The fix
 * belongs in the first stage that has those lines, carried forward by `npm run carry`. Empty
 * when git or `HEAD` is not available (a clean clone has nothing changed, so CI passes).
 */
export function checkAgainstHead(stagesDir: string = STAGES_DIR): Drift[] {
  const names = git(stagesDir, ['diff', '--name-only', '--relative', '--diff-filter=M', '-z', 'HEAD', '--', '.']);
  if (names === undefined) return [];
  const stages = listStages(stagesDir);
  const modified = new Set(names.toString('utf8').split('\0').filter(Boolean));
  const drifts: Drift[] = [];
  for (const changed of modified) {
    const slash = changed.indexOf('/');
    const stage = changed.slice(0, slash);
    const file = changed.slice(slash + 1);
    const at = stages.indexOf(stage);
    if (at <= 0 || path.basename(file) === 'README.md') continue;
    const committed = committedFile(stagesDir, changed);
    if (committed === undefined) continue;
    const earlier = stages
      .slice(0, at)
      .find((e) => !modified.has(`${e}/${file}`) && committedFile(stagesDir, `${e}/${file}`)?.equals(committed) === true);
    if (earlier !== undefined) drifts.push({ stage, file, problem: 'fixed here but not in an earlier stage', earlier });
  }
  return drifts;
}

/**
 * The folder a user means by `03`, `3`, `03-fd-passing`, or a path to a folder of their own.
 *
 * @throws Error when there is no such stage or folder.
 */
export function stageDir(name: string): string {
  const stage = resolveStage(name);
  if (stage !== undefined) return path.join(STAGES_DIR, stage);
  if ((name.includes('/') || name.startsWith('.')) && existsSync(name) && statSync(name).isDirectory()) return path.resolve(name);
  throw new Error(`unknown stage '${name}'; the stages are: ${listStages().join(', ')} (or give a folder path)`);
}

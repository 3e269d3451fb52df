/**
 * `npm run carry -- <file>`: carries a fix made in one stage's file into every later stage
 * where the same lines stand, so that a fix lands once.
 *
 * Strategy: the fix is the difference between the last commit's version of the file (`git
 * show HEAD:…`) and the working tree's. A later stage whose copy is still the earlier stage's
 * committed version gets the new version whole, so a byte-identical shared file stays
 * identical. A later stage whose copy differs (its lesson changed the file) gets the same
 * change by a three-way merge (`git merge-file`: base the committed version, ours the later
 * copy, theirs the fixed one), written only when no hunk conflicts; a conflict is listed for
 * a human to carry by hand, and the stage's file is left as it was. One line per later stage.
 *
 * What it will not do: commit, touch README files, or follow a file that a later stage
 * renamed (a rename is a removal and an addition; the later stage is "not applicable").
 *
 * Try it: fix `stages/02-full-parser/src/errors.ts`, then `npm run carry -- 02 src/errors.ts
 * --dry-run`, then without `--dry-run`; `npm run check:stages` notices a fix that skipped a stage.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { listStages, resolveStage, startDirectory, STAGES_DIR } from '../bin/stage.ts';
import { committedFile } from './stage-tools.ts';

/** What happened to one later stage's copy. */
export interface Carried {
  /** The later stage. */
  readonly stage: string;
  /** `carried`: the copy was identical and now has the new version; `patched`: the change merged into a copy that differs; `same`: it already has the new version; `absent`: no such file there; `conflict`: the change does not apply. */
  readonly outcome: 'carried' | 'patched' | 'same' | 'absent' | 'conflict';
}

/** The one-line description of an outcome. */
const SAYS: Record<Carried['outcome'], string> = {
  carried: 'carried (the copy was identical)',
  patched: 'patched (the copy differs; the change merged cleanly)',
  same: 'already the same',
  absent: 'not applicable: the stage has no such file',
  conflict: 'not applicable: the change conflicts with this copy; carry it by hand',
};

/** Whether an outcome needs a human. */
export const needsHand = (c: Carried): boolean => c.outcome === 'conflict';

/**
 * The three-way merge of the change `base` → `theirs` into `ours`, or undefined when a hunk
 * conflicts (or git is not there).
 */
export function mergeChange(ours: Buffer, base: Buffer, theirs: Buffer): Buffer | undefined {
  const dir = mkdtempSync(path.join(tmpdir(), 'nibiru-carry-'));
  try {
    const files = ['ours', 'base', 'theirs'].map((n) => path.join(dir, n));
    [ours, base, theirs].forEach((b, k) => writeFileSync(files[k]!, b));
    const r = spawnSync('git', ['merge-file', '-p', '--quiet', ...files], { maxBuffer: 64 * 1024 * 1024 });
    return r.error || r.status !== 0 ? undefined : r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Carries the change made since the last commit to `stagesDir/stage/file` into every later
 * stage; writes nothing when `dryRun`.
 *
 * @throws Error when the file is not in the last commit or has not changed since.
 */
export function carry(stagesDir: string, stage: string, file: string, dryRun = false): Carried[] {
  const base = committedFile(stagesDir, `${stage}/${file}`);
  if (base === undefined) throw new Error(`${stage}/${file} is not in the last commit (or git is not available); there is no fix to carry`);
  const fixedPath = path.join(stagesDir, stage, file);
  if (!existsSync(fixedPath)) throw new Error(`${stage}/${file} was removed; carry a removal by hand`);
  const fixed = readFileSync(fixedPath);
  if (fixed.equals(base)) throw new Error(`${stage}/${file} has not changed since the last commit; make the fix there first`);
  const stages = listStages(stagesDir);
  return stages.slice(stages.indexOf(stage) + 1).map((later): Carried => {
    const target = path.join(stagesDir, later, file);
    if (!existsSync(target)) return { stage: later, outcome: 'absent' };
    const copy = readFileSync(target);
    if (copy.equals(fixed)) return { stage: later, outcome: 'same' };
    const identical = copy.equals(base);
    const next = identical ? fixed : mergeChange(copy, base, fixed);
    if (next === undefined) return { stage: later, outcome: 'conflict' };
    if (!dryRun) writeFileSync(target, next);
    return { stage: later, outcome: identical ? 'carried' : 'patched' };
  });
}

/** What `--help` prints. */
export const USAGE = `usage: npm run carry -- <file> [--from NN] [--dry-run]
  Carries the change made to a stage's file since the last commit into every later stage:
  a copy still identical to the committed version gets the new file; a copy the lesson
  changed gets the same change merged in (git merge-file) when it applies cleanly.
  <file>      stages/02-full-parser/src/errors.ts, or "02 src/errors.ts"
  --from NN   the stage the file is in, when <file> is relative to it
  --dry-run   print what it would do, write nothing
  --help      this text
  One line per later stage. Exit 0 when everything applied, 1 when a stage needs a hand.
`;

/** The stage and the file inside it that arguments `args` name, or an error message. */
export function parseArgs(args: readonly string[], cwd: string, stagesDir: string = STAGES_DIR): { stage: string; file: string } | string {
  const stages = listStages(stagesDir);
  const positional = args.filter((a, k) => !a.startsWith('--') && args[k - 1] !== '--from');
  const fromAt = args.indexOf('--from');
  const from = fromAt >= 0 ? args[fromAt + 1] : undefined;
  if (fromAt >= 0 && from === undefined) return '--from needs a stage, e.g. --from 02';
  const named = from ?? (positional.length === 2 ? positional[0] : undefined);
  const rest = named === undefined ? positional : positional.slice(from === undefined ? 1 : 0);
  if (rest.length !== 1) return 'give one file: a path in a stage, or a stage and a file in it';
  if (named !== undefined) {
    const stage = resolveStage(named, stages);
    return stage === undefined ? `unknown stage '${named}'; the stages are: ${stages.join(', ')}` : { stage, file: rest[0]!.replace(/^\.\//, '') };
  }
  const rel = path.relative(stagesDir, path.resolve(cwd, rest[0]!)).split(path.sep);
  if (rel[0] === '..' || rel.length < 2 || !stages.includes(rel[0]!)) return `'${rest[0]}' is not a file of a stage; give stages/NN-name/<file>, or NN <file>`;
  return { stage: rel[0]!, file: rel.slice(1).join('/') };
}

/** Runs the command (or prints help) for arguments `argv`; returns the exit code. */
export function run(argv: readonly string[], stagesDir: string = STAGES_DIR): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const unknown = argv.find((a) => a.startsWith('-') && !['--from', '--dry-run'].includes(a));
  const parsed = unknown ? `unknown option '${unknown}'` : parseArgs(argv, startDirectory(process.env, process.cwd(), 'carry'), stagesDir);
  if (typeof parsed === 'string') {
    process.stderr.write(`carry: ${parsed}\n${USAGE}`);
    return 2;
  }
  const dryRun = argv.includes('--dry-run');
  let results: Carried[];
  try {
    results = carry(stagesDir, parsed.stage, parsed.file, dryRun);
  } catch (err) {
    process.stderr.write(`carry: ${(err as Error).message}\n`);
    return 2;
  }
  const width = Math.max(0, ...results.map((r) => r.stage.length));
  const would = (r: Carried): string => (dryRun && (r.outcome === 'carried' || r.outcome === 'patched') ? `would be ${SAYS[r.outcome]}` : SAYS[r.outcome]);
  for (const r of results) process.stdout.write(`  ${r.stage.padEnd(width)}  ${parsed.file}: ${would(r)}\n`);
  const hand = results.filter(needsHand).length;
  process.stdout.write(
    `carry${dryRun ? ' (dry run, nothing written)' : ''}: ${parsed.stage}/${parsed.file} into ${results.length} later stage(s)` +
      (hand ? `; ${hand} need(s) a hand\n` : '; done\n'),
  );
  return hand ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = run(process.argv.slice(2));
}

/**
 * `npm run check:mine -- <dir> [--as NN]`: runs your own copy of a stage against the specs of
 * the stage it stands for: every RFC spec in `spec/`, held to that stage's expectation map,
 * and the exercise specs of its chapter in `docs/exercises/`.
 *
 * Strategy: work out which stage `<dir>` stands for from its folder name (`my-01`,
 * `01-request-line`, `my-fd-passing`...) unless `--as` says, then run vitest once over
 * `spec/` and the chapter's exercise file with `NIBIRU_STAGE_DIR` (your folder) and
 * `NIBIRU_STAGE_AS` (the stage) set, which is what `spec/stages.ts` and
 * `docs/exercises/exercise.ts` read. Its exit code is vitest's; 2 for a usage error.
 *
 * `<dir>` is relative to the directory the command was typed in (npm runs scripts from the
 * repository root, and says where it was started in `INIT_CWD`).
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { listStages, resolveStage, startDirectory } from '../bin/stage.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What `--help` prints. */
export const USAGE = `usage: npm run check:mine -- <dir> [--as NN]
  Runs your copy of a stage (a folder with src/main.ts) against the RFC specs of the stage
  it stands for and its chapter's exercise specs. About a minute for stage 01, two to three
  for the others.
  <dir>      your stage folder, e.g. ../my-01 (relative to where you typed the command)
  --as NN    the stage it stands for (01, 2, 03-fd-passing...); by default guessed from the
             folder's name: my-01, 01-request-line, my-fd-passing
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

/** What to run: the folder, the stage, and the spec files (relative to the repository). */
export interface CheckPlan {
  /** Your stage folder, absolute. */
  readonly dir: string;
  /** The stage it stands for, e.g. `01-request-line`. */
  readonly stage: string;
  /** `spec/` and the chapter's exercise file, when there is one. */
  readonly files: readonly string[];
}

/** Reads the arguments; a string is a usage error's message. */
export function plan(argv: readonly string[], cwd: string, stages: readonly string[] = listStages()): CheckPlan | string {
  const positional: string[] = [];
  let as: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--as') {
      as = argv[++i];
      if (as === undefined) return `--as needs a stage, e.g. --as 01`;
    } else if (arg.startsWith('--as=')) {
      as = arg.slice('--as='.length);
    } else if (arg.startsWith('-')) {
      return `unknown option '${arg}'`;
    } else {
      positional.push(arg);
    }
  }
  if (positional.length !== 1) return positional.length === 0 ? 'no folder given' : `one folder, please (got ${positional.join(', ')})`;
  const dir = path.resolve(cwd, positional[0]!);
  if (!existsSync(path.join(dir, 'src', 'main.ts'))) return `${positional[0]} has no src/main.ts: give the folder of your stage copy`;
  const stage = as !== undefined ? resolveStage(as, stages) : inferStage(path.basename(dir), stages);
  if (stage === undefined) {
    return as !== undefined
      ? `unknown stage '${as}'; the stages are: ${stages.join(', ')}`
      : `cannot tell which stage ${positional[0]} stands for from its name: add --as NN (the stages are: ${stages.join(', ')})`;
  }
  const exercises = path.join(ROOT, 'docs', 'exercises');
  const exercise = readdirSync(exercises).find((f) => f === `${stage}.test.ts`);
  return { dir, stage, files: ['spec/', ...(exercise ? [`docs/exercises/${exercise}`] : [])] };
}

function main(argv: readonly string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const p = plan(argv, startDirectory(process.env, process.cwd(), 'check:mine'));
  if (typeof p === 'string') {
    process.stderr.write(`check:mine: ${p}\n${USAGE}`);
    return 2;
  }
  process.stdout.write(`check:mine: ${p.dir} as stage ${p.stage}: ${p.files.join(' and ')} (every spec held to stage ${p.stage.slice(0, 2)}'s features)\n`);
  const vitest = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const r = spawnSync(process.execPath, [vitest, 'run', ...p.files], {
    cwd: ROOT,
    env: { ...process.env, NIBIRU_STAGE_DIR: p.dir, NIBIRU_STAGE_AS: p.stage.slice(0, 2) },
    stdio: 'inherit',
  });
  return r.status ?? 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}

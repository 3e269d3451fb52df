/**
 * `npm run exercise -- start NN`: puts the starting point of chapter NN's exercises in the
 * repository's git-ignored `workspace/` folder, where the repository's `tsconfig.json`,
 * `node_modules` and editor settings apply; `npm run check:mine` then checks it.
 *
 * Strategy: resolve the chapter as `npm run stage` does (`02`, `2`, `02-full-parser`), copy
 * its starting point (`docs/exercises/starters.ts`: the stage before it, or a starter the
 * chapter ships) to `workspace/<chapter>/`, write `workspace/tsconfig.json` (the repository's
 * settings, for the workspace's files) and name the folder in `workspace/.current`. A copy at
 * `workspace/NN/src/` sits as deep as `stages/NN/src/`, so its relative imports still resolve.
 * It never overwrites a copy without `--force`: the copy is the attendee's work. It does not
 * type-check or run anything; `npm test` never looks inside `workspace/`.
 */

import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { listStages, resolveStage, STAGES_DIR } from '../bin/stage.ts';
import { materialize, startingPoint } from '../docs/exercises/starters.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The workspace's `tsconfig.json`: the repository's settings, for every `.ts` file in it. */
export const WORKSPACE_TSCONFIG = `${JSON.stringify(
  {
    extends: '../tsconfig.json',
    include: ['**/*.ts'],
  },
  null,
  2,
)}\n`;

/** What `--help` prints, the chapters' starting points appended. */
export function usage(stages: readonly string[] = listStages()): string {
  return `usage: npm run exercise -- start NN [--force] | list
  start NN   copy the starting point of chapter NN's exercises (01, 2, 03-fd-passing...) to
             workspace/NN-name/ and make it the one npm run check:mine checks; --force
             replaces a copy that is already there
  list       the chapters and where their exercises start (also printed here)
chapters:
${chapterLines(stages).join('\n')}
`;
}

/** One line per chapter: its name and its starting point. */
export function chapterLines(stages: readonly string[] = listStages()): string[] {
  return stages.map((chapter) => {
    const point = startingPoint(chapter, stages);
    const from = point === undefined ? 'no starting point' : (point.starter === null ? `stage ${point.from}, as it is` : `starter: ${point.starter}`);
    return `  ${chapter.padEnd(18)} ${from}`;
  });
}

/** What {@link start} did: the folder it wrote, or why it did not. */
export type StartResult = { readonly ok: true; readonly folder: string; readonly message: string } | { readonly ok: false; readonly message: string };

/**
 * Writes chapter `name`'s starting point to `<root>/workspace/<chapter>/`, the workspace's
 * `tsconfig.json`, and `.current`.
 *
 * @param root the repository (its `stages/` is read, its `workspace/` written).
 */
export function start(name: string, options: { readonly force?: boolean; readonly root?: string } = {}): StartResult {
  const root = options.root ?? ROOT;
  const stagesDir = options.root === undefined ? STAGES_DIR : path.join(root, 'stages');
  const stages = listStages(stagesDir);
  const chapter = resolveStage(name, stages);
  if (chapter === undefined) return { ok: false, message: `unknown chapter '${name}'; the chapters are: ${stages.join(', ')}` };
  const point = startingPoint(chapter, stages);
  if (point === undefined) return { ok: false, message: `chapter ${chapter} names no starting point (docs/exercises/starters.ts)` };
  const workspace = path.join(root, 'workspace');
  const folder = path.join(workspace, chapter);
  if (existsSync(folder)) {
    if (options.force !== true) {
      return { ok: false, message: `workspace/${chapter}/ exists and may hold your work: add --force to replace it with a fresh copy` };
    }
    rmSync(folder, { recursive: true, force: true });
  }
  mkdirSync(workspace, { recursive: true });
  materialize(point, stagesDir, folder);
  writeFileSync(path.join(workspace, 'tsconfig.json'), WORKSPACE_TSCONFIG);
  writeFileSync(path.join(workspace, '.current'), `${chapter}\n`);
  const what = point.starter === null ? `stage ${point.from}` : `the chapter's starter: ${point.starter}`;
  return {
    ok: true,
    folder,
    message: `exercise: workspace/${chapter}/ holds ${what}
  the exercises: docs/guide/${chapter}.md, "Exercises"
  check your work: npm run check:mine     (it checks workspace/${chapter}/, named in workspace/.current)
`,
  };
}

function main(argv: readonly string[]): number {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  if (command === 'list') {
    process.stdout.write(`${chapterLines().join('\n')}\n`);
    return 0;
  }
  if (command !== 'start') {
    process.stderr.write(`exercise: unknown command '${command}'; try: npm run exercise -- start 01\n`);
    return 2;
  }
  const force = rest.includes('--force');
  const unknown = rest.find((a) => a.startsWith('-') && a !== '--force');
  const names = rest.filter((a) => !a.startsWith('-'));
  if (unknown !== undefined || names.length !== 1) {
    const why = unknown !== undefined ? `unknown option '${unknown}'` : names.length === 0 ? 'which chapter?' : `one chapter, please (got ${names.join(', ')})`;
    process.stderr.write(`exercise: ${why}; e.g. npm run exercise -- start 02\n`);
    return 2;
  }
  const r = start(names[0]!, { force });
  if (!r.ok) {
    process.stderr.write(`exercise: ${r.message}\n`);
    return 1;
  }
  process.stdout.write(r.message);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}

/**
 * `npm run stage <stage> -- <app> [options]`: runs one stage of the server.
 *
 * Strategy: resolve the stage from `01`, `1` or `01-request-line` to its folder under
 * `stages/`, import that stage's `src/main.ts` and call its `main` with the remaining
 * arguments, in this same process (so signals and the pid are the server's own).
 */

import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository's `stages/` folder. */
export const STAGES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'stages');

/** The stage folders that exist, in order, e.g. `['01-request-line', '02-full-parser']`. */
export function listStages(dir: string = STAGES_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^\d\d-/.test(d.name) && existsSync(path.join(dir, d.name, 'src', 'main.ts')))
    .map((d) => d.name)
    .sort();
}

/**
 * Finds the stage folder a user means by `01`, `1`, `01-request-line` or `request-line`.
 *
 * @returns the folder name, or undefined when there is no such stage.
 */
export function resolveStage(name: string, stages: readonly string[] = listStages()): string | undefined {
  const asNumber = /^\d{1,2}$/.test(name) ? name.padStart(2, '0') : undefined;
  return stages.find((s) => s === name || s.slice(0, 2) === asNumber || s.slice(3) === name);
}

async function run(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  const stages = listStages();
  const stage = name === undefined ? undefined : resolveStage(name, stages);
  if (stage === undefined) {
    const what = name === undefined ? 'no stage given' : `unknown stage '${name}'`;
    process.stderr.write(
      `nibiru-ts: error: ${what}; the stages are: ${stages.join(', ')}\n` +
        `usage: npm run stage <stage> -- <module.path[:callable]> [port] [options]\n`,
    );
    process.exit(1);
  }
  const mod = (await import(pathToFileURL(path.join(STAGES_DIR, stage, 'src', 'main.ts')).href)) as {
    main(argv: readonly string[]): Promise<void>;
  };
  await mod.main(rest);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void run(process.argv.slice(2));
}

/**
 * `npm run stage <stage> -- <app> [options]`: runs one stage of the server.
 *
 * Strategy: resolve the stage from `01`, `1` or `01-request-line` to its folder under
 * `stages/`, import that stage's `src/main.ts` and call its `main` with the remaining
 * arguments, in this same process (so signals and the pid are the server's own).
 *
 * Before that, it moves back to the directory the command was started in (see
 * {@link startDirectory}): `npm run` runs scripts from the repository root, but an app's
 * `module.path` is relative to where the user typed the command, as with gunicorn. Doing it
 * here, once, serves every stage (and the workers, which inherit the directory). The workers
 * are forked with this process's `execArgv`, whose `--import tsx` Node resolves from the
 * current directory: {@link absoluteImports} makes it a file URL first, or a worker started in
 * a directory without `node_modules/tsx` would fail to start.
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

/**
 * The directory the user started the command in. `npm run stage` runs this file from the
 * repository root and leaves the directory it was started in in `INIT_CWD`; anything else
 * (`node bin/stage.ts` by hand, the spec launcher, a benchmark) already runs where it was
 * started. `INIT_CWD` is only trusted when npm ran this very script from the package root: it
 * is inherited by every process below `npm test` too, where it says nothing about them.
 *
 * @param script the npm script that runs this process (`check:mine` uses it too).
 */
export function startDirectory(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd(), script = 'stage'): string {
  const ranByNpm = env.npm_lifecycle_event === script && env.npm_package_json !== undefined && path.dirname(env.npm_package_json) === cwd;
  return ranByNpm && env.INIT_CWD ? env.INIT_CWD : cwd;
}

/**
 * `execArgv` with every bare `--import` specifier (`--import tsx`, `--import=tsx`) replaced by
 * the URL `resolve` gives it, so that the same flags work from any directory.
 */
export function absoluteImports(execArgv: readonly string[], resolve: (specifier: string) => string): string[] {
  const bare = (s: string): boolean => !/^(\.|\/|[a-z][a-z0-9+.-]*:)/i.test(s);
  return execArgv.map((arg, i) => {
    if (i > 0 && execArgv[i - 1] === '--import' && bare(arg)) return resolve(arg);
    const m = /^--import=(.+)$/.exec(arg);
    return m && bare(m[1]!) ? `--import=${resolve(m[1]!)}` : arg;
  });
}

async function run(argv: string[]): Promise<void> {
  const here = startDirectory();
  if (here !== process.cwd()) {
    process.execArgv.splice(0, process.execArgv.length, ...absoluteImports(process.execArgv, (s) => import.meta.resolve(s)));
    process.chdir(here);
  }
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

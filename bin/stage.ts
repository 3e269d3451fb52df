/**
 * `npm run stage <stage> -- <app> [options]`, or `npx nibiru-ts <stage> <app> [options]`:
 * runs one stage of the server.
 *
 * Strategy: resolve the stage from `01`, `1` or `01-request-line` to its folder under
 * `stages/` (or take the path of a stage folder of your own), import that stage's
 * `src/main.ts` and call its `main` with the remaining arguments, in this same process (so
 * signals and the pid are the server's own). `bin/nibiru-ts.mjs` runs this file compiled to
 * JavaScript, and hands {@link run} a {@link Prepare} that compiles what it imports.
 *
 * Before that, it moves back to the directory the command was started in (see
 * {@link startDirectory}): `npm run` runs scripts from the repository root, but an app's
 * `module.path` is relative to where the user typed the command, as with gunicorn. Doing it
 * here, once, serves every stage (and the workers, which inherit the directory). The workers
 * are forked with this process's `execArgv`; where that holds a bare `--import tsx` (this file
 * run through tsx by hand), Node resolves it from the current directory: {@link absoluteImports}
 * makes it a file URL first, or a worker started in a directory without `node_modules/tsx`
 * would fail to start.
 *
 * npm's traps, which this file closes:
 *
 * - **A flag before `--`** is npm's: `npm run stage 04 docs.app:app --workers 4` gives the
 *   script `04 docs.app:app 4` (a server on port 4) and leaves `npm_config_workers=true`.
 *   {@link swallowedFlags} finds our flags among npm's variables, and the command refuses to
 *   start, with one line that shows it with `--` in its place ({@link correctedCommand}).
 *   (`--help`, `-h` and `-w` npm handles itself before any script runs: its own help, its
 *   workspaces; nothing here sees them.) `npx nibiru-ts` has no such trap: npx hands every
 *   argument after the command's name to it.
 * - **Signals.** npm passes SIGINT and SIGTERM on to the script's process, but it runs the
 *   script through `sh -c`, and the shell keeps them from the server. The `stage` script
 *   `exec`s node, so the server is npm's child. npx cannot be told so, and Debian's sh (dash)
 *   keeps a shell in between: it dies of SIGTERM (npx then exits 143), and after SIGINT it
 *   waits for a server that never hears of it. The repository's `.npmrc` makes bash the
 *   script shell, which runs a lone command in its own place: the server is npx's child too,
 *   gets the signal, and npx exits with its status, 0. Where a shell stays in between all
 *   the same (`--script-shell` or `npm_config_script_shell`, which outrank the `.npmrc`), the
 *   server watches the npm process ({@link watchLauncher}) and stops, as on SIGTERM, once it
 *   is gone.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

/** What a stage is, from the title of its README (`# Stage 02 — the full parser`), or ''. */
export function stageTitle(stage: string, dir: string = STAGES_DIR): string {
  try {
    const first = readFileSync(path.join(dir, stage, 'README.md'), 'utf8').split('\n', 1)[0]!;
    return /^#\s+Stage\s+\d+\s*[—-]\s*(.+)$/.exec(first)?.[1]?.trim() ?? '';
  } catch {
    return '';
  }
}

/**
 * What `--help`, or no argument at all, prints: both ways to run a stage, then the stages, one
 * line each. A stage's own `--help` lists its options.
 */
export function usage(stages: readonly string[], title: (stage: string) => string = stageTitle): string {
  const width = Math.max(...stages.map((s) => s.length));
  return [
    'usage: npm run stage <stage> -- <module.path[:callable]> [port] [options]',
    '   or: npx nibiru-ts <stage> <module.path[:callable]> [port] [options]',
    "A stage is named 01, 1 or 01-request-line; '<stage> --help' lists its options. The stages:",
    ...stages.map((s) => `  ${s.padEnd(width)}  ${title(s)}`.trimEnd()),
    '',
  ].join('\n');
}

/** The exit status of a mistake on the command line, as the stages use it. */
const EXIT_USAGE = 2;

/** An option of a stage's command line, as its `cli.ts` declares it for `parseArgs`. */
export interface OptionSpec {
  /** `string` takes a value; `boolean` is a switch. */
  readonly type: 'string' | 'boolean';
  /** The one-letter form, e.g. `p` for `-p`. */
  readonly short?: string;
}

/**
 * The flags of ours that npm took for itself: those whose `npm_config_<name>` variable npm
 * left (dashes become underscores), with the value npm kept (`true` when it left the value
 * as an argument of the script). npm's own settings (`npm_config_cache`...) are not ours.
 */
export function swallowedFlags(options: Readonly<Record<string, OptionSpec>>, env: NodeJS.ProcessEnv): Array<{ flag: string; value: string; type: OptionSpec['type'] }> {
  const found: Array<{ flag: string; value: string; type: OptionSpec['type'] }> = [];
  for (const [name, spec] of Object.entries(options)) {
    for (const [flag, key] of [[`--${name}`, name], ...(spec.short && spec.short !== 'h' ? [[`-${spec.short}`, spec.short]] : [])] as Array<[string, string]>) {
      const value = env[`npm_config_${key.replaceAll('-', '_')}`];
      if (value !== undefined) found.push({ flag, value, type: spec.type });
    }
  }
  return found;
}

/**
 * The command the user meant: `npm run stage <stage> -- <app> <flags with their values>`. A
 * flag npm took without its value (`true`) left that value as an argument; the values are
 * the last arguments, in order (npm does not keep the flags' order: with several, the line
 * says that the order is a guess).
 */
export function correctedCommand(stage: string, args: readonly string[], swallowed: ReturnType<typeof swallowedFlags>): string {
  const valueless = swallowed.filter((f) => f.type === 'string' && f.value === 'true');
  const values = args.slice(Math.max(1, args.length - valueless.length));
  const positionals = args.slice(0, args.length - values.length);
  const flags = swallowed.flatMap((f) => {
    if (f.type === 'boolean') return [f.flag];
    if (f.value !== 'true') return [f.flag, f.value];
    const value = values.shift();
    return value === undefined ? [f.flag] : [f.flag, value];
  });
  return ['npm run stage', stage, '--', ...positionals, ...flags].join(' ');
}

/** Whether npm ran this file as the `stage` script (not as part of another, such as `npm test`). */
function ranByNpmRun(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.npm_lifecycle_event === 'stage' && env.npm_package_json !== undefined && path.dirname(env.npm_package_json) === process.cwd();
}

/** The parent pid and the command line of `pid`, from `/proc` (Linux), or undefined. */
function processInfo(pid: number): { ppid: number; argv: string[] } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return { ppid, argv: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0') };
  } catch {
    return undefined;
  }
}

/**
 * When npm or npx started this process, stops it (as SIGTERM would) once that npm process is
 * gone: the parent, or, with the `sh -c` npx puts in between, the shell's parent. npm names
 * its process `npm run ...` or `npm exec ...`. Checked twice a second, on a timer that does
 * not keep the process alive; where there is no `/proc`, nothing is watched.
 */
export function watchLauncher(env: NodeJS.ProcessEnv = process.env): void {
  if (env.npm_lifecycle_event !== 'stage' && env.npm_lifecycle_event !== 'npx') return;
  const parent = processInfo(process.ppid);
  if (parent === undefined) return;
  const isNpm = (argv: string[]): boolean => /^npm (run|exec|run-script|x)\b/.test(argv.join(' ')) || /(^|\/)(npm|npx)(-cli\.js)?$/.test(argv[1] ?? '');
  const shell = parent.argv[1] === '-c' || /(^|\/)(sh|bash|dash)$/.test(parent.argv[0] ?? '');
  const npmPid = isNpm(parent.argv) ? process.ppid : shell ? parent.ppid : undefined;
  if (npmPid === undefined || npmPid <= 1) return;
  const timer = setInterval(() => {
    if (processInfo(npmPid) !== undefined) return;
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
  }, 500);
  timer.unref();
}

/**
 * Makes the files this command imports ready to import (`bin/compile.mjs` compiles them, with
 * the application the arguments name) and resolves with the URL to import each one from.
 */
export type Prepare = (files: readonly string[], args: readonly string[]) => Promise<(file: string) => string>;

/** The {@link Prepare} of a process that runs TypeScript as it is (through tsx). */
const asItIs: Prepare = async () => (file) => pathToFileURL(file).href;

/** The folder of a stage of one's own, named by its path (`workspace/02-full-parser`), or undefined. */
function stageFolder(name: string): string | undefined {
  if (!name.includes('/') && !name.startsWith('.')) return undefined;
  const dir = path.resolve(name);
  return existsSync(path.join(dir, 'src', 'main.ts')) ? dir : undefined;
}

/**
 * Runs the command: `argv` is what follows `stage.ts` (or `nibiru-ts`), e.g.
 * `['04', 'docs.app:app', '--workers', '4']`. The stage may also be the path of a stage
 * folder of one's own (the spec launcher's `NIBIRU_STAGE_DIR`).
 */
export async function run(argv: string[], prepare: Prepare = asItIs): Promise<void> {
  const here = startDirectory();
  if (here !== process.cwd()) {
    process.execArgv.splice(0, process.execArgv.length, ...absoluteImports(process.execArgv, (s) => import.meta.resolve(s)));
    process.chdir(here);
  }
  const [name, ...rest] = argv;
  const stages = listStages();
  if (name === '--help' || name === '-h') {
    process.stdout.write(usage(stages));
    process.exit(0);
  }
  const own = name === undefined ? undefined : stageFolder(name);
  const stage = name === undefined ? undefined : own ?? resolveStage(name, stages);
  if (stage === undefined) {
    process.stderr.write(name === undefined ? usage(stages) : `nibiru-ts: error: unknown stage '${name}'; the stages are: ${stages.join(', ')} (--help says more)\n`);
    process.exit(EXIT_USAGE);
  }
  const main = path.join(own ?? path.join(STAGES_DIR, stage), 'src', 'main.ts');
  const clis = ranByNpmRun() ? stages.map((s) => path.join(STAGES_DIR, s, 'src', 'cli.ts')) : [];
  const url = await prepare([main, ...clis], rest);
  if (clis.length > 0) {
    // every stage's flags: a flag of stage 04 typed for stage 02 is npm's too
    const options: Record<string, OptionSpec> = {};
    for (const file of clis) {
      const cli = (await import(url(file))) as { OPTIONS?: Record<string, OptionSpec> };
      Object.assign(options, cli.OPTIONS ?? {});
    }
    const swallowed = swallowedFlags(options, process.env);
    if (swallowed.length > 0) {
      const flags = swallowed.map((f) => f.flag).join(', ');
      const guess = swallowed.filter((f) => f.type === 'string' && f.value === 'true').length > 1 ? ' (npm does not keep the order of the values: check it)' : '';
      process.stderr.write(`nibiru-ts: error: npm took ${flags} for itself (it goes after --): ${correctedCommand(name!, rest, swallowed)}${guess}\n`);
      process.exit(EXIT_USAGE);
    }
  }
  watchLauncher();
  type Main = { main?(argv: readonly string[]): Promise<void> };
  const mod = (await import(url(main))) as Main & { default?: Main };
  // through tsx, a folder outside any `"type": "module"` package is CommonJS: its exports are the default
  await (mod.main ?? mod.default?.main)!(rest);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void run(process.argv.slice(2));
}

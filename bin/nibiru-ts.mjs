#!/usr/bin/env node
// `npx nibiru-ts <stage> <app> [options]` and `npm run stage`: runs `bin/stage.ts`, and the
// stage it starts, as JavaScript compiled into the cache (`compile.mjs`), in this process, so
// that the pid and the signals are the server's own and no process loads a TypeScript loader.
//
// Strategy: compile `bin/stage.ts` (a cache hit costs a hash of its source), import the copy,
// and give its `run` a `prepare` that compiles the stage's `main.ts`, the `cli.ts` files it
// checks and the application, then names the copy to import. The workers inherit what they
// need: `NIBIRU_COMPILED` (where the stage's `app.ts` finds the application's compiled copy).
// Stack traces name the `.ts` files without `--enable-source-maps`: each bundle maps its own,
// lazily (`compile-child.mjs`), which spares every process the cost of Node's.
//
// With `NIBIRU_TSX=1`, or when the cache cannot be used (one line says why; a syntax error
// says nothing here, tsx reports it as `file:line:column`), everything runs through tsx, as
// before the cache: its hooks are registered here, and `--import tsx` goes to the workers.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { appFiles, prepare } from './compile.mjs';

let tsx = process.env.NIBIRU_TSX === '1';
const STAGE_TS = fileURLToPath(new URL('./stage.ts', import.meta.url));

/** Registers tsx in this process and for the processes it forks. */
async function useTsx() {
  delete process.env.NIBIRU_COMPILED;
  const loader = import.meta.resolve('tsx');
  if (!process.execArgv.includes(loader)) {
    await import(loader);
    process.execArgv.unshift('--import', loader);
  }
  return (/** @type {string} */ file) => pathToFileURL(file).href;
}

/** @param {import('./compile.mjs').Prepared} prepared */
async function urls(prepared) {
  if (prepared.entry === undefined) {
    if (prepared.warning) process.stderr.write(`${prepared.warning}\n`);
    tsx = true;
    return useTsx();
  }
  process.env.NIBIRU_COMPILED = prepared.entry;
  return prepared.url;
}

/**
 * Why a stage folder cannot load a compiled app: its `app.ts` predates the cache (a copy made
 * before it, an older commit that `npm run bench:ab` exported) and imports the `.ts` source.
 *
 * @param {string} main the stage's `src/main.ts`
 * @param {readonly string[]} apps the `.ts` apps the command line names
 */
function appHookMissing(main, apps) {
  const appTs = path.join(path.dirname(main), 'app.ts');
  if (apps.length === 0 || !existsSync(appTs) || readFileSync(appTs, 'utf8').includes('NIBIRU_COMPILED')) return undefined;
  return `nibiru-ts: warning: ${appTs} does not load compiled apps (NIBIRU_COMPILED: it is older than the compile cache); running through tsx`;
}

/** @type {import('../bin/stage.ts').Prepare} */
async function prepareStage(files, args) {
  if (tsx) return url;
  const apps = appFiles(args, process.cwd());
  const missing = appHookMissing(files[0], apps);
  if (missing) return urls({ entry: undefined, warning: missing });
  return urls(prepare([...files, ...apps].map((f) => path.resolve(f))));
}

const url = tsx ? await useTsx() : await urls(prepare([STAGE_TS]));
const { run } = await import(url(STAGE_TS));
await run(process.argv.slice(2), prepareStage);

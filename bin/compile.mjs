// The compile cache: a stage's TypeScript, and its app's, as plain JavaScript, so that the
// server's processes run with plain `node` (no TypeScript loader in each of them).
//
// Strategy: a start that finds nothing changed since the last start from the same entries
// (every source, the compiler, esbuild and the entry's outputs the same size, mtime and ctime:
// `last-<name>.json` in the cache) uses that entry, reading no source. Otherwise a
// short-lived child (`compile-child.mjs`, the only file that loads esbuild) follows the
// relative imports from the entry files (and `new URL('./x', import.meta.url)`) with a
// regular expression, hashes the contents of every file reached, with the compiler's own
// source, esbuild's version and Node's, and looks for `<cache>/<hash>/` holding a `.complete`
// marker whose list of outputs and their hashes still matches; on a miss it compiles into a
// temporary folder and renames it into place: two starts at once both compile, one rename
// wins, and the other uses the winner's. The reading and hashing happen in the child because
// they (and `node:crypto`) would cost the server's own process about 5 MB for good (stage 02,
// Node 20: 48.7 MB without them, 53.2 MB with them).
//
// It bundles: each entry becomes ONE ES module, holding every local module it reaches (bare
// imports stay imports, found through `node_modules` links), at the entry's absolute path
// under the cache, `.ts` becoming `.js`, with a linked source map that the bundle's first
// line reads when a stack through it is formatted (not Node's `--enable-source-maps`, which
// costs every process about 4.5 MB: see `compile-child.mjs`), so stack traces name the `.ts`
// file and line. The entries are the files the caller names (`bin/stage.ts`, a stage's
// `main.ts` and `cli.ts`, the app, a reference server) and every `.ts` file that a
// `new URL('./x.ts', import.meta.url)` names (a stage's `worker.ts`). Why one file: Node pays
// for each ES module it loads, about 0.3 MB apiece. Measured on 2026-12-08, idle after one
// request, stage 02 with a one-line app: `node:http` 46.7 MB; stage 02 compiled file by file
// (17 modules) 52.2 MB; the same bundled into one file 47.1 MB.
//
// In a bundle, `fileURLToPath(import.meta.url)`, `import.meta.filename` and `.dirname` are
// each module's source's (code asking where its file is means the source: `docs/site.ts`'s
// repository root, `app.ts`'s server folder); `new URL('./x.ts', import.meta.url)` is the
// absolute URL of `x.ts`'s own bundle (a stage's worker file), and `new URL('./x.mjs', ...)`
// that of the copy of `x.mjs` (the watchdog's thread file); `new URL('./asset', import.meta.url)`
// (or `'..'`) is beside the source; any other `import.meta.url` is the URL the module's own
// compiled file would have (for an entry, its bundle's: the "am I the main module?" checks).
// A module that two bundles hold exists twice when both are loaded in one process: the apps
// share only types with the stages (checked for `docs/app.ts` and `spec/apps/`), so no value
// crosses that boundary.
//
// What it will not do: type-check (esbuild strips types: `npm run typecheck` checks them), or
// serve a stale, half-written or unreadable entry. When it cannot compile (a folder it cannot
// write, esbuild missing) it says so in one line and the caller runs through tsx; on a syntax
// error it says nothing, and tsx reports the error as `file:line:column`.

import { existsSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root (the folder holding `bin/`). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The name of the marker a complete entry holds. */
export const MARKER = '.complete';

const CHILD = path.join(ROOT, 'bin', 'compile-child.mjs');

/** Where the cache lives: `NIBIRU_CACHE_DIR`, else `node_modules/.cache/nibiru-ts/`. */
export function cacheRoot(env = process.env) {
  return env.NIBIRU_CACHE_DIR ? path.resolve(env.NIBIRU_CACHE_DIR) : path.join(ROOT, 'node_modules', '.cache', 'nibiru-ts');
}

// import/export ... from '…', import '…', import('…'), new URL('…', import.meta.url); `import type` is erased
const DEPENDENCY =
  /\b(?:import|export)\s+(?!type\b)(?:[\w*${}\s,]+?\s+from\s*)?['"]([^'"\n]+)['"]|\bimport\s*\(\s*['"]([^'"\n]+)['"]\s*\)|\bnew\s+URL\(\s*['"]([^'"\n]+)['"]\s*,\s*import\.meta\.url\s*\)/g;

/** The extensions compiled (`.ts`) or copied as they are. */
const CODE = /\.(?:ts|mts|mjs|js|cjs|json)$/;

/**
 * The file a relative specifier names from `importer`, as tsx finds it (`./x.ts`, `./x`,
 * `./x.js` for `./x.ts`, `./x/index.ts`), or undefined.
 *
 * @param {string} importer absolute path
 * @param {string} specifier e.g. `./x.ts`
 * @returns {string | undefined}
 */
export function resolveRelative(importer, specifier) {
  const base = path.resolve(path.dirname(importer), specifier.split(/[?#]/)[0]);
  const tries = [base, `${base}.ts`, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), path.join(base, 'index.ts')];
  return tries.find((f) => CODE.test(f) && existsSync(f) && statSync(f).isFile());
}

/**
 * Every local file the entries reach through relative specifiers, entries first, sorted.
 *
 * @param {readonly string[]} entries absolute paths
 * @returns {string[]}
 */
export function scan(entries) {
  const seen = new Set();
  const todo = [...entries];
  while (todo.length > 0) {
    const file = /** @type {string} */ (todo.pop());
    if (seen.has(file)) continue;
    seen.add(file);
    if (file.endsWith('.json')) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(DEPENDENCY)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec || !/^\.\.?\//.test(spec)) continue;
      const target = resolveRelative(file, spec);
      if (target !== undefined && !seen.has(target)) todo.push(target);
    }
  }
  return [...seen].sort();
}

// new URL('./x.ts', import.meta.url): a file that becomes a bundle of its own
const URL_TS = /\bnew\s+URL\(\s*['"](\.\.?\/[^'"\n]+)['"]\s*,\s*import\.meta\.url\s*\)/g;

/**
 * The files that become bundles: `entries`, and every `.ts` file that one of `files` names
 * with `new URL('./x.ts', import.meta.url)` (a stage's worker), sorted.
 *
 * @param {readonly string[]} entries absolute paths
 * @param {readonly string[]} files what {@link scan} found from them
 * @returns {string[]}
 */
export function entryPoints(entries, files) {
  const points = new Set(entries);
  for (const file of files) {
    if (!/\.(?:m?ts|m?js)$/.test(file)) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(URL_TS)) {
      const target = resolveRelative(file, m[1]);
      if (target !== undefined && /\.m?ts$/.test(target)) points.add(target);
    }
  }
  return [...points].sort();
}

/** The version of the esbuild that `compile-child.mjs` loads, read without loading it. */
function esbuildVersion() {
  try {
    return JSON.parse(readFileSync(createRequire(CHILD).resolve('esbuild/package.json'), 'utf8')).version;
  } catch {
    return 'none';
  }
}

/**
 * The key of an entry: the hash of the files' paths and contents, the compiler's own source,
 * esbuild's version and Node's.
 *
 * @param {readonly string[]} files
 * @returns {string}
 */
export function cacheKey(files) {
  const hash = createRequire(import.meta.url)('node:crypto').createHash('sha256');
  hash.update(`nibiru-ts compile\0${process.version}\0${esbuildVersion()}\0`);
  for (const own of [fileURLToPath(import.meta.url), CHILD]) hash.update(readFileSync(own)).update('\0');
  for (const file of files) hash.update(file).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 24);
}

/**
 * Where `file` (an absolute path) is compiled to under an entry.
 *
 * @param {string} entry
 * @param {string} file
 */
export function compiledPath(entry, file) {
  return path.join(entry, file.replace(/\.m?ts$/, (ext) => (ext === '.mts' ? '.mjs' : '.js')));
}

/**
 * The hash of an entry's outputs, as its marker records them.
 *
 * @param {string} entry
 * @param {readonly string[]} outputs paths relative to the entry
 */
export function outputsHash(entry, outputs) {
  const hash = createRequire(import.meta.url)('node:crypto').createHash('sha256');
  for (const out of outputs) hash.update(out).update('\0').update(readFileSync(path.join(entry, out))).update('\0');
  return hash.digest('hex');
}

/**
 * Whether `entry` is complete: its marker is there, names `key`, and every output it lists
 * still has the content it had when it was written.
 *
 * @param {string} entry
 * @param {string} key
 */
export function isComplete(entry, key) {
  try {
    const marker = JSON.parse(readFileSync(path.join(entry, MARKER), 'utf8'));
    return marker.key === key && Array.isArray(marker.outputs) && outputsHash(entry, marker.outputs) === marker.hash;
  } catch {
    return false;
  }
}

/** @param {string} entry a complete entry, in use: the pruning keeps it */
export function touch(entry) {
  try {
    const now = new Date();
    utimesSync(path.join(entry, MARKER), now, now);
  } catch {
    // a cache that cannot be written can still be read
  }
}

/**
 * What a start from `entries` depends on, as `[path, size, mtime, ctime]`: the sources, the
 * compiler's own files and esbuild's `package.json`, and the entry's outputs.
 *
 * @param {readonly string[]} files
 * @param {string} entry
 * @param {readonly string[]} outputs relative to the entry
 */
function stamps(files, entry, outputs) {
  let esbuild = '';
  try {
    esbuild = createRequire(CHILD).resolve('esbuild/package.json');
  } catch {
    // no esbuild: nothing to stamp
  }
  return [...files, fileURLToPath(import.meta.url), CHILD, esbuild, ...outputs.map((o) => path.join(entry, o))].map((f) => {
    if (f === '') return [f];
    const st = statSync(f);
    return [f, st.size, st.mtimeMs, st.ctimeMs];
  });
}

/**
 * Where the last start from `entries` is remembered: a name from their paths.
 *
 * @param {string} root
 * @param {readonly string[]} entries
 */
function lastStartFile(root, entries) {
  let h = 0x811c9dc5;
  const text = entries.join('\0');
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return path.join(root, `last-${(h >>> 0).toString(16).padStart(8, '0')}.json`);
}

/**
 * The entry the last start from `entries` used, when no file it was built from, and none of
 * its outputs, has changed since (same size, mtime and ctime), and its marker is there; else
 * undefined, and {@link prepare} reads and hashes the sources. A start that hits reads no
 * source and loads no hash: that work costs a server's process about 5 MB (stage 02, Node 20:
 * 48.7 MB without it, 53.2 MB with it).
 *
 * @param {string} root
 * @param {readonly string[]} entries
 * @returns {string | undefined}
 */
function lastStart(root, entries) {
  try {
    const last = JSON.parse(readFileSync(lastStartFile(root, entries), 'utf8'));
    if (last.node !== process.version || JSON.stringify(last.entries) !== JSON.stringify(entries)) return undefined;
    if (!existsSync(path.join(last.entry, MARKER))) return undefined;
    return JSON.stringify(stamps(last.files, last.entry, last.outputs)) === JSON.stringify(last.stamps) ? last.entry : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Remembers that `entries` start from `entry` (see {@link lastStart}), written aside and
 * renamed into place, so that a start at the same moment reads all of it or none.
 *
 * @param {string} root
 * @param {readonly string[]} entries
 * @param {readonly string[]} files
 * @param {string} entry complete
 */
export function rememberStart(root, entries, files, entry) {
  const file = lastStartFile(root, entries);
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const outputs = JSON.parse(readFileSync(path.join(entry, MARKER), 'utf8')).outputs;
    writeFileSync(tmp, JSON.stringify({ node: process.version, entries, entry, files, outputs, stamps: stamps(files, entry, outputs) }));
    renameSync(tmp, file);
  } catch {
    // a cache that cannot be written: the next start reads and hashes the sources again
    rmSync(tmp, { force: true });
  }
}

/**
 * @typedef {{ entry: string, url: (file: string) => string } | { entry: undefined, warning: string | undefined }} Prepared
 * An entry to import from, or why there is none: a warning to print, or none when tsx will
 * report the problem itself (a syntax error).
 */

/**
 * Makes sure the files the entries reach are compiled, compiling them in a child on a miss.
 *
 * @param {readonly string[]} entries absolute paths of `.ts` files
 * @param {{ root?: string }} [options]
 * @returns {Prepared}
 */
export function prepare(entries, options = {}) {
  const root = options.root ?? cacheRoot();
  const urlIn = (/** @type {string} */ entry) => (/** @type {string} */ file) => pathToFileURL(compiledPath(entry, file)).href;
  const known = lastStart(root, entries);
  if (known !== undefined) {
    touch(known);
    return { entry: known, url: urlIn(known) };
  }
  // the sources read and hashed in the child, like the compiling: that work, and
  // node:crypto, would cost this process about 5 MB for good; node:child_process about 2 MB
  const { spawnSync } = createRequire(import.meta.url)('node:child_process');
  const r = spawnSync(process.execPath, [CHILD], { input: JSON.stringify({ entries, root }), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  let answer;
  try {
    answer = JSON.parse(r.stdout);
  } catch {
    answer = { kind: 'failed', message: (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n')[0] };
  }
  if (answer.kind === 'ok' && typeof answer.entry === 'string') return { entry: answer.entry, url: urlIn(answer.entry) };
  if (answer.kind === 'syntax') return { entry: undefined, warning: undefined };
  return { entry: undefined, warning: `nibiru-ts: warning: ${answer.message ?? 'the compiled copy is incomplete'}; running through tsx (slower to start, heavier)` };
}

/**
 * The application files a command line may name (`module.path[:callable]` resolving to a
 * `.ts` file from `cwd`): each argument that does is compiled with the stage.
 *
 * @param {readonly string[]} args
 * @param {string} cwd
 * @returns {string[]}
 */
export function appFiles(args, cwd) {
  const files = [];
  for (const arg of args) {
    const m = /^([A-Za-z_$][\w$-]*(?:\.[A-Za-z_$][\w$-]*)*)(?::[A-Za-z_$][\w$]*)?$/.exec(arg);
    if (!m) continue;
    const file = `${path.resolve(cwd, ...m[1].split('.'))}.ts`;
    if (existsSync(file)) files.push(file);
  }
  return files;
}

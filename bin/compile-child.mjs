// The short-lived child that compiles: `compile.mjs` runs it when a start is not the same as
// the last one, so that esbuild (about 25 MB once loaded), and the reading and hashing of the
// sources, are never paid for by a server's own processes.
//
// Strategy: read `{ entries, root }` on stdin; find the files they reach and their key
// (`compile.mjs`), and answer at once when that entry is complete; else bundle each entry
// with esbuild into one ES module (the local modules it reaches go in, bare imports stay imports), each at its
// source's absolute path under a temporary folder beside the entry, with a linked source map
// whose sources are the `.ts` files, and a first line that maps stack traces through it
// ({@link installSourceMaps}); every source goes through {@link rewriteMeta} first, so that
// `import.meta` keeps meaning each module's source (see `compile.mjs`). Copy the files
// that are not `.ts` (`.mjs`, `.js`, `.json`: a `new URL('./x.mjs', import.meta.url)` loads the
// copy); link each `node_modules` the sources would find walking up, so that bare imports
// resolve as they do from the source; write a `package.json` saying the `.js` files are
// modules, then the marker (the outputs and their hash), and rename the folder into place.
// Answer one JSON object on stdout: `{ kind: 'ok', entry } | { kind: 'syntax' | 'failed', message }`.
//
// What it will not do: split code shared by two bundles into a chunk of their own (a shared
// chunk is one more module to load, in processes that mostly load one bundle), or overwrite a
// complete entry another start put in place first.

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cacheKey, compiledPath, entryPoints, isComplete, MARKER, outputsHash, rememberStart, resolveRelative, scan, touch } from './compile.mjs';

/** How many entries the cache keeps, at least; older ones go once a day has passed. */
const KEEP = 30;
const DAY_MS = 24 * 3600_000;

/** @param {{ kind: string, message?: string }} answer */
function answer(answer) {
  process.stdout.write(JSON.stringify(answer));
  process.exit(0);
}

/**
 * The source as esbuild is given it, with its `import.meta` uses pointed where they mean
 * (see `compile.mjs`); lines keep their number.
 *
 * @param {string} src
 * @param {string} file the source's absolute path
 * @param {string} entry the cache entry's final folder
 */
function rewriteMeta(src, file, entry) {
  const sourceUrl = JSON.stringify(pathToFileURL(file).href);
  const compiledUrl = (/** @type {string} */ f) => JSON.stringify(pathToFileURL(compiledPath(entry, f)).href);
  return src
    .replace(/\bnew\s+URL\(\s*(['"])(\.\.?(?:\/[^'"\n]*)?)\1\s*,\s*import\.meta\.url\s*\)/g, (all, q, rel) => {
      if (/\.(?:m?ts|mjs|js|cjs|json)$/.test(rel)) {
        const target = resolveRelative(file, rel);
        if (target !== undefined) return `new URL(${compiledUrl(target)})`;
      }
      return `new URL(${q}${rel}${q}, ${sourceUrl})`;
    })
    .replace(/\bfileURLToPath\(\s*import\.meta\.url\s*\)|\bimport\.meta\.filename\b/g, JSON.stringify(file))
    .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(path.dirname(file)))
    .replace(/\bimport\.meta\.url\b/g, compiledUrl(file));
}

/**
 * Maps the stack traces of the bundles under `root` to their `.ts` sources, lazily: installed
 * by each bundle's first line (its text is the banner, see {@link banner}), it reads a
 * bundle's source map only when a stack through that bundle is first formatted. Node's own
 * `--enable-source-maps` reads every map as its module loads, and that costs about 4.5 MB in
 * a process that loads a bundle (Node 20: 47.2 MB against 42.8 MB for a 120 KB module of junk
 * code, the same with a one-line map), whether or not a stack is ever formatted. Where Node's
 * are on all the same (`--enable-source-maps`), Node maps, and this is not installed.
 *
 * @param {string} root the cache's folder, as a `file:` URL ending in `/`
 * @param {typeof import('node:module').SourceMap} SourceMap
 * @param {typeof import('node:fs').readFileSync} readFileSync
 * @param {typeof import('node:url').fileURLToPath} fileURLToPath
 */
function installSourceMaps(root, SourceMap, readFileSync, fileURLToPath) {
  const key = Symbol.for('nibiru-ts.sourceMaps');
  if (globalThis[key] || process.sourceMapsEnabled) return;
  globalThis[key] = true;
  /** @type {Map<string, InstanceType<typeof SourceMap> | null>} */
  const maps = new Map();
  const mapOf = (/** @type {string} */ url) => {
    if (!maps.has(url)) {
      try {
        maps.set(url, new SourceMap(JSON.parse(readFileSync(new URL(`${url}.map`), 'utf8'))));
      } catch {
        maps.set(url, null);
      }
    }
    return maps.get(url);
  };
  /** @param {import('node:module').CallSite | any} site */
  const frame = (site) => {
    const text = String(site);
    const url = site.getFileName?.();
    const line = site.getLineNumber?.();
    const column = site.getColumnNumber?.();
    if (typeof url !== 'string' || !url.startsWith(root) || !line || !column) return text;
    const entry = mapOf(url)?.findEntry(line - 1, column - 1);
    if (!entry?.originalSource) return text;
    const at = `${url}:${line}:${column}`;
    const i = text.lastIndexOf(at);
    if (i === -1) return text;
    const source = fileURLToPath(new URL(entry.originalSource, url));
    return `${text.slice(0, i)}${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}${text.slice(i + at.length)}`;
  };
  Error.prepareStackTrace = (error, sites) => {
    let head;
    try {
      head = Error.prototype.toString.call(error);
    } catch {
      head = '<error>';
    }
    return head + sites.map((site) => `\n    at ${frame(site)}`).join('');
  };
}

/**
 * The first line of every bundle: {@link installSourceMaps}, with what it needs.
 *
 * @param {string} root the cache's folder
 */
function banner(root) {
  const rootUrl = pathToFileURL(path.join(root, '/')).href;
  return (
    "import { SourceMap as __nibiruSourceMap } from 'node:module'; import { readFileSync as __nibiruRead } from 'node:fs'; " +
    "import { fileURLToPath as __nibiruPath } from 'node:url'; " +
    `(${installSourceMaps.toString().replace(/\s*\n\s*/g, ' ')})(${JSON.stringify(rootUrl)}, __nibiruSourceMap, __nibiruRead, __nibiruPath);`
  );
}

/** Every file (not link) under `dir`, relative to it, sorted. */
function listFiles(dir, prefix = '') {
  const out = [];
  for (const d of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = path.join(prefix, d.name);
    if (d.isDirectory()) out.push(...listFiles(dir, rel));
    else if (d.isFile() && rel !== MARKER) out.push(rel);
  }
  return out.sort();
}

/** Removes entries beyond the newest {@link KEEP} that are a day old, and old leftovers. */
function prune(root) {
  const now = Date.now();
  const entries = [];
  for (const name of readdirSync(root)) {
    const dir = path.join(root, name);
    try {
      if (/^[0-9a-f]{24}$/.test(name)) entries.push({ dir, at: statSync(existsSync(path.join(dir, MARKER)) ? path.join(dir, MARKER) : dir).mtimeMs });
      else if (/\.(?:tmp|stale)-/.test(name) && now - statSync(dir).mtimeMs > 3600_000) rmSync(dir, { recursive: true, force: true });
    } catch {
      // another start removed it first
    }
  }
  entries.sort((a, b) => b.at - a.at);
  for (const e of entries.slice(KEEP)) if (now - e.at > DAY_MS) rmSync(e.dir, { recursive: true, force: true });
}

const { entries: asked, root } = JSON.parse(readFileSync(0, 'utf8'));
const files = scan(asked);
const key = cacheKey(files);
const entry = path.join(root, key);
if (isComplete(entry, key)) {
  touch(entry);
  rememberStart(root, asked, files, entry);
  answer({ kind: 'ok', entry });
}
const entries = entryPoints(asked, files);
const known = new Set(files);
let esbuild;
try {
  esbuild = await import('esbuild');
} catch (err) {
  answer({ kind: 'failed', message: `esbuild cannot be loaded (${err.code ?? err.message})` });
}
let tmp;
try {
  mkdirSync(root, { recursive: true });
  tmp = mkdtempSync(path.join(root, `${key}.tmp-`));
} catch (err) {
  answer({ kind: 'failed', message: `cannot write the compile cache in ${root} (${err.code ?? err.message})` });
}

/** @type {import('esbuild').Plugin} */
const rewrite = {
  name: 'nibiru-ts-bundle',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (!/^\.\.?\//.test(args.path)) return { path: args.path, external: true };
      const target = resolveRelative(args.importer, args.path);
      if (target === undefined) return undefined; // esbuild says where: a syntax-like error
      if (!known.has(target)) return { errors: [{ text: `${args.path}: missed by the scan of ${args.importer}` }] };
      return { path: target };
    });
    build.onLoad({ filter: /\.(?:m?ts|m?js)$/ }, (args) => ({
      contents: rewriteMeta(readFileSync(args.path, 'utf8'), args.path, entry),
      loader: /\.m?ts$/.test(args.path) ? 'ts' : 'js',
    }));
  },
};

try {
  await esbuild.build({
    entryPoints: entries.filter((/** @type {string} */ f) => /\.m?ts$/.test(f)),
    outdir: tmp,
    outbase: '/',
    outExtension: { '.js': '.js' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    sourcemap: 'linked',
    banner: { js: banner(root) },
    sourcesContent: false,
    keepNames: true,
    logLevel: 'silent',
    plugins: [rewrite],
  });
} catch (err) {
  rmSync(tmp, { recursive: true, force: true });
  const first = err.errors?.[0];
  if (first?.location) {
    const { file, line, column } = first.location;
    answer({ kind: 'syntax', message: `${file}:${line}:${column}: ${first.text}` });
  }
  answer({ kind: 'failed', message: `cannot compile: ${first?.text ?? err.message}` });
}

try {
  const links = new Set();
  for (const file of files) {
    if (!/\.m?ts$/.test(file)) {
      mkdirSync(path.dirname(path.join(tmp, file)), { recursive: true });
      copyFileSync(file, path.join(tmp, file));
    }
    for (let dir = path.dirname(file); !links.has(dir); dir = path.dirname(dir)) {
      links.add(dir);
      if (existsSync(path.join(dir, 'node_modules'))) {
        mkdirSync(path.join(tmp, dir), { recursive: true });
        symlinkSync(path.join(dir, 'node_modules'), path.join(tmp, dir, 'node_modules'), 'dir');
      }
      if (dir === path.dirname(dir)) break;
    }
  }
  writeFileSync(path.join(tmp, 'package.json'), '{ "type": "module", "private": true }\n');
  const outputs = listFiles(tmp);
  writeFileSync(path.join(tmp, MARKER), JSON.stringify({ key, outputs, hash: outputsHash(tmp, outputs) }));
} catch (err) {
  rmSync(tmp, { recursive: true, force: true });
  answer({ kind: 'failed', message: `cannot write the compile cache in ${root} (${err.code ?? err.message})` });
}

try {
  renameSync(tmp, entry);
} catch {
  if (!isComplete(entry, key)) {
    // an entry without its marker, or with outputs changed since: set it aside, then ours goes in
    const aside = `${entry}.stale-${process.pid}`;
    try {
      renameSync(entry, aside);
      rmSync(aside, { recursive: true, force: true });
    } catch {
      // another start moved it first
    }
    try {
      renameSync(tmp, entry);
    } catch {
      // another start's went in first
    }
  }
  rmSync(tmp, { recursive: true, force: true });
}
try {
  prune(root);
} catch {
  // pruning is housekeeping: the entry is in place
}
if (!isComplete(entry, key)) answer({ kind: 'failed', message: `the compile cache entry ${entry} is incomplete` });
rememberStart(root, asked, files, entry);
answer({ kind: 'ok', entry });

/**
 * The docs site that `docs.app:app` serves besides `/`: the workshop guide, the API site,
 * the bench charts and the project's source files, all through the application interface.
 *
 * Strategy: one function per mount point, each mapping a decoded `PATH_INFO` to bytes.
 *
 * | route | what |
 * | --- | --- |
 * | `/docs/` | the workshop guide: `docs/guide/*.md` and `docs/{wsgi,conformance,performance}.md`, rendered with `marked`, with a navigation of chapters |
 * | `/api/` | the TypeDoc site built by `npm run docs` into `docs/api/` (a 404 page says how to build it) |
 * | `/bench/` | the charts of `bench/results/`: the reference runs the documents cite, and your own runs |
 * | `/files/` | the repository's sources (`stages/`, `spec/`, `docs/`, `bench/`, `bin/`, `scripts/`), so the guide can link to the code it tours; markdown is rendered |
| `/playground/` | the parser playground: `docs/playground/playground.html` in the site's layout, and its bundled module and style sheet (built ahead by `npm run playground`) |
 *
 * Every response carries a strong `ETag` and `Last-Modified` and honours `If-None-Match` /
 * `If-Modified-Since` (`static-files.ts`); every path goes through the same traversal checks,
 * and each route is confined to the real path of its own folder (`docs/guide/` for chapters,
 * `docs/` for the reference pages, `docs/api/`, `bench/results/`, and for `/files/` the source
 * folder the path starts with): a symbolic link that leads out of it, dangles or loops, or
 * names something that is neither a file nor a folder, is a 404, and listings leave it out.
 *
 * What it will not do: write anything, run a build, or serve outside those folders.
 *
 * @module docs-site
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Environ, HeaderList, StartResponse } from '../stages/01-request-line/src/app.ts';
import { escapeHtml, REFERENCE_PAGES, renderMarkdown, routeFor } from './markdown.ts';
import { isMissingFileError, PathRefused, resolveInside, safeSegments, sendBytes, sendFile, type Resolved } from './static-files.ts';

/**
 * The folder the site serves from: the repository root (the folder holding `docs/`), or the
 * folder `NIBIRU_DOCS_ROOT` names, read once at start-up. The specs point it at a temporary
 * copy of the served folders, to plant what must not be served there.
 */
export const REPO_ROOT = process.env.NIBIRU_DOCS_ROOT
  ? path.resolve(process.env.NIBIRU_DOCS_ROOT)
  : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The mount points this module serves. */
export const MOUNTS: readonly string[] = ['/docs', '/api', '/bench', '/files', '/playground'];

/** The top-level repository entries `/files/` may serve. */
export const SOURCE_ROOTS: readonly string[] = ['stages', 'spec', 'harness', 'docs', 'bench', 'bin', 'scripts', 'README.md', 'CHANGELOG.md'];

const HTML = 'text/html; charset=utf-8';

/** Whether `pathInfo` belongs to the site (one of {@link MOUNTS}, or below it). */
export function isSitePath(pathInfo: string): boolean {
  return MOUNTS.some((m) => pathInfo === m || pathInfo.startsWith(m + '/'));
}

/** One entry of the guide's navigation. */
export interface NavEntry {
  /** The route, e.g. `/docs/01-request-line.html`. */
  readonly href: string;
  /** The page's title (its first heading). */
  readonly title: string;
  /** The markdown file, relative to the repository root. */
  readonly file: string;
  /** The markdown file's real path, the one the page is read from. */
  readonly source: string;
}

function firstHeading(file: string, fallback: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (isMissingFileError(err)) return fallback; // gone since it was listed: its page will say 404
    throw err;
  }
  const m = /^#\s+(.+)$/m.exec(text);
  return (m ? m[1]! : fallback).replace(/`/g, '').trim();
}

/** The regular file `name` in `folder`, as {@link resolveInside} finds it, or undefined. */
function fileIn(folder: string, name: string): Resolved | undefined {
  const found = resolveInside(folder, [name]);
  return found?.kind === 'file' ? found : undefined;
}

/** The names in `folder`, or none when it is not a folder the site may read. */
function namesIn(folder: string): string[] {
  const found = resolveInside(folder, []);
  return found?.kind === 'directory' ? readdirSync(found.path).sort() : [];
}

/** The guide's navigation, in two lists. */
export interface GuideNav {
  /** The index, then the chapters in order. */
  readonly chapters: NavEntry[];
  /** The reference pages that exist (`docs/wsgi.md`, …). */
  readonly reference: NavEntry[];
}

/**
 * The guide's navigation, from the files that exist: the index, the chapters
 * (`docs/guide/NN-*.md`, in order), then the reference pages (`docs/*.md`). Only regular files
 * inside their own folder count (see {@link resolveInside}): a chapter that is a link out of
 * `docs/guide/`, a dangling link or a folder is left out, as its page is a 404.
 */
export function guideNav(root: string = REPO_ROOT): GuideNav {
  const guideDir = path.join(root, 'docs', 'guide');
  const chapters: NavEntry[] = [];
  const index = fileIn(guideDir, 'README.md');
  if (index !== undefined) {
    chapters.push({ href: '/docs/', title: firstHeading(index.path, 'The workshop'), file: 'docs/guide/README.md', source: index.path });
  }
  for (const name of namesIn(guideDir).filter((n) => /^\d\d-[\w-]+\.md$/.test(n))) {
    const found = fileIn(guideDir, name);
    if (found === undefined) continue;
    const file = `docs/guide/${name}`;
    chapters.push({ href: routeFor(file), title: firstHeading(found.path, name), file, source: found.path });
  }
  const reference: NavEntry[] = [];
  for (const n of REFERENCE_PAGES) {
    const found = fileIn(path.join(root, 'docs'), `${n}.md`);
    if (found === undefined) continue;
    const file = `docs/${n}.md`;
    reference.push({ href: routeFor(file), title: firstHeading(found.path, n), file, source: found.path });
  }
  return { chapters, reference };
}

const STYLE = `
:root { color-scheme: light dark; --fg: #1d232b; --bg: #fdfdfc; --muted: #5b6673; --accent: #7a3cd6; --code: #f2f0f7; --line: #dcd8e4; }
@media (prefers-color-scheme: dark) { :root { --fg: #e7e5ec; --bg: #17151c; --muted: #a29db0; --accent: #c3a2ff; --code: #24212c; --line: #37323f; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.6 system-ui, sans-serif; color: var(--fg); background: var(--bg); display: grid; grid-template-columns: 17rem 1fr; min-height: 100vh; }
nav { border-right: 1px solid var(--line); padding: 1.25rem 1rem; font-size: 0.92rem; }
nav .brand { font-weight: 700; font-size: 1.1rem; display: block; margin-bottom: 1rem; color: var(--fg); text-decoration: none; }
nav h2 { font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.08em; color: var(--muted); margin: 1.25rem 0 0.4rem; }
nav ol, nav ul { list-style: none; padding: 0; margin: 0; }
nav li a { display: block; padding: 0.2rem 0.5rem; border-radius: 4px; color: var(--fg); text-decoration: none; }
nav li a[aria-current="page"] { background: var(--code); color: var(--accent); font-weight: 600; }
nav li a:hover { text-decoration: underline; }
main { padding: 1.5rem 2.5rem 4rem; max-width: 56rem; overflow-wrap: anywhere; }
a { color: var(--accent); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.88em; background: var(--code); border-radius: 4px; }
code { padding: 0.1em 0.3em; }
pre { padding: 0.8rem 1rem; overflow-x: auto; line-height: 1.45; }
pre code { padding: 0; background: none; }
table { border-collapse: collapse; margin: 1rem 0; display: block; overflow-x: auto; }
th, td { border: 1px solid var(--line); padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
blockquote { margin: 1rem 0; padding: 0.2rem 1rem; border-left: 4px solid var(--accent); background: var(--code); }
details { margin: 0.5rem 0 1rem; } summary { cursor: pointer; color: var(--muted); }
.pager { display: flex; justify-content: space-between; margin-top: 3rem; border-top: 1px solid var(--line); padding-top: 1rem; }
figure { margin: 1.5rem 0; } figure img { max-width: 100%; background: #fff; border: 1px solid var(--line); }
@media (max-width: 48rem) { body { display: block; } nav { border-right: 0; border-bottom: 1px solid var(--line); } main { padding: 1rem; } }
`;

/**
 * Wraps `bodyHtml` in the site's page: the navigation (with `current` marked) and, for a
 * guide page, links to the previous and next chapter.
 */
export function layout(title: string, bodyHtml: string, current: string, root: string = REPO_ROOT): string {
  const { chapters, reference } = guideNav(root);
  const item = (e: { href: string; title: string }): string =>
    `<li><a href="${escapeHtml(e.href)}"${e.href === current ? ' aria-current="page"' : ''}>${escapeHtml(e.title)}</a></li>`;
  const site = [
    { href: '/api/', title: 'API reference (TypeDoc)' },
    { href: '/bench/', title: 'Bench charts' },
    { href: '/playground/', title: 'Parser playground' },
  ];
  const at = chapters.findIndex((c) => c.href === current);
  const prev = at > 0 ? chapters[at - 1] : undefined;
  const next = at >= 0 ? chapters[at + 1] : undefined;
  const pager =
    at >= 0
      ? `<div class="pager"><span>${prev ? `← <a rel="prev" href="${escapeHtml(prev.href)}">${escapeHtml(prev.title)}</a>` : ''}</span>` +
        `<span>${next ? `<a rel="next" href="${escapeHtml(next.href)}">${escapeHtml(next.title)}</a> →` : ''}</span></div>`
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · nibiru-ts</title>
<style>${STYLE}</style>
</head>
<body>
<nav aria-label="Chapters">
<a class="brand" href="/docs/">nibiru-ts workshop</a>
<h2>Guide</h2>
<ol>${chapters.map(item).join('')}</ol>
${reference.length ? `<h2>Reference</h2>\n<ul>${reference.map(item).join('')}</ul>` : ''}
<h2>Site</h2>
<ul>${site.map(item).join('')}</ul>
</nav>
<main>
${bodyHtml}
${pager}
</main>
</body>
</html>
`;
}

function htmlPage(environ: Environ, start: StartResponse, html: string, lastModified: Date): Buffer[] {
  return sendBytes(environ, start, Buffer.from(html), HTML, lastModified);
}

function errorPage(start: StartResponse, status: string, message: string, current = ''): Buffer[] {
  const html = layout(status, `<h1>${escapeHtml(status)}</h1>\n<p>${message}</p>`, current);
  start(status, [['Content-Type', HTML], ['Cache-Control', 'no-store']]);
  return [Buffer.from(html)];
}

function redirect(start: StartResponse, location: string): Buffer[] {
  start('301 Moved Permanently', [['Location', location], ['Content-Type', HTML]]);
  return [Buffer.from(`<!doctype html><title>Moved</title><p>Moved to <a href="${escapeHtml(location)}">${escapeHtml(location)}</a>.</p>\n`)];
}

function latest(files: readonly string[]): Date {
  const ms = Math.max(...files.map((f) => statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? -Infinity));
  return new Date(Number.isFinite(ms) ? ms : Date.now());
}

/**
 * Renders a markdown file as a page of the site: `source` is its real path (what
 * {@link resolveInside} found), `repoPath` the path it was asked by, which its relative links
 * are resolved against.
 */
function markdownPage(environ: Environ, start: StartResponse, source: string, repoPath: string, current: string): Buffer[] {
  const page = renderMarkdown(readFileSync(source, 'utf8'), repoPath);
  const { chapters, reference } = guideNav();
  const deps = [source, ...[...chapters, ...reference].map((e) => e.source)];
  return htmlPage(environ, start, layout(page.title, page.html, current), latest(deps));
}

function guide(environ: Environ, start: StartResponse, rest: string): Buffer[] {
  const guideDir = path.join(REPO_ROOT, 'docs', 'guide');
  if (rest === '' || rest === '/' || rest === '/index.html') {
    const index = fileIn(guideDir, 'README.md');
    if (index === undefined) {
      return errorPage(start, '404 Not Found', 'The guide has no index yet (<code>docs/guide/README.md</code>).');
    }
    return markdownPage(environ, start, index.path, 'docs/guide/README.md', '/docs/');
  }
  const [name, ...more] = safeSegments(rest);
  const m = more.length === 0 && name !== undefined ? /^([\w-]+)\.(html|md)$/.exec(name) : null;
  if (m && m[1] !== 'README') {
    // a chapter lives in docs/guide/, a reference page in docs/: each is confined to its own folder
    const candidates: Array<[string, string]> = [[guideDir, `docs/guide/${m[1]}.md`]];
    if (REFERENCE_PAGES.includes(m[1]!)) candidates.push([path.join(REPO_ROOT, 'docs'), `docs/${m[1]}.md`]);
    for (const [folder, repoPath] of candidates) {
      const found = fileIn(folder, `${m[1]}.md`);
      if (found === undefined) continue;
      const route = routeFor(repoPath);
      if (m[2] === 'md') return redirect(start, route);
      return markdownPage(environ, start, found.path, repoPath, route);
    }
  }
  return errorPage(start, '404 Not Found', `No guide page at <code>${escapeHtml(environ.PATH_INFO)}</code>. The chapters are listed on the left.`);
}

/** Serves a file below `root`, mapping a directory to its `index.html` (with a trailing `/`). */
function staticTree(environ: Environ, start: StartResponse, root: string, mount: string, rest: string): Buffer[] | undefined {
  const segments = safeSegments(rest);
  const found = resolveInside(root, segments);
  if (found === undefined) return undefined;
  if (found.kind === 'directory') {
    const index = resolveInside(root, [...segments, 'index.html']);
    if (index?.kind !== 'file') return undefined;
    if (!environ.PATH_INFO.endsWith('/')) return redirect(start, encodeURI(`${mount}/${segments.join('/')}/`.replace(/\/+/g, '/')));
    return sendFile(environ, start, index.path);
  }
  return sendFile(environ, start, found.path);
}

function api(environ: Environ, start: StartResponse, rest: string): Buffer[] {
  const root = path.join(REPO_ROOT, 'docs', 'api');
  if (rest === '') return redirect(start, '/api/');
  if (fileIn(root, 'index.html') === undefined) {
    return errorPage(
      start,
      '404 Not Found',
      'The API site has not been built yet. Build it with <code>npm run docs</code> (TypeDoc writes it to <code>docs/api/</code>), then reload.',
      '/api/',
    );
  }
  return staticTree(environ, start, root, '/api', rest) ?? errorPage(start, '404 Not Found', 'No such page in the API site.', '/api/');
}

function bench(environ: Environ, start: StartResponse, rest: string): Buffer[] {
  const root = path.join(REPO_ROOT, 'bench', 'results');
  if (rest === '') return redirect(start, '/bench/');
  if (rest === '/' || rest === '/index.html') {
    // reference/: the committed runs the documents cite; local/: this checkout's own runs (git-ignored).
    // Only regular files that resolve inside their own folder are listed (symlinks out, dangling: no).
    const list = (dir: string): Array<{ name: string; source: string }> =>
      namesIn(path.join(root, dir))
        .filter((n) => !n.startsWith('.'))
        .flatMap((n) => {
          const found = fileIn(path.join(root, dir), n);
          return found === undefined ? [] : [{ name: n, source: found.path }];
        });
    const section = (dir: string, title: string, intro: string, empty: string): string => {
      const names = list(dir).map((r) => r.name);
      const charts = names.filter((n) => /\.(svg|png)$/.test(n));
      const others = names.filter((n) => !/\.(svg|png)$/.test(n));
      const href = (n: string): string => `/bench/${dir}/${encodeURIComponent(n)}`;
      return [
        `<h2>${title}</h2>`,
        `<p>${intro}</p>`,
        charts.length === 0 ? `<p>${empty}</p>` : '',
        ...charts.map((n) => `<figure><img src="${href(n)}" alt="${escapeHtml(n)}"><figcaption><code>${escapeHtml(n)}</code></figcaption></figure>`),
        others.length ? `<p>Data: ${others.map((n) => `<a href="${href(n)}">${escapeHtml(n)}</a>`).join(', ')}</p>` : '',
      ].join('\n');
    };
    const body = [
      '<h1>Bench charts</h1>',
      '<p>How the benchmarks measure, and what the figures mean, is in <a href="/docs/performance.html">the performance page</a>. Every chart shows each round, not just the median.</p>',
      section('reference', 'Reference runs', 'The runs the documents cite (<code>bench/results/reference/</code>; <code>npm run bench:reference</code> makes them again).', 'No reference runs in this checkout.'),
      section('local', 'Your runs', 'What the benchmarks wrote in this checkout (<code>bench/results/local/</code>, which git ignores).', 'None yet: <code>npm run bench:compare</code> draws them.'),
    ].join('\n');
    const files = ['reference', 'local'].flatMap((d) => list(d).map((r) => r.source));
    return htmlPage(environ, start, layout('Bench charts', body, '/bench/'), latest([root, ...files]));
  }
  return staticTree(environ, start, root, '/bench', rest) ?? errorPage(start, '404 Not Found', 'No such result.', '/bench/');
}

/**
 * The source root `name` (one of {@link SOURCE_ROOTS}) when the site may serve it: a file or a
 * folder at the top of the repository that is itself, not a link to something else.
 */
function sourceRoot(name: string): Resolved | undefined {
  if (!SOURCE_ROOTS.includes(name)) return undefined;
  const found = resolveInside(REPO_ROOT, [name]);
  return found !== undefined && found.segments.length === 1 && found.segments[0] === name ? found : undefined;
}

function files(environ: Environ, start: StartResponse, rest: string): Buffer[] {
  const segments = safeSegments(rest);
  const notFound = (): Buffer[] => errorPage(start, '404 Not Found', `No file at <code>${escapeHtml(environ.PATH_INFO)}</code>.`);
  if (segments.length === 0) {
    const entries = SOURCE_ROOTS.flatMap((n) => {
      const found = sourceRoot(n);
      if (found === undefined) return [];
      const dir = found.kind === 'directory';
      return [`<li><a href="/files/${encodeURIComponent(n)}${dir ? '/' : ''}"><code>${escapeHtml(n)}${dir ? '/' : ''}</code></a></li>`];
    });
    const body = `<h1>The sources</h1>\n<p>The folders of the repository this site may show.</p>\n<ul>${entries.join('')}</ul>`;
    return htmlPage(environ, start, layout('The sources', body, ''), statSync(REPO_ROOT).mtime);
  }
  // each source folder is a root of its own: a link in stages/ may not lead to spec/, or up
  const [top, ...below] = segments;
  const root = sourceRoot(top!);
  if (root === undefined || segments.includes('node_modules')) return notFound();
  const found = root.kind === 'directory' ? resolveInside(root.path, below) : below.length === 0 ? root : undefined;
  if (found === undefined || found.segments.includes('node_modules')) return notFound();
  const repoPath = segments.join('/');
  if (found.kind === 'directory') {
    if (!environ.PATH_INFO.endsWith('/')) return redirect(start, encodeURI(`/files/${repoPath}/`));
    const entries = readdirSync(found.path)
      .filter((name) => !name.startsWith('.') && name !== 'node_modules')
      .sort((a, b) => a.localeCompare(b))
      .flatMap((name) => {
        const entry = resolveInside(root.path, [...below, name]);
        if (entry === undefined) return [];
        const dir = entry.kind === 'directory';
        return [`<li><a href="${escapeHtml(encodeURIComponent(name) + (dir ? '/' : ''))}"><code>${escapeHtml(dir ? `${name}/` : name)}</code></a></li>`];
      });
    const body = `<h1><code>${escapeHtml(repoPath)}/</code></h1>\n<ul>${entries.join('')}</ul>`;
    return htmlPage(environ, start, layout(repoPath, body, ''), statSync(found.path).mtime);
  }
  if (found.path.endsWith('.md')) return markdownPage(environ, start, found.path, repoPath, '');
  return sendFile(environ, start, found.path);
}

/** The files `/playground/` serves besides its page: the bundle and its style sheet. */
const PLAYGROUND_FILES: readonly string[] = ['playground.js', 'playground.css'];

function playground(environ: Environ, start: StartResponse, rest: string): Buffer[] {
  const root = path.join(REPO_ROOT, 'docs', 'playground');
  if (rest === '') return redirect(start, '/playground/');
  const notFound = (): Buffer[] => errorPage(start, '404 Not Found', 'No such file in the playground.', '/playground/');
  if (rest === '/' || rest === '/index.html') {
    const page = fileIn(root, 'playground.html');
    if (page === undefined) return notFound();
    const deps = [page.path, ...PLAYGROUND_FILES.map((n) => path.join(root, n))];
    return htmlPage(environ, start, layout('Parser playground', readFileSync(page.path, 'utf8'), '/playground/'), latest(deps));
  }
  const [name, ...more] = safeSegments(rest);
  const found = more.length === 0 && name !== undefined && PLAYGROUND_FILES.includes(name) ? fileIn(root, name) : undefined;
  return found === undefined ? notFound() : sendFile(environ, start, found.path);
}

/**
 * Serves a request under one of {@link MOUNTS}. GET and HEAD only; a refused path gets the
 * status its {@link PathRefused} carries, and a file that vanished between its check and its
 * read gets 404.
 */
export function site(environ: Environ, start: StartResponse): Buffer[] {
  const method = environ.REQUEST_METHOD;
  if (method !== 'GET' && method !== 'HEAD') {
    const headers: HeaderList = [['Allow', 'GET, HEAD'], ['Content-Type', 'text/plain; charset=utf-8']];
    start('405 Method Not Allowed', headers);
    return [Buffer.from('Method Not Allowed\n')];
  }
  const pathInfo = environ.PATH_INFO;
  const mount = MOUNTS.find((m) => pathInfo === m || pathInfo.startsWith(m + '/'));
  try {
    if (mount === undefined) return errorPage(start, '404 Not Found', 'Not here.');
    const rest = pathInfo.slice(mount.length);
    if (mount === '/docs') return rest === '' ? redirect(start, '/docs/') : guide(environ, start, rest);
    if (mount === '/api') return api(environ, start, rest);
    if (mount === '/bench') return bench(environ, start, rest);
    if (mount === '/playground') return playground(environ, start, rest);
    return rest === '' ? redirect(start, '/files/') : files(environ, start, rest);
  } catch (err) {
    if (err instanceof PathRefused) {
      const status = err.status === 400 ? '400 Bad Request' : '404 Not Found';
      return errorPage(start, status, escapeHtml(err.message));
    }
    if (isMissingFileError(err)) return errorPage(start, '404 Not Found', 'No such file.');
    throw err;
  }
}

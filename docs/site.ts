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
 *
 * Every response carries a strong `ETag` and `Last-Modified` and honours `If-None-Match` /
 * `If-Modified-Since` (`static-files.ts`); every path goes through the same traversal checks.
 *
 * What it will not do: write anything, run a build, or serve outside those folders.
 *
 * @module docs-site
 */

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Environ, HeaderList, StartResponse } from '../stages/01-request-line/src/app.ts';
import { escapeHtml, REFERENCE_PAGES, renderMarkdown, routeFor } from './markdown.ts';
import { PathRefused, resolveInside, safeSegments, sendBytes, sendFile } from './static-files.ts';

/** The repository root (the folder holding `docs/`). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The mount points this module serves. */
export const MOUNTS: readonly string[] = ['/docs', '/api', '/bench', '/files'];

/** The top-level repository entries `/files/` may serve. */
export const SOURCE_ROOTS: readonly string[] = ['stages', 'spec', 'docs', 'bench', 'bin', 'scripts', 'README.md', 'CHANGELOG.md'];

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
}

function firstHeading(file: string, fallback: string): string {
  const m = /^#\s+(.+)$/m.exec(readFileSync(file, 'utf8'));
  return (m ? m[1]! : fallback).replace(/`/g, '').trim();
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
 * (`docs/guide/NN-*.md`, in order), then the reference pages.
 */
export function guideNav(root: string = REPO_ROOT): GuideNav {
  const guideDir = path.join(root, 'docs', 'guide');
  const chapters: NavEntry[] = [];
  if (existsSync(path.join(guideDir, 'README.md'))) {
    chapters.push({ href: '/docs/', title: firstHeading(path.join(guideDir, 'README.md'), 'The workshop'), file: 'docs/guide/README.md' });
  }
  if (existsSync(guideDir)) {
    for (const name of readdirSync(guideDir).filter((n) => /^\d\d-[\w-]+\.md$/.test(n)).sort()) {
      const file = `docs/guide/${name}`;
      chapters.push({ href: routeFor(file), title: firstHeading(path.join(root, file), name), file });
    }
  }
  const reference = REFERENCE_PAGES.filter((n) => existsSync(path.join(root, 'docs', `${n}.md`))).map((n) => {
    const file = `docs/${n}.md`;
    return { href: routeFor(file), title: firstHeading(path.join(root, file), n), file };
  });
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
  const ms = Math.max(...files.filter((f) => existsSync(f)).map((f) => statSync(f).mtimeMs));
  return new Date(Number.isFinite(ms) ? ms : Date.now());
}

/** Renders the repository markdown file `repoPath` as a page of the site. */
function markdownPage(environ: Environ, start: StartResponse, repoPath: string, current: string): Buffer[] {
  const file = path.join(REPO_ROOT, repoPath);
  const page = renderMarkdown(readFileSync(file, 'utf8'), repoPath);
  const { chapters, reference } = guideNav();
  const deps = [file, ...[...chapters, ...reference].map((e) => path.join(REPO_ROOT, e.file))];
  return htmlPage(environ, start, layout(page.title, page.html, current), latest(deps));
}

function guide(environ: Environ, start: StartResponse, rest: string): Buffer[] {
  if (rest === '' || rest === '/' || rest === '/index.html') {
    if (!existsSync(path.join(REPO_ROOT, 'docs', 'guide', 'README.md'))) {
      return errorPage(start, '404 Not Found', 'The guide has no index yet (<code>docs/guide/README.md</code>).');
    }
    return markdownPage(environ, start, 'docs/guide/README.md', '/docs/');
  }
  const [name, ...more] = safeSegments(rest);
  const m = more.length === 0 && name !== undefined ? /^([\w-]+)\.(html|md)$/.exec(name) : null;
  if (m) {
    const candidates = [`docs/guide/${m[1]}.md`, ...(REFERENCE_PAGES.includes(m[1]!) ? [`docs/${m[1]}.md`] : [])];
    const found = candidates.find((c) => c !== 'docs/guide/README.md' && existsSync(path.join(REPO_ROOT, c)));
    if (found !== undefined) {
      const route = routeFor(found);
      if (m[2] === 'md') return redirect(start, route);
      return markdownPage(environ, start, found, route);
    }
  }
  return errorPage(start, '404 Not Found', `No guide page at <code>${escapeHtml(environ.PATH_INFO)}</code>. The chapters are listed on the left.`);
}

/** Serves a file below `root`, mapping a directory to its `index.html` (with a trailing `/`). */
function staticTree(environ: Environ, start: StartResponse, root: string, mount: string, rest: string): Buffer[] | undefined {
  const segments = safeSegments(rest);
  const file = resolveInside(root, segments);
  if (file === undefined) return undefined;
  if (statSync(file).isDirectory()) {
    const index = path.join(file, 'index.html');
    if (!existsSync(index)) return undefined;
    if (!environ.PATH_INFO.endsWith('/')) return redirect(start, encodeURI(`${mount}/${segments.join('/')}/`.replace(/\/+/g, '/')));
    return sendFile(environ, start, index);
  }
  return sendFile(environ, start, file);
}

function api(environ: Environ, start: StartResponse, rest: string): Buffer[] {
  const root = path.join(REPO_ROOT, 'docs', 'api');
  if (rest === '') return redirect(start, '/api/');
  if (!existsSync(path.join(root, 'index.html'))) {
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
    // reference/: the committed runs the documents cite; local/: this checkout's own runs (git-ignored)
    const list = (dir: string): string[] =>
      existsSync(path.join(root, dir)) ? readdirSync(path.join(root, dir)).filter((n) => !n.startsWith('.') && statSync(path.join(root, dir, n)).isFile()).sort() : [];
    const section = (dir: string, title: string, intro: string, empty: string): string => {
      const names = list(dir);
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
    const files = ['reference', 'local'].flatMap((d) => list(d).map((n) => path.join(root, d, n)));
    return htmlPage(environ, start, layout('Bench charts', body, '/bench/'), latest([root, ...files]));
  }
  return staticTree(environ, start, root, '/bench', rest) ?? errorPage(start, '404 Not Found', 'No such result.', '/bench/');
}

function files(environ: Environ, start: StartResponse, rest: string): Buffer[] {
  const segments = safeSegments(rest);
  const notFound = (): Buffer[] => errorPage(start, '404 Not Found', `No file at <code>${escapeHtml(environ.PATH_INFO)}</code>.`);
  if (segments.length === 0) {
    const entries = SOURCE_ROOTS.filter((n) => existsSync(path.join(REPO_ROOT, n))).map((n) => {
      const dir = statSync(path.join(REPO_ROOT, n)).isDirectory();
      return `<li><a href="/files/${encodeURIComponent(n)}${dir ? '/' : ''}"><code>${escapeHtml(n)}${dir ? '/' : ''}</code></a></li>`;
    });
    const body = `<h1>The sources</h1>\n<p>The folders of the repository this site may show.</p>\n<ul>${entries.join('')}</ul>`;
    return htmlPage(environ, start, layout('The sources', body, ''), statSync(REPO_ROOT).mtime);
  }
  if (!SOURCE_ROOTS.includes(segments[0]!) || segments.includes('node_modules')) return notFound();
  const file = resolveInside(REPO_ROOT, segments);
  if (file === undefined) return notFound();
  const repoPath = segments.join('/');
  if (statSync(file).isDirectory()) {
    if (!environ.PATH_INFO.endsWith('/')) return redirect(start, encodeURI(`/files/${repoPath}/`));
    const entries = readdirSync(file, { withFileTypes: true })
      .filter((d) => !d.name.startsWith('.') && d.name !== 'node_modules')
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((d) => {
        const name = d.isDirectory() ? `${d.name}/` : d.name;
        return `<li><a href="${escapeHtml(encodeURIComponent(d.name) + (d.isDirectory() ? '/' : ''))}"><code>${escapeHtml(name)}</code></a></li>`;
      });
    const body = `<h1><code>${escapeHtml(repoPath)}/</code></h1>\n<ul>${entries.join('')}</ul>`;
    return htmlPage(environ, start, layout(repoPath, body, ''), statSync(file).mtime);
  }
  if (file.endsWith('.md')) return markdownPage(environ, start, repoPath, '');
  return sendFile(environ, start, file);
}

/**
 * Serves a request under one of {@link MOUNTS}. GET and HEAD only; a refused path gets the
 * status its {@link PathRefused} carries.
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
    return rest === '' ? redirect(start, '/files/') : files(environ, start, rest);
  } catch (err) {
    if (err instanceof PathRefused) {
      const status = err.status === 400 ? '400 Bad Request' : '404 Not Found';
      return errorPage(start, status, escapeHtml(err.message));
    }
    throw err;
  }
}

/**
 * Markdown to HTML for the docs app, with `marked`.
 *
 * Strategy: lex the markdown, rewrite every relative link and image so that it points at the
 * route that serves its target (a guide chapter at `/docs/…html`, a source file at `/files/…`,
 * see {@link routeFor}), then render. Headings get GitHub-style ids, so `#fragment` links
 * keep working. HTML comments (the markers around generated figures and sections, which stay
 * in the sources for `npm run figures`) are taken out of the text before it is lexed
 * ({@link hideComments}), so that a figure reads as part of its sentence. Raw HTML left in
 * the markdown is escaped and shown as text, except bare `<details>` and `<summary>` tags
 * (the exercises' folded hints): a page shows what its markdown says, never markup that
 * slipped into it.
 *
 * What it will not do: syntax highlighting, or any rendering that needs a browser script.
 *
 * @module docs-markdown
 */

import path from 'node:path';
import { Marked, type Token, type Tokens } from 'marked';

/** Escapes text for use in HTML content and in attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The markdown files the guide serves as pages under `/docs/`, besides the chapters. */
export const REFERENCE_PAGES: readonly string[] = ['wsgi', 'conformance', 'performance', 'log'];

/**
 * The URL path that serves the repository file `repoPath` (posix, relative to the repository
 * root), e.g. `docs/guide/02-full-parser.md` → `/docs/02-full-parser.html`.
 */
export function routeFor(repoPath: string): string {
  const p = repoPath.replace(/^\.\//, '');
  if (p === 'docs/guide/README.md' || p === 'docs/guide' || p === 'docs/guide/') return '/docs/';
  const chapter = /^docs\/guide\/([\w-]+)\.md$/.exec(p);
  if (chapter) return `/docs/${chapter[1]}.html`;
  const reference = /^docs\/([\w-]+)\.md$/.exec(p);
  if (reference && REFERENCE_PAGES.includes(reference[1]!)) return `/docs/${reference[1]}.html`;
  if (p === 'docs/api' || p.startsWith('docs/api/')) return `/api/${p.slice('docs/api/'.length)}`;
  if (p === 'bench/results' || p.startsWith('bench/results/')) return `/bench/${p.slice('bench/results/'.length)}`;
  return `/files/${p}`;
}

/**
 * Rewrites a link found in the markdown file `fromRepoPath`: relative links become the route
 * of their target; absolute URLs, `/`-rooted paths, fragments and links that leave the
 * repository are left alone.
 */
export function rewriteHref(href: string, fromRepoPath: string): string {
  if (href === '' || href.startsWith('#') || href.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(href)) return href;
  const hash = href.indexOf('#');
  const target = hash === -1 ? href : href.slice(0, hash);
  const fragment = hash === -1 ? '' : href.slice(hash);
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(fromRepoPath), decodeURI(target)));
  if (resolved === '..' || resolved.startsWith('../')) return href;
  const route = routeFor(resolved === '.' ? '' : resolved);
  return encodeURI(route) + fragment;
}

/** A GitHub-style heading id: lower case, punctuation dropped, spaces to `-`. */
export function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/<[^>]*>/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
}

/** A code span (its backticks, its text) or an HTML comment, whichever starts first. */
const SPAN_OR_COMMENT = /(?<![`\\])(`+)(?!`)((?:(?!\n[ \t]*\n)[\s\S])*?)(?<!`)\1(?!`)|<!--[\s\S]*?-->/g;
/** A code span's text that is one comment and nothing else: the syntax shown, not a marker. */
const ONE_COMMENT = /^\s*<!--(?:(?!-->)[\s\S])*-->\s*$/;

/**
 * `markdown` without its HTML comments, except in fenced code blocks and in a code span that
 * holds one comment and nothing else, which show what they hold. A comment inside a line goes
 * and the line's text stays, so a figure between its `figures:` markers reads as part of its
 * sentence, or of its code span when the markers sit inside backticks with the figure; a line
 * that held nothing but comments becomes empty, which ends a paragraph as the comment's HTML
 * block did. A comment never closed is left for the renderer, which shows it escaped.
 *
 * Why before lexing: in CommonMark a line that starts with `<!--` opens an HTML block that
 * takes the rest of the line with it (the figure after the marker, its backticks as text),
 * and inside a code span a comment is code. TypeDoc renders the same sources with
 * markdown-it, so its plugin (`scripts/typedoc-comments.ts`) calls this too.
 */
export function hideComments(markdown: string): string {
  const lines = markdown.split('\n');
  const out: string[] = [];
  let fence: string | undefined;
  let prose: string[] = [];
  const flush = (): void => {
    if (prose.length === 0) return;
    const text = prose.join('\n');
    // a hidden comment is first masked, so that a line left with nothing else can be told apart
    const mask = (comment: string): string => comment.replace(/[^\n]/g, '\0');
    const hidden = text.replace(SPAN_OR_COMMENT, (whole, ticks: string | undefined, code: string | undefined) => {
      if (ticks === undefined) return mask(whole);
      return ONE_COMMENT.test(code!) ? whole : ticks + code!.replace(/<!--[\s\S]*?-->/g, mask) + ticks;
    });
    // a line that had a comment and now holds nothing but blanks becomes empty
    out.push(...hidden.split('\n').map((l) => (l.includes('\0') && /^[\s\0]*$/.test(l) ? '' : l.replace(/\0/g, ''))));
    prose = [];
  };
  for (const line of lines) {
    const opens = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence === undefined && opens) {
      flush();
      fence = opens[1]!;
      out.push(line);
    } else if (fence !== undefined) {
      if (new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`).test(line)) fence = undefined;
      out.push(line);
    } else {
      prose.push(line);
    }
  }
  flush();
  return out.join('\n');
}

/** A rendered markdown page. */
export interface RenderedPage {
  /** The text of the first level-1 heading (or the fallback title). */
  readonly title: string;
  /** The HTML of the page body. */
  readonly html: string;
}

let ids = new Map<string, number>();

const md = new Marked({
  gfm: true,
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      // the one markup the guide uses on purpose: folded hints, attribute-free
      return escapeHtml(text).replace(/&#60;(\/?)(details|summary)&#62;/g, '<$1$2>');
    },
    heading({ tokens, depth, text }: Tokens.Heading): string {
      const base = slugify(text) || 'section';
      const seen = ids.get(base) ?? 0;
      ids.set(base, seen + 1);
      const id = seen === 0 ? base : `${base}-${seen}`;
      return `<h${depth} id="${escapeHtml(id)}">${this.parser.parseInline(tokens)}</h${depth}>\n`;
    },
  },
});

/**
 * Renders `markdown`, read from the repository file `fromRepoPath`, to HTML.
 *
 * @param fallbackTitle the title when the markdown has no level-1 heading.
 */
export function renderMarkdown(markdown: string, fromRepoPath: string, fallbackTitle = fromRepoPath): RenderedPage {
  const tokens = md.lexer(hideComments(markdown));
  let title: string | undefined;
  md.walkTokens(tokens, (token: Token) => {
    if (token.type === 'link' || token.type === 'image') {
      (token as Tokens.Link | Tokens.Image).href = rewriteHref((token as Tokens.Link).href, fromRepoPath);
    } else if (token.type === 'heading' && (token as Tokens.Heading).depth === 1 && title === undefined) {
      title = (token as Tokens.Heading).text;
    }
  });
  ids = new Map();
  const html = md.parser(tokens);
  return { title: (title ?? fallbackTitle).replace(/`/g, ''), html };
}

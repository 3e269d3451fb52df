/**
 * Static files for the docs app: safe paths, content types, validators and 304s.
 *
 * Strategy: everything here is synchronous, like the application interface it serves. A
 * request path is mapped to a file in three steps: {@link safeSegments} refuses any path that
 * could climb out of its root (`..` and `.` segments, backslashes, NUL, encoded slashes that
 * the server has already decoded), {@link resolveInside} joins what is left to the root,
 * resolves every symbolic link, and keeps the result only when it is a regular file or a
 * directory inside the real path of that root (each route passes its own folder, so a link
 * from one served folder into another, or out to `package.json` or `.git/`, leads nowhere);
 * then
 * {@link sendBytes} answers with `Content-Type`, a strong `ETag` (a hash of the content),
 * `Last-Modified`, and a 304 when the request's validators match.
 *
 * `PATH_INFO` reaches the app percent-decoded once (PEP 3333), so `/%2e%2e/` arrives as `/../`
 * and `%2f` as `/`: the checks run on the decoded path and never decode again (a `%252e`
 * stays the literal name `%2e`, which is harmless).
 *
 * What it will not do: ranges (`Range`/206), compression, directory listings, or any method
 * but GET and HEAD (the server drops the body for HEAD).
 *
 * @see RFC 9110 §8.8 (validators), §13.1.1–§13.1.3 and §13.2.2 (conditional requests), §15.4.5 (304)
 * @module docs-static-files
 */

import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Environ, HeaderList, StartResponse } from '../stages/01-request-line/src/app.ts';

/** Content types by file extension; anything else is `application/octet-stream`. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
};

/** The content type of `file`, by its extension. */
export function contentType(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Why a request path was refused; `status` is what the app answers. */
export class PathRefused extends Error {
  /** 400 for a path that tries to leave its root, 404 for one that names nothing servable. */
  readonly status: 400 | 404;
  /** A stable code: `DOCS_PATH_TRAVERSAL`, `DOCS_PATH_BAD_BYTE` or `DOCS_PATH_HIDDEN`. */
  readonly code: string;

  constructor(status: 400 | 404, code: string, message: string) {
    super(message);
    this.name = 'PathRefused';
    this.status = status;
    this.code = code;
  }
}

/**
 * Splits a decoded path (relative to a mount point) into segments, refusing every way of
 * naming something outside the root.
 *
 * - `..` or `.` as a segment (also what `%2e%2e` and `.%2e` decode to): 400;
 * - a backslash (`\` or `%5c`), which Windows treats as a separator: 400;
 * - a NUL or other control character (`%00`): 400;
 * - a hidden name (a segment starting with `.`, such as `.git`): 404.
 *
 * Empty segments (`a//b`, a trailing `/`) are dropped.
 *
 * @throws {@link PathRefused}
 */
export function safeSegments(relative: string): string[] {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(relative)) throw new PathRefused(400, 'DOCS_PATH_BAD_BYTE', 'control character in path');
  if (relative.includes('\\')) throw new PathRefused(400, 'DOCS_PATH_BAD_BYTE', 'backslash in path');
  const segments = relative.split('/').filter((s) => s !== '');
  for (const s of segments) {
    if (s === '..' || s === '.') throw new PathRefused(400, 'DOCS_PATH_TRAVERSAL', `'${s}' segment in path`);
    if (s.startsWith('.')) throw new PathRefused(404, 'DOCS_PATH_HIDDEN', 'hidden file');
  }
  return segments;
}

/** What {@link resolveInside} found. */
export interface Resolved {
  /** Its real path: every symbolic link on the way resolved. */
  readonly path: string;
  /** A regular file or a directory; nothing else is ever served. */
  readonly kind: 'file' | 'directory';
  /** The real path's segments below the real path of the root (empty for the root itself). */
  readonly segments: readonly string[];
}

/**
 * Finds what `segments` name below `root`, as the app may serve it: a regular file or a
 * directory whose real path (every symbolic link resolved) lies inside the real path of
 * `root`, with no hidden name below it. Anything else is undefined: a name that climbs out
 * (even when handed unchecked segments), a link that leads out of `root`, dangles or loops,
 * a missing file, and whatever is neither a file nor a directory (a FIFO, a socket, a device,
 * which a read could block on).
 *
 * Callers read the returned real path, not the requested one, so that what was checked is
 * what is served.
 */
export function resolveInside(root: string, segments: readonly string[]): Resolved | undefined {
  const base = path.resolve(root);
  const requested = path.resolve(base, ...segments);
  if (requested !== base && !requested.startsWith(base + path.sep)) return undefined;
  let realBase: string;
  let real: string;
  try {
    realBase = realpathSync(base);
    real = realpathSync(requested);
  } catch {
    return undefined; // missing, dangling (ENOENT), looping (ELOOP), unreadable (EACCES), too long
  }
  if (real !== realBase && !real.startsWith(realBase + path.sep)) return undefined;
  const below = real === realBase ? [] : path.relative(realBase, real).split(path.sep);
  if (below.some((s) => s.startsWith('.'))) return undefined;
  const stat = statSync(real, { throwIfNoEntry: false });
  if (stat?.isFile()) return { path: real, kind: 'file', segments: below };
  if (stat?.isDirectory()) return { path: real, kind: 'directory', segments: below };
  return undefined;
}

/**
 * Whether `err` says a file went missing or cannot be read as one (it was removed, or
 * replaced by a folder or a link, between {@link resolveInside} and the read): a 404, not a
 * 500.
 */
export function isMissingFileError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'ELOOP' || code === 'EACCES';
}

/** A strong entity tag for `body`: a hash of its bytes. */
export function etagOf(body: Uint8Array): string {
  return `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`;
}

/**
 * Whether a request's validators say the client's copy is current, so a 304 will do.
 * `If-None-Match` wins when present (weak comparison, `*` matches anything); otherwise
 * `If-Modified-Since` is compared with `lastModified` to the second. Only GET and HEAD are
 * conditional here.
 *
 * @see RFC 9110 §13.1.2 (If-None-Match), §13.1.3 (If-Modified-Since), §13.2.2 (precedence)
 */
export function notModified(environ: Environ, etag: string, lastModified: Date): boolean {
  if (environ.REQUEST_METHOD !== 'GET' && environ.REQUEST_METHOD !== 'HEAD') return false;
  const inm = environ.HTTP_IF_NONE_MATCH;
  if (inm !== undefined) {
    if (inm.trim() === '*') return true;
    const opaque = (tag: string): string => tag.trim().replace(/^W\//, '');
    return inm.split(',').some((tag) => opaque(tag) === opaque(etag));
  }
  const ims = environ.HTTP_IF_MODIFIED_SINCE;
  if (ims !== undefined) {
    const since = Date.parse(ims);
    if (Number.isNaN(since)) return false; // an invalid date is ignored (§13.1.3)
    return Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
  }
  return false;
}

/**
 * Answers with `body` (or a 304), with `Content-Type`, `ETag`, `Last-Modified` and
 * `Cache-Control: no-cache` (revalidate every time, which is what makes the 304s useful).
 */
export function sendBytes(
  environ: Environ,
  start: StartResponse,
  body: Buffer,
  type: string,
  lastModified: Date,
  extra: HeaderList = [],
): Buffer[] {
  const etag = etagOf(body);
  const validators: HeaderList = [
    ['ETag', etag],
    ['Last-Modified', lastModified.toUTCString()],
    ['Cache-Control', 'no-cache'],
  ];
  if (notModified(environ, etag, lastModified)) {
    start('304 Not Modified', validators);
    return [];
  }
  start('200 OK', [['Content-Type', type], ['X-Content-Type-Options', 'nosniff'], ...validators, ...extra]);
  return [body];
}

/**
 * Serves the regular file `file`, the real path {@link resolveInside} found. A directory is
 * not a file: the caller decides what a directory means.
 */
export function sendFile(environ: Environ, start: StartResponse, file: string): Buffer[] {
  const stat = statSync(file);
  return sendBytes(environ, start, readFileSync(file), contentType(file), stat.mtime);
}

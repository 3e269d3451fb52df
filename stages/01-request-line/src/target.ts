/**
 * The request-target: which of its four forms a target takes, and the path and query the
 * application gets from it.
 *
 * Strategy: the request-line parser has already checked that the target is visible US-ASCII;
 * this module tells the forms apart (RFC 9112 §3.2) and reads the authority of an
 * absolute-form target, once, when the request-line is parsed; for the environ, it splits off
 * the query and percent-decodes the path (PEP 3333's `PATH_INFO`, `QUERY_STRING`).
 *
 * ```abnf
 * request-target = origin-form / absolute-form / authority-form / asterisk-form   ; RFC 9112 §3.2
 * origin-form    = absolute-path [ "?" query ]
 * absolute-form  = absolute-URI
 * authority-form = uri-host ":" port
 * asterisk-form  = "*"
 * ```
 *
 * What it will not do: normalize a path (`.` and `..` segments, repeated slashes): the path
 * reaches the application as the client sent it, decoded, and is the application's to judge.
 * Nor check the authority: this stage reads no header field, so it has no `Host` for the
 * authority to replace (RFC 9112 §3.2.2), and serves the target by its path.
 */

import { BadRequest } from './errors.ts';

/**
 * The four forms a request-target can take.
 *
 * @see RFC 9112 §3.2
 */
export type TargetForm = 'origin' | 'absolute' | 'authority' | 'asterisk';

/** A request-target's form and, for absolute-form, its authority. */
export interface Target {
  /** Which of the four forms the target takes. */
  readonly form: TargetForm;
  /** The authority (`host[:port]`) of an absolute-form target; empty for the other forms. */
  readonly authority: string;
}

/**
 * Classifies a request-target and checks that the method allows that form.
 *
 * @throws {@link BadRequest} when the target is none of the forms, or a form the method does
 * not allow.
 * @see RFC 9112 §3.2
 */
export function parseTarget(method: string, target: string): Target {
  if (target.startsWith('/')) return { form: 'origin', authority: '' };
  if (target === '*') {
    // §3.2.4: only for a server-wide OPTIONS
    if (method !== 'OPTIONS') throw new BadRequest('asterisk-form is only for OPTIONS');
    return { form: 'asterisk', authority: '' };
  }
  // absolute-URI = scheme ":" hier-part [ "?" query ], and here always with an authority
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(target)) {
    const authority = authorityOf(target);
    return { form: 'absolute', authority };
  }
  // authority-form is only for CONNECT (§3.2.3), which this server does not implement
  throw new BadRequest('request-target must be origin-form, absolute-form or *');
}

/** The authority of an absolute-form target: from after `scheme://` to the first `/`, `?` or `#` (RFC 3986 §3.2). */
function authorityOf(target: string): string {
  const start = target.indexOf('//') + 2;
  let end = start;
  while (end < target.length && !'/?#'.includes(target[end]!)) end++;
  return target.slice(start, end);
}

/** The parts of a request-target the application gets: path and query (the query without its `?`). */
export interface TargetParts {
  /** The raw (still percent-encoded) path. */
  readonly path: string;
  /** The query string, without the leading `?`; empty when there is none. */
  readonly query: string;
}

/**
 * Splits a request-target, as {@link parseTarget} read it, into its path and query. For
 * absolute-form, the scheme and the authority are dropped; for asterisk-form the path is `*`.
 */
export function splitTarget({ target, form, authority }: { target: string } & Target): TargetParts {
  let path = target;
  if (form === 'absolute') {
    const rest = target.slice(target.indexOf('//') + 2 + authority.length);
    path = rest.startsWith('/') ? rest : `/${rest}`;
  }
  // a fragment is never sent (RFC 9110 §4.2.4), but if it is, it is not part of the path
  const hash = path.indexOf('#');
  if (hash !== -1) path = path.slice(0, hash);
  const q = path.indexOf('?');
  if (q === -1) return { path, query: '' };
  return { path: path.slice(0, q), query: path.slice(q + 1) };
}

/**
 * Percent-decodes a path for `PATH_INFO`, as PEP 3333 asks.
 *
 * @throws {@link BadRequest} for a malformed escape or bytes that are not UTF-8.
 */
export function decodePath(path: string): string {
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    throw new BadRequest('malformed percent-encoding in request-target');
  }
}

/**
 * The application interface: PEP 3333 (WSGI) adapted to TypeScript, the way nibiru adapts it
 * to Lua. See `docs/wsgi.md` for every deviation and the reason for it.
 *
 * Strategy: an application is a synchronous function `app(environ, startResponse)` that
 * calls `startResponse(status, headers)` once and returns an iterable of body chunks. The
 * server builds `environ` (`environ.ts`), calls the app with {@link callApp}, which checks
 * everything the app hands over before a byte is written, and writes what it gets back
 * (`response.ts`). This file also loads an application named Gunicorn-style,
 * `module.path[:callable]`.
 *
 * What it will not do: there is no `write` callable (PEP 3333 keeps it only for legacy
 * frameworks; nibiru drops it too), and apps cannot be asynchronous: blocking the process is
 * the WSGI model whose cost the later stages measure.
 */

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDigit, isFieldChar, isTchar } from './abnf.ts';
import { AppLoadError, ResponseError } from './errors.ts';

/** One chunk of a response body: text (sent as UTF-8) or bytes. */
export type Chunk = string | Uint8Array;

/**
 * Response headers as `[name, value]` pairs, in order. Pairs rather than an object so that a
 * name may repeat (`Set-Cookie`), as PEP 3333's list of tuples allows.
 */
export type HeaderList = Array<readonly [name: string, value: string]>;

/**
 * PEP 3333's `start_response`. `status` is a status line such as `"200 OK"`. Calling it a
 * second time is an error unless `excInfo` is given, in which case (and only while no byte
 * has been sent) it replaces the first call, as PEP 3333 describes for error handlers.
 */
export type StartResponse = (status: string, headers: HeaderList, excInfo?: unknown) => void;

/**
 * PEP 3333's `wsgi.input`: the request body, read synchronously.
 */
export interface InputStream {
  /** Reads up to `size` bytes (all that remain when `size` is omitted or negative). */
  read(size?: number): Buffer;
  /** Reads one line, up to and including its `\n` (or up to `size` bytes). */
  readline(size?: number): Buffer;
  /** Reads the remaining lines. */
  readlines(): Buffer[];
  /** Iterates over the remaining lines. */
  [Symbol.iterator](): Iterator<Buffer>;
}

/** PEP 3333's `wsgi.errors`: a text stream for the application's error output. */
export interface ErrorStream {
  /** Writes text to the error stream. */
  write(text: string): void;
  /** A no-op kept for PEP 3333's shape: the stream is unbuffered. */
  flush(): void;
}

/**
 * PEP 3333's `environ`: CGI-style request variables plus the `wsgi.*` keys.
 * Request header fields appear as `HTTP_*` keys from stage 02 on.
 */
export interface Environ {
  /** The method, e.g. `GET`. */
  REQUEST_METHOD: string;
  /** Where the application is mounted; always empty here (the app is mounted at the root). */
  SCRIPT_NAME: string;
  /** The percent-decoded path of the request-target. */
  PATH_INFO: string;
  /** The query string, still encoded, without its `?`. */
  QUERY_STRING: string;
  /** The server's host name, from `Host` when the request has one, else the listen address. */
  SERVER_NAME: string;
  /** The server's port, as a string. */
  SERVER_PORT: string;
  /** The protocol version of the request, e.g. `HTTP/1.1`. */
  SERVER_PROTOCOL: string;
  /** The client's IP address. */
  REMOTE_ADDR: string;
  /** The client's port, as a string. */
  REMOTE_PORT: string;
  /** The body's media type, when the request has one. */
  CONTENT_TYPE?: string;
  /** The body's length in bytes, when known. */
  CONTENT_LENGTH?: string;
  /** The WSGI version, `[1, 0]`. */
  'wsgi.version': readonly [1, 0];
  /** `http`: this server does not terminate TLS. */
  'wsgi.url_scheme': 'http';
  /** The request body. */
  'wsgi.input': InputStream;
  /** The error stream (the process's stderr). */
  'wsgi.errors': ErrorStream;
  /** Always false: one request at a time per process. */
  'wsgi.multithread': false;
  /** True when several processes serve the same app (stages 03 and 04). */
  'wsgi.multiprocess': boolean;
  /** Always false: the process serves many requests. */
  'wsgi.run_once': false;
  /** Request header fields, from stage 02 on. */
  [header: `HTTP_${string}`]: string;
}

/** A WSGI-style application. */
export type App = (environ: Environ, startResponse: StartResponse) => Iterable<Chunk>;

/** An {@link InputStream} over a buffer that has been read in full. */
export class BufferInput implements InputStream {
  #buf: Buffer;
  #pos = 0;

  constructor(body: Buffer = Buffer.alloc(0)) {
    this.#buf = body;
  }

  read(size = -1): Buffer {
    const end = size < 0 ? this.#buf.length : Math.min(this.#buf.length, this.#pos + size);
    const out = this.#buf.subarray(this.#pos, end);
    this.#pos = end;
    return out;
  }

  readline(size = -1): Buffer {
    const nl = this.#buf.indexOf(0x0a, this.#pos);
    let end = nl === -1 ? this.#buf.length : nl + 1;
    if (size >= 0) end = Math.min(end, this.#pos + size);
    return this.read(end - this.#pos);
  }

  readlines(): Buffer[] {
    return [...this];
  }

  *[Symbol.iterator](): Iterator<Buffer> {
    while (this.#pos < this.#buf.length) yield this.readline();
  }
}

/** `wsgi.errors` for this process: writes straight to stderr. */
export const stderrStream: ErrorStream = {
  write: (text) => void process.stderr.write(text),
  flush: () => {},
};

/** The parts of an app spec `module.path[:callable]`. */
export interface AppSpec {
  /** Dotted module path, e.g. `docs.app`. */
  readonly module: string;
  /** Name of the exported callable; `app` when the spec names none. */
  readonly callable: string;
}

/**
 * Parses a Gunicorn-style app spec, `module.path[:callable]`.
 *
 * @throws {@link AppLoadError} when the spec is not of that shape.
 */
export function parseAppSpec(spec: string): AppSpec {
  const m = /^([A-Za-z_$][\w$-]*(?:\.[A-Za-z_$][\w$-]*)*)(?::([A-Za-z_$][\w$]*))?$/.exec(spec);
  if (!m) {
    throw new AppLoadError(`bad app spec '${spec}': expected module.path[:callable], e.g. docs.app:app`);
  }
  return { module: m[1]!, callable: m[2] ?? 'app' };
}

/**
 * Finds the file of a dotted module path: `docs.app` is `docs/app.ts` (or `.js`, `.mjs`)
 * relative to `cwd`.
 *
 * @throws {@link AppLoadError} when no such file exists.
 */
export function resolveAppModule(modulePath: string, cwd: string): string {
  const base = path.resolve(cwd, ...modulePath.split('.'));
  const candidates = ['.ts', '.js', '.mjs'].map((ext) => base + ext);
  const found = candidates.find((file) => existsSync(file));
  if (!found) {
    const tried = candidates.map((c) => path.relative(cwd, c)).join(', ');
    throw new AppLoadError(`module not found: ${modulePath} (looked for ${tried} in ${cwd})`);
  }
  return found;
}

/** This server's own folder: its frames are not the application's. */
const SERVER_DIR = path.dirname(fileURLToPath(import.meta.url));

/**
 * Why importing an application failed: one line, `Name: message`, then the application's own
 * stack frames, where it threw. The frames of Node's module loader (`node:`) and all below
 * them, of tsx and esbuild (under `node_modules`) and of this server say nothing about the
 * application and are dropped. A syntax error comes from esbuild, through tsx, as a `TransformError` whose
 * message holds `file:line:column: ERROR: what`; it is given as a `SyntaxError` with that
 * place as its frame (esbuild counts columns from 0).
 */
export function importFailure(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const syntax = /^(.+?):(\d+):(\d+): ERROR: (.+)$/m.exec(err.message);
  if (err.name === 'TransformError' && syntax) return `SyntaxError: ${syntax[4]}\n    at ${syntax[1]}:${syntax[2]}:${syntax[3]}`;
  const stack = (err.stack ?? '').split('\n');
  // below the first frame of Node's module loader, the stack is the server's, which imported the app
  const loader = stack.findIndex((line) => /[( ]node:internal\/modules\//.test(line));
  const frames = stack.slice(0, loader === -1 ? undefined : loader).filter(isAppFrame).map((line) => `    ${line.trim()}`);
  return [`${err.name}: ${err.message.split('\n')[0]}`, ...frames].join('\n');
}

/** Whether a line of a stack (`    at f (/app/x.ts:3:9)`) is in the application's code. */
function isAppFrame(line: string): boolean {
  const where = /^\s+at (?:.* \()?(.+?):\d+:\d+\)?$/.exec(line)?.[1];
  if (where === undefined || where.startsWith('node:')) return false;
  const file = where.startsWith('file:') ? fileURLToPath(where) : where;
  return !file.split(path.sep).includes('node_modules') && !file.startsWith(SERVER_DIR + path.sep);
}

/**
 * The file to import for an application's module: its compiled copy when the launcher
 * compiled it (`bin/compile.mjs` puts it at the source's path under `NIBIRU_COMPILED`, as
 * `.js`, and the workers inherit the variable), else the file itself.
 */
function compiledCopy(file: string): string {
  const root = process.env.NIBIRU_COMPILED;
  if (!root || !file.endsWith('.ts')) return file;
  const copy = path.join(root, `${file.slice(0, -3)}.js`);
  return existsSync(copy) ? copy : file;
}

/**
 * Loads the application named by `spec`, relative to `cwd`.
 *
 * @throws {@link AppLoadError} when the module is missing or fails to load (its message then
 * holds the application's stack frames, one per line, after its first line), or when the
 * callable is missing or not a function.
 */
export async function loadApp(spec: string, cwd: string = process.cwd()): Promise<App> {
  const { module: modulePath, callable } = parseAppSpec(spec);
  const file = resolveAppModule(modulePath, cwd);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(compiledCopy(file)).href)) as Record<string, unknown>;
  } catch (err) {
    throw new AppLoadError(`error loading ${modulePath} (${path.relative(cwd, file)}): ${importFailure(err)}`);
  }
  if (!(callable in mod)) {
    const names = Object.keys(mod).join(', ') || 'none';
    throw new AppLoadError(`${modulePath} has no export '${callable}' (its exports: ${names})`);
  }
  const app = mod[callable];
  if (typeof app !== 'function') {
    throw new AppLoadError(`${modulePath}:${callable} is not callable (it is ${describeValue(app)})`);
  }
  return app as App;
}

/** What `value` is, for an error message. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a value of type ${typeof value}`;
}

// ---------------------------------------------------------------------------------------------
// Calling an application

/** What an application answered: its status and headers, checked, and its whole body. */
export interface AppResponse {
  /** The status line as the application gave it, e.g. `200 OK`. */
  readonly status: string;
  /** The status code. */
  readonly code: number;
  /** The application's headers, checked. */
  readonly headers: HeaderList;
  /** The `Content-Length` the application declared, or -1. */
  readonly declaredLength: number;
  /** Whether the application set `Date` itself. */
  readonly hasDate: boolean;
  /** The body chunks. */
  readonly chunks: Chunk[];
  /** Their total length in bytes, strings counted as UTF-8. */
  readonly length: number;
}

/**
 * Calls a WSGI-style application and collects its whole body. `startResponse` may be called
 * before the app returns or lazily, before the first chunk (as a generator does).
 *
 * @throws whatever the application throws, or a {@link ResponseError} when it breaks the
 * interface (no `startResponse`, a second call without `excInfo`, bad status or headers, a
 * body that is not an iterable of text or bytes, a `Content-Length` that does not match).
 * @see PEP 3333, "The start_response() Callable"
 */
export function callApp(app: App, environ: Environ): AppResponse {
  let status: string | undefined;
  let headers: HeaderList = [];
  const result = app(environ, (s: string, h: HeaderList, excInfo?: unknown) => {
    if (status !== undefined && excInfo === undefined) {
      throw new ResponseError('startResponse called twice without excInfo');
    }
    checkStatus(s);
    checkHeaders(h);
    status = s;
    headers = h;
  });
  if (result == null || typeof (result as Iterable<Chunk>)[Symbol.iterator] !== 'function') {
    throw new ResponseError('the application must return an iterable of chunks');
  }
  const chunks: Chunk[] = [];
  let length = 0;
  for (const chunk of result as Iterable<Chunk>) {
    length += chunkLength(chunk);
    chunks.push(chunk);
  }
  if (status === undefined) throw new ResponseError('the application never called startResponse');
  const code = checkStatus(status);
  if (code < 200) throw new ResponseError(`the application may not send a ${code} (interim) response`);
  let declaredLength = -1;
  let hasDate = false;
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (lower === 'content-length') {
      const n = parseDeclaredLength(value);
      if (declaredLength !== -1 && n !== declaredLength) throw new ResponseError('differing Content-Length headers');
      declaredLength = n;
    } else if (lower === 'date') {
      hasDate = true;
    }
  }
  // a body that disagrees with its declared length would desynchronize the client
  if (declaredLength !== -1 && declaredLength !== length) {
    throw new ResponseError(`Content-Length ${declaredLength} does not match the body's ${length} bytes`);
  }
  return { status, code, headers, declaredLength, hasDate, chunks, length };
}

/** The byte length of a chunk as it will be sent (strings as UTF-8). */
export function chunkLength(chunk: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  throw new ResponseError(`body chunks must be strings or Uint8Arrays, got ${typeof chunk}`);
}

/**
 * Checks a status line such as `"200 OK"` and returns its code.
 *
 * ```abnf
 * status-code   = 3DIGIT                                      ; RFC 9112 §4
 * reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
 * ```
 *
 * @throws {@link ResponseError} when the line is not `3DIGIT SP reason` with a code from
 * 100 to 599 and a reason free of control characters (a CR or LF would let the application
 * split one response into two).
 * @see RFC 9112 §4
 */
export function checkStatus(status: string): number {
  if (
    typeof status !== 'string' ||
    status.length < 4 ||
    !isDigit(status.charCodeAt(0)) ||
    !isDigit(status.charCodeAt(1)) ||
    !isDigit(status.charCodeAt(2)) ||
    status[3] !== ' '
  ) {
    throw new ResponseError(`invalid status line ${JSON.stringify(status)}: expected e.g. "200 OK"`);
  }
  const code = Number.parseInt(status, 10); // the three digits before the space
  if (code < 100 || code > 599) throw new ResponseError(`status code out of range: ${code}`);
  for (let i = 4; i < status.length; i++) {
    if (!isFieldChar(status.charCodeAt(i))) {
      throw new ResponseError(`invalid character in reason phrase of ${JSON.stringify(status)}`);
    }
  }
  return code;
}

/**
 * Hop-by-hop headers belong to the connection, which the server manages; an application
 * must not set them (PEP 3333, "Other HTTP Features"; RFC 9110 §7.6.1).
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Checks the application's headers: names are tokens, values hold no CR, LF, NUL or other
 * control character (HTAB aside), and no header is one the server owns.
 *
 * ```abnf
 * field-line  = field-name ":" OWS field-value OWS            ; RFC 9112 §5
 * field-name  = token
 * field-value = *field-content                                ; RFC 9110 §5.5
 * ```
 *
 * @throws {@link ResponseError} on the first bad header.
 * @see RFC 9110 §5.1, §5.5
 */
export function checkHeaders(headers: HeaderList): void {
  if (!Array.isArray(headers)) throw new ResponseError('headers must be a list of [name, value] pairs');
  for (const pair of headers) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new ResponseError('each header must be a [name, value] pair');
    }
    const [name, value] = pair;
    if (typeof name !== 'string' || typeof value !== 'string') {
      throw new ResponseError('header names and values must be strings');
    }
    if (name.length === 0) throw new ResponseError('empty header name');
    for (let i = 0; i < name.length; i++) {
      if (!isTchar(name.charCodeAt(i))) throw new ResponseError(`invalid header name ${JSON.stringify(name)}`);
    }
    if (!isFieldValue(value)) throw new ResponseError(`invalid character in value of header ${name}`);
    if (HOP_BY_HOP.has(name.toLowerCase())) {
      throw new ResponseError(`hop-by-hop header ${name} is the server's to set`);
    }
  }
}

/** Whether every character of `s` may appear in a field value or a reason phrase. */
function isFieldValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isFieldChar(s.charCodeAt(i))) return false;
  return true;
}

/**
 * Reads an application-given `Content-Length`.
 *
 * @throws {@link ResponseError} when it is not 1 to 15 decimal digits.
 * @see RFC 9110 §8.6
 */
export function parseDeclaredLength(declared: string): number {
  if (!/^\d{1,15}$/.test(declared)) throw new ResponseError(`invalid Content-Length ${JSON.stringify(declared)}`);
  return Number(declared);
}

/**
 * The docs app called in-process, for its tests: a WSGI environ for a request, and the app's
 * answer to it, without a server or a socket. The specs in `spec/` call it over real TCP; the
 * tests of the app's own routes and pages (`site.test.ts`, `pages.test.ts`,
 * `playground/route.test.ts`) only need what it answers.
 */

import { BufferInput, stderrStream, type Environ, type HeaderList } from '../stages/01-request-line/src/app.ts';
import { app } from './app.ts';

/** A GET (or `method`) of `pathInfo`, with `headers` given as CGI variables (`HTTP_IF_NONE_MATCH`). */
export function environ(pathInfo: string, headers: Record<string, string> = {}, method = 'GET'): Environ {
  return {
    REQUEST_METHOD: method,
    SCRIPT_NAME: '',
    PATH_INFO: pathInfo,
    QUERY_STRING: '',
    SERVER_NAME: 'localhost',
    SERVER_PORT: '80',
    SERVER_PROTOCOL: 'HTTP/1.1',
    REMOTE_ADDR: '127.0.0.1',
    REMOTE_PORT: '1',
    'wsgi.version': [1, 0],
    'wsgi.url_scheme': 'http',
    'wsgi.input': new BufferInput(),
    'wsgi.errors': stderrStream,
    'wsgi.multithread': false,
    'wsgi.multiprocess': false,
    'wsgi.run_once': false,
    ...headers,
  };
}

/** What the docs app answers to `env`: its status line, headers, and body as text. */
export function callApp(env: Environ): { status: string; headers: HeaderList; body: string } {
  let status = '';
  let headers: HeaderList = [];
  const chunks = app(env, (s, h) => {
    status = s;
    headers = h;
  });
  return { status, headers, body: Buffer.concat([...chunks].map((c) => Buffer.from(c))).toString() };
}

/** The value of header `name` (lower case) in `headers`, if present. */
export const header = (headers: HeaderList, name: string): string | undefined => headers.find(([n]) => n.toLowerCase() === name)?.[1];

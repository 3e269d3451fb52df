/**
 * Unit tests of environ.ts: the CGI keys from the request-line and the connection.
 */

import { describe, expect, it } from 'vitest';
import { buildEnviron, type EnvironContext } from '../src/environ.ts';
import { BadRequest } from '../src/errors.ts';
import type { RequestLine } from '../src/request-line.ts';

const ctx: EnvironContext = { serverName: '127.0.0.1', serverPort: '8080', remoteAddr: '127.0.0.2', remotePort: '5555' };

function line(extra: Partial<RequestLine> = {}): RequestLine {
  return { method: 'GET', target: '/a%20b?x=%20', form: 'origin', authority: '', version: '1.1', ...extra };
}

describe('buildEnviron', () => {
  it('fills the CGI keys from the request-line and the connection', () => {
    const env = buildEnviron(line(), ctx);
    expect(env).toMatchObject({
      REQUEST_METHOD: 'GET', SCRIPT_NAME: '', PATH_INFO: '/a b', QUERY_STRING: 'x=%20', SERVER_NAME: '127.0.0.1',
      SERVER_PORT: '8080', SERVER_PROTOCOL: 'HTTP/1.1', REMOTE_ADDR: '127.0.0.2', REMOTE_PORT: '5555',
      'wsgi.multiprocess': false, 'wsgi.url_scheme': 'http',
    });
    expect(env.CONTENT_LENGTH).toBeUndefined();
    expect(env['wsgi.input'].read().length).toBe(0);
  });
  it('serves an absolute-form target by its path, and asterisk-form as *', () => {
    expect(buildEnviron(line({ target: 'http://h:81/p?q', form: 'absolute', authority: 'h:81', version: '1.0' }), ctx)).toMatchObject({
      PATH_INFO: '/p', QUERY_STRING: 'q', SERVER_NAME: '127.0.0.1', SERVER_PORT: '8080', SERVER_PROTOCOL: 'HTTP/1.0',
    });
    expect(buildEnviron(line({ method: 'OPTIONS', target: '*', form: 'asterisk' }), ctx).PATH_INFO).toBe('*');
  });
  it('refuses a malformed percent-escape in the path with 400', () => {
    expect(() => buildEnviron(line({ target: '/%zz' }), ctx)).toThrow(BadRequest);
  });
});

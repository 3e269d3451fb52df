import { describe, expect, it } from 'vitest';
import { buildEnviron, environKey, type EnvironContext } from '../src/environ.ts';
import type { HeaderField } from '../src/fields.ts';
import type { Request } from '../src/parser.ts';

const ctx: EnvironContext = { serverName: '127.0.0.1', serverPort: '8080', remoteAddr: '127.0.0.2', remotePort: '5555', multiprocess: true };

function request(headers: HeaderField[], extra: Partial<Request> = {}): Request {
  return {
    type: 'request', method: 'GET', target: '/a%20b?x=%20', form: 'origin', authority: '', version: '1.1', headers,
    connection: { close: false, keepAlive: false }, expectContinue: false, body: 'none', contentLength: 0, ...extra,
  };
}

describe('buildEnviron', () => {
  it('fills the CGI keys from the request and the connection', () => {
    const env = buildEnviron(request([]), null, ctx);
    expect(env).toMatchObject({
      REQUEST_METHOD: 'GET', SCRIPT_NAME: '', PATH_INFO: '/a b', QUERY_STRING: 'x=%20', SERVER_NAME: '127.0.0.1',
      SERVER_PORT: '8080', SERVER_PROTOCOL: 'HTTP/1.1', REMOTE_ADDR: '127.0.0.2', REMOTE_PORT: '5555',
      'wsgi.multiprocess': true, 'wsgi.url_scheme': 'http',
    });
    expect(env.CONTENT_LENGTH).toBeUndefined();
    expect(env['wsgi.input'].read().length).toBe(0);
  });
  it('combines repeated fields with ", ", and Cookie with "; "', () => {
    const env = buildEnviron(request([['x-a', '1'], ['cookie', 'a=1'], ['x-a', '2'], ['cookie', 'b=2']]), null, ctx);
    expect(env.HTTP_X_A).toBe('1, 2');
    expect(env.HTTP_COOKIE).toBe('a=1; b=2');
  });
  it('puts Content-Type and the decoded length in CONTENT_TYPE and CONTENT_LENGTH', () => {
    const env = buildEnviron(
      request([['content-type', 'text/plain'], ['transfer-encoding', 'chunked']], { method: 'POST', body: 'chunked', contentLength: -1 }),
      Buffer.from('hello'),
      ctx,
    );
    expect(env).toMatchObject({ CONTENT_TYPE: 'text/plain', CONTENT_LENGTH: '5', HTTP_TRANSFER_ENCODING: 'chunked' });
    expect('HTTP_CONTENT_TYPE' in env).toBe(false);
    expect(env['wsgi.input'].read().toString()).toBe('hello');
  });
  it.each([
    ['example.com:81', 'example.com', '81'],
    ['example.com', 'example.com', '80'],
    ['[::1]:9', '[::1]', '9'],
    ['[::1]', '[::1]', '80'],
  ])('takes SERVER_NAME and SERVER_PORT from Host %j', (host, name, port) => {
    const env = buildEnviron(request([['host', host]]), null, ctx);
    expect([env.SERVER_NAME, env.SERVER_PORT, env.HTTP_HOST]).toEqual([name, port, host]);
  });
  it('keeps the listen address for an empty Host', () => {
    expect(buildEnviron(request([['host', '']]), null, ctx).SERVER_NAME).toBe('127.0.0.1');
  });
  it('RFC 9112 §3.2.2: takes SERVER_NAME, SERVER_PORT and HTTP_HOST from an absolute-form target, not Host', () => {
    const env = buildEnviron(request([['host', 'x:1'], ['x-a', '1']], { target: 'http://a.example:81/p?q', form: 'absolute', authority: 'a.example:81' }), null, ctx);
    expect([env.SERVER_NAME, env.SERVER_PORT, env.HTTP_HOST, env.PATH_INFO, env.QUERY_STRING]).toEqual(['a.example', '81', 'a.example:81', '/p', 'q']);
    expect(env.HTTP_X_A).toBe('1');
    const noPort = buildEnviron(request([['host', 'x:1']], { target: 'http://[::1]', form: 'absolute', authority: '[::1]' }), null, ctx);
    expect([noPort.SERVER_NAME, noPort.SERVER_PORT, noPort.HTTP_HOST]).toEqual(['[::1]', '80', '[::1]']);
  });
  it('uses the path of an absolute-form target, and the request version', () => {
    const env = buildEnviron(request([], { target: 'http://h/p?q', form: 'absolute', authority: 'h', version: '1.0' }), null, ctx);
    expect([env.PATH_INFO, env.QUERY_STRING, env.SERVER_PROTOCOL]).toEqual(['/p', 'q', 'HTTP/1.0']);
  });
});

describe('environKey', () => {
  it('uppercases and turns - into _', () => {
    expect(environKey('x-forwarded-for')).toBe('HTTP_X_FORWARDED_FOR');
  });
});

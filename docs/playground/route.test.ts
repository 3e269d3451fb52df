/**
 * `/playground/` in the docs app, called through the application interface: the page in the
 * site's layout, the two files it loads, and nothing else from `docs/playground/`.
 */

import { describe, expect, it } from 'vitest';
import { callApp, environ, header } from '../in-process.ts';

function call(pathInfo: string, headers: Record<string, string> = {}, method = 'GET'): ReturnType<typeof callApp> {
  return callApp(environ(pathInfo, headers, method));
}

describe('/playground/ in the docs app', () => {
  it('serves the page in the site layout, marked in the navigation, loading its module and style sheet', () => {
    const page = call('/playground/');
    expect(page.status).toBe('200 OK');
    expect(header(page.headers, 'content-type')).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<a href="/playground/" aria-current="page">Parser playground</a>');
    expect(page.body).toContain('<script type="module" src="/playground/playground.js"></script>');
    expect(page.body).toContain('<link rel="stylesheet" href="/playground/playground.css">');
    expect(call('/docs/').body).toContain('<a href="/playground/">Parser playground</a>');
  });
  it('redirects /playground to /playground/, and answers 304 when the validators match', () => {
    expect(call('/playground')).toMatchObject({ status: '301 Moved Permanently', headers: expect.arrayContaining([['Location', '/playground/']]) });
    const first = call('/playground/playground.js');
    expect(first.status).toBe('200 OK');
    expect(header(first.headers, 'content-type')).toBe('text/javascript; charset=utf-8');
    expect(first.body).toContain('var RequestParser = class');
    const again = call('/playground/playground.js', { HTTP_IF_NONE_MATCH: header(first.headers, 'etag')! });
    expect(again.status).toBe('304 Not Modified');
  });
  it.each(['/playground/page.ts', '/playground/engine.test.ts', '/playground/playground.html', '/playground/x/playground.js', '/playground/nope.js'])(
    'serves nothing else from docs/playground/: %s is a 404',
    (p) => {
      expect(call(p).status).toBe('404 Not Found');
    },
  );
  it('refuses a path that climbs out, and any method but GET and HEAD', () => {
    expect(call('/playground/../site.ts').status).toBe('400 Bad Request');
    expect(call('/playground/', {}, 'POST').status).toBe('405 Method Not Allowed');
  });
});

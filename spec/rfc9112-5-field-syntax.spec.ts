/**
 * RFC 9112 §5 (field syntax) and RFC 9110 §5 (fields), and §3.2 (Host): what the parser accepts
 * and refuses in a header section, and how fields reach the application — over real TCP
 * against every stage.
 */

import { expect } from 'vitest';
import { exchange } from '../harness/client.ts';
import { message } from './messages.ts';
import { describeStages } from './stages.ts';

const APP = 'spec.apps.probe:app';
const echo = (...fields: string[]): string => message('GET /echo HTTP/1.1', [...fields, 'Connection: close']);
const echoed = (body: Buffer): Record<string, unknown> => JSON.parse(body.toString()) as Record<string, unknown>;

describeStages(
  'RFC 9112 §5 field syntax',
  ({ server, spec }) => {
    spec('fields', 'RFC 9110 §5.1: field names are case-insensitive; HTTP_* keys are uppercased with _ for -', async () => {
      const r = await exchange(server().port, echo('hOsT: localhost', 'X-Custom-Field: 1', 'user-AGENT: spec'));
      const seen = echoed(r.responses[0]!.body);
      expect(seen.HTTP_X_CUSTOM_FIELD).toBe('1');
      expect(seen.HTTP_USER_AGENT).toBe('spec');
      expect(seen.HTTP_HOST).toBe('localhost');
    });

    spec('fields', '§5: optional whitespace around a field value is not part of it', async () => {
      const r = await exchange(server().port, echo('Host: localhost', 'X-A:    padded  \t', 'X-B:tight', 'X-C: inner  space'));
      const seen = echoed(r.responses[0]!.body);
      expect([seen.HTTP_X_A, seen.HTTP_X_B, seen.HTTP_X_C]).toEqual(['padded', 'tight', 'inner  space']);
    });

    spec('fields', 'RFC 9110 §5.3: repeated field lines are combined in order with ", "', async () => {
      const r = await exchange(server().port, echo('Host: localhost', 'Accept: text/html', 'X-N: 1', 'Accept: text/plain', 'X-N: 2'));
      const seen = echoed(r.responses[0]!.body);
      expect(seen.HTTP_ACCEPT).toBe('text/html, text/plain');
      expect(seen.HTTP_X_N).toBe('1, 2');
    });

    spec('fields', 'RFC 6265 §5.4: repeated Cookie lines are combined with "; "', async () => {
      const r = await exchange(server().port, echo('Host: localhost', 'Cookie: a=1', 'Cookie: b=2,3'));
      expect(echoed(r.responses[0]!.body).HTTP_COOKIE).toBe('a=1; b=2,3');
    });

    spec('fields', 'CGI: Content-Type and Content-Length become CONTENT_TYPE and CONTENT_LENGTH, not HTTP_*', async () => {
      const r = await exchange(server().port, message('POST /echo HTTP/1.1', ['Host: localhost', 'Content-Type: text/plain', 'Content-Length: 2', 'Connection: close'], 'hi'));
      const seen = echoed(r.responses[0]!.body);
      expect(seen.CONTENT_TYPE).toBe('text/plain');
      expect(seen.CONTENT_LENGTH).toBe('2');
      expect(seen.HTTP_CONTENT_TYPE).toBeUndefined();
      expect(seen.HTTP_CONTENT_LENGTH).toBeUndefined();
    });

    spec('fields', 'RFC 9110 §5.5: obs-text (bytes 0x80-0xFF) in a value is passed on as latin1', async () => {
      const r = await exchange(server().port, Buffer.from(echo('Host: localhost', 'X-Latin: caf\xe9'), 'latin1'));
      expect(echoed(r.responses[0]!.body).HTTP_X_LATIN).toBe('caf\xe9');
    });

    spec('fields', '§5.2: obs-fold (a continuation line) gets 400 and Connection: close', async () => {
      const r = await exchange(server().port, echo('Host: localhost', 'X-Folded: first', ' second'));
      expect(r.responses.map((x) => x.status)).toEqual([400]);
      expect(r.responses[0]!.header('connection')).toBe('close');
      expect(r.closed).toBe(true);
    });

    spec('fields', '§5.1: whitespace between a field name and its colon gets 400', async () => {
      const r = await exchange(server().port, echo('Host: localhost', 'X-Space : 1'));
      expect(r.responses.map((x) => x.status)).toEqual([400]);
      expect(r.closed).toBe(true);
    });

    spec('fields', '§5.1: Transfer-Encoding with a space before its colon is refused, not ignored (smuggling)', async () => {
      const r = await exchange(server().port, message('POST /ignore HTTP/1.1', ['Host: localhost', 'Content-Length: 5', 'Transfer-Encoding : chunked'], '0\r\n\r\n'));
      expect(r.responses.map((x) => x.status)).toEqual([400]);
    });

    spec('fields', "RFC 9110 §5.6.2: a field name may hold every tchar (! # $ % & ' * + - . ^ _ ` | ~, digits, letters)", async () => {
      const name = "X-!#$%&'*+-.^_`|~09azAZ";
      const r = await exchange(server().port, echo('Host: localhost', `${name}: every tchar`, "X-It's: quoted"));
      expect(r.responses.map((x) => x.status)).toEqual([200]);
      const seen = echoed(r.responses[0]!.body);
      expect(seen["HTTP_X_!#$%&'*+_.^_`|~09AZAZ"]).toBe('every tchar');
      expect(seen["HTTP_X_IT'S"]).toBe('quoted');
    });

    for (const [why, line] of [
      ['a field line without a colon', 'X-No-Colon'],
      ['an empty field name', ': value'],
      ['a non-token character in a field name', 'X(Bad): 1'],
      ['a NUL in a field value', 'X-Nul: a\x00b'],
      ['a bare CR in a field value', 'X-Cr: a\rb'],
      ['a control character in a field value', 'X-Ctl: a\x01b'],
    ] as const) {
      spec('fields', `§5: ${why} gets 400`, async () => {
        const r = await exchange(server().port, Buffer.from(echo('Host: localhost', line), 'latin1'));
        expect(r.responses.map((x) => x.status)).toEqual([400]);
        expect(r.closed).toBe(true);
      });
    }

    spec('fields', '§3.2: an HTTP/1.1 request without Host gets 400', async () => {
      const r = await exchange(server().port, echo());
      expect(r.responses.map((x) => x.status)).toEqual([400]);
      expect(r.closed).toBe(true);
    });

    spec('fields', '§3.2: an HTTP/1.1 request with two Host lines gets 400', async () => {
      const r = await exchange(server().port, echo('Host: a.example', 'Host: b.example'));
      expect(r.responses.map((x) => x.status)).toEqual([400]);
    });

    spec('fields', '§3.2: a Host that is not a valid authority gets 400', async () => {
      const r = await exchange(server().port, echo('Host: bad host'));
      expect(r.responses.map((x) => x.status)).toEqual([400]);
    });

    spec('fields', '§3.2: a Host whose port is above 65535 gets 400 and close; 65535 is served', async () => {
      const r = await exchange(server().port, echo('Host: localhost:65536'));
      expect(r.responses.map((x) => x.status)).toEqual([400]);
      expect(r.closed).toBe(true);
      const top = await exchange(server().port, echo('Host: localhost:65535'));
      expect(echoed(top.responses[0]!.body).SERVER_PORT).toBe('65535');
    });

    spec('request-line', '§3.2: an HTTP/1.0 request without Host is served', async () => {
      const r = await exchange(server().port, message('GET /echo HTTP/1.0'));
      expect(r.responses.map((x) => x.status)).toEqual([200]);
    });

    spec('fields', 'PEP 3333: SERVER_NAME and SERVER_PORT come from Host', async () => {
      const r = await exchange(server().port, echo('Host: docs.example:8443'));
      const seen = echoed(r.responses[0]!.body);
      expect([seen.SERVER_NAME, seen.SERVER_PORT]).toEqual(['docs.example', '8443']);
      const v6 = echoed((await exchange(server().port, echo('Host: [::1]:9000'))).responses[0]!.body);
      expect([v6.SERVER_NAME, v6.SERVER_PORT]).toEqual(['[::1]', '9000']);
    });
  },
  { app: APP },
);

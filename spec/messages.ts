/**
 * Request bytes for the specs, written out so that the wire format stays visible in each test.
 *
 * `message('GET / HTTP/1.1', ['Host: localhost'])` is
 * `GET / HTTP/1.1\r\nHost: localhost\r\n\r\n`; a body goes after the empty line, as it is.
 */

import { spawn, spawnSync } from 'node:child_process';

/** A request: start-line, field lines, the empty line, then `body` as given. */
export function message(startLine: string, fields: readonly string[] = [], body = ''): string {
  let out = `${startLine}\r\n`;
  for (const f of fields) out += `${f}\r\n`;
  return `${out}\r\n${body}`;
}

/** An HTTP/1.1 GET with `Host: localhost` and `fields`. */
export function get(target: string, ...fields: string[]): string {
  return message(`GET ${target} HTTP/1.1`, ['Host: localhost', ...fields]);
}

/** An HTTP/1.1 POST with `Host: localhost`, a `Content-Length` body and `fields`. */
export function post(target: string, body: string, ...fields: string[]): string {
  return message(`POST ${target} HTTP/1.1`, ['Host: localhost', `Content-Length: ${Buffer.byteLength(body, 'latin1')}`, ...fields], body);
}

/** The body of a chunked message made of `chunks`, with the last-chunk and an empty trailer section. */
export function chunked(...chunks: string[]): string {
  return chunks.map((c) => `${Buffer.byteLength(c, 'latin1').toString(16)}\r\n${c}\r\n`).join('') + '0\r\n\r\n';
}

/** Whether `curl` is installed (the specs that use it skip, saying so, when it is not). */
export const HAS_CURL: boolean = spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0;

/** Runs curl with `args`; resolves with its exit code, stdout and stderr. */
export async function curl(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('curl', ['--silent', '--show-error', '--max-time', '10', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

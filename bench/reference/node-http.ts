/**
 * The yardstick: Node's own `node:http`, in one process, answering `GET /` with the same
 * status, `Content-Type` and body as `docs.app:app` ("Nibiru Docs"). It prints a ready line of
 * the same shape as the stages, so `harness/launcher.ts` and `bench/` start it the same way:
 *
 * ```sh
 * node --import tsx bench/reference/node-http.ts [--port N] [--host H]
 * ```
 *
 * @module reference-node-http
 */

import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/** The body `docs.app:app` answers `GET /` with. */
export const BODY = 'Nibiru Docs';

/** The request handler both references share: `/` answers the docs body, `/pid` the pid, else 404. */
export function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.url === '/') {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': BODY.length });
    res.end(req.method === 'HEAD' ? undefined : BODY);
  } else if (req.url === '/pid') {
    const body = `${process.pid}\n`;
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
    res.end(body);
  } else {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 10 });
    res.end('Not Found\n');
  }
}

/** Reads `--host`, `--port` and ignores the rest (so the launcher's app argument is harmless). */
export function referenceOptions(argv: string[]): { host: string; port: number; workers: number } {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    allowPositionals: true,
    options: { host: { type: 'string' }, port: { type: 'string' }, workers: { type: 'string' } },
  });
  return {
    host: typeof values.host === 'string' ? values.host : '127.0.0.1',
    port: typeof values.port === 'string' ? Number(values.port) : 8080,
    workers: typeof values.workers === 'string' ? Number(values.workers) : 2,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { host, port } = referenceOptions(process.argv.slice(2));
  const server = http.createServer(handler);
  server.listen(port, host, () => {
    const addr = server.address() as { port: number };
    process.stdout.write(`nibiru-ts reference node-http listening on http://${host}:${addr.port} pid=${process.pid}\n`);
  });
  const stop = (): void => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/**
 * The multi-process yardstick: `node:cluster` + `node:http` with `--workers N` (default 2),
 * each worker answering like `bench/reference/node-http.ts`. It uses cluster's default
 * scheduling policy (round-robin on Linux: the primary accepts and hands each connection to a
 * worker), which is what people get when they reach for `node:cluster`.
 *
 * ```sh
 * node --import tsx bench/reference/node-cluster.ts [--port N] [--workers N]
 * ```
 *
 * @module reference-node-cluster
 */

import cluster from 'node:cluster';
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { handler, referenceOptions } from './node-http.ts';

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { host, port, workers } = referenceOptions(process.argv.slice(2));
  if (cluster.isPrimary) {
    const pids: number[] = [];
    let listening = 0;
    let actualPort = port;
    let stopping = false;
    for (let i = 0; i < workers; i++) {
      const worker = cluster.fork({ NIBIRU_REF_PORT: String(port) });
      pids.push(worker.process.pid!);
      worker.on('listening', (address) => {
        actualPort = address.port;
        if (++listening === workers) {
          process.stdout.write(
            `nibiru-ts reference node-cluster listening on http://${host}:${actualPort} pid=${process.pid} workers=${pids.join(',')}\n`,
          );
        }
      });
    }
    const stop = (): void => {
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
      cluster.on('exit', () => {
        if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      });
      setTimeout(() => process.exit(0), 3000).unref();
    };
    cluster.on('exit', () => {
      if (!stopping) process.stderr.write('node-cluster reference: a worker died\n');
    });
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } else {
    // port 0 in every worker would give each its own port; the primary shares one listener
    // between workers that ask for the same port, including 0.
    const server = http.createServer(handler);
    server.listen(port, host);
    process.once('SIGTERM', () => {
      server.close(() => process.exit(0));
      server.closeAllConnections();
    });
    process.once('SIGINT', () => {});
  }
}

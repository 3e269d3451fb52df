/**
 * A worker process of stage 04: it accepts connections on the listening socket it shares with
 * the other workers, and serves them.
 *
 * Strategy: the master binds the socket once and forks this file with the socket's descriptor
 * inherited as fd {@link SHARED_SOCKET_FD}. The worker loads the application, listens on that
 * descriptor (`server.listen({ fd })`, public API), and says `ready`. From then on every worker
 * waits in `accept` on the same kernel socket: the kernel hands each new connection to one of
 * them. No message crosses per connection; the master does not even know a connection exists.
 * Each connection is served with stage 02's connection handling, unchanged.
 *
 * Stopping: on SIGTERM (from the master, which is shutting down), on SIGINT (a terminal's
 * Ctrl-C reaches every process of the group), or when the master disappears (the IPC channel disconnects), the
 * worker closes its listener, lets the requests in flight finish within the grace period
 * (`ConnectionSet.shutdown`), and exits 0. An application that cannot be loaded is reported
 * (`start-error`) and the worker exits 1; the master then gives up rather than respawn it.
 */

import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { loadApp } from './app.ts';
import { handleConnection } from './connection.ts';
import { AppLoadError } from './errors.ts';
import { SHARED_SOCKET_FD, type WorkerInit, type WorkerMessage } from './messages.ts';
import { ConnectionSet, connectionOptionsFromConfig } from './serving.ts';

/**
 * Sends a message to the master, if it is still there. Errors (the master died meanwhile)
 * are ignored: the `disconnect` handler deals with that.
 */
function tell(message: WorkerMessage, then?: () => void): void {
  if (!process.send || !process.connected) {
    then?.();
    return;
  }
  process.send(message, undefined, undefined, () => then?.());
}

/**
 * Runs a worker: load the app, listen on the inherited socket, announce readiness, serve
 * until told to stop.
 *
 * @param init what the master passed (configuration and the real port).
 */
export async function runWorker(init: WorkerInit): Promise<void> {
  const { config, port } = init;
  const connections = new ConnectionSet();
  let server: net.Server | undefined;
  let stopping = false;
  const stop = (graceMs: number): void => {
    if (stopping) return;
    stopping = true;
    server?.close();
    void connections.shutdown(graceMs).then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop(config.graceMs));
  process.once('SIGINT', () => stop(config.graceMs));
  process.once('disconnect', () => stop(config.graceMs));
  const fail = (message: string): void => tell({ type: 'start-error', message }, () => process.exit(1));

  let app;
  try {
    app = await loadApp(config.app);
  } catch (err) {
    fail(err instanceof AppLoadError ? err.message : `error loading ${config.app}: ${String(err)}`);
    return;
  }
  if (stopping) return;

  const options = connectionOptionsFromConfig(config, port, true, app);
  // allowHalfOpen, as stage 02's server: a client's FIN ends its requests, not the responses it is owed
  server = net.createServer({ allowHalfOpen: true }, (socket) => connections.add(handleConnection(socket, options)));
  server.once('error', (err) => fail(`cannot listen on the shared socket (fd ${SHARED_SOCKET_FD}): ${err.message}`));
  // the backlog goes as an argument: for { fd }, Node reads it from there, not from the options
  server.listen({ fd: SHARED_SOCKET_FD }, config.backlog, () => {
    // listening on a descriptor that is not bound would bind a random port: refuse to serve there
    const bound = (server!.address() as net.AddressInfo).port;
    if (bound === port) tell({ type: 'ready' });
    else fail(`the shared socket (fd ${SHARED_SOCKET_FD}) is bound to port ${bound}, not ${port}`);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void runWorker(JSON.parse(process.argv[2] ?? '{}') as WorkerInit);
}

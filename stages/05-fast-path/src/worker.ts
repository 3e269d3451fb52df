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
 * Stopping loses nothing that has reached the worker. On SIGTERM (from the master, which is
 * shutting down, or from an operator) the worker keeps accepting for one more poll phase
 * (closing its listener would reset, if it is the last process holding the socket, the
 * connections the kernel has queued), closes its listener, serves what has arrived on its
 * connections, with `Connection: close`, closes the rest (`ConnectionSet.shutdown`), and exits
 * 0; or, when the grace period ran out first, it tells the master which requests it cut off
 * (`cut`) and exits `EXIT_REQUESTS_CUT`. When the master dies, the worker stops on its own:
 * the master holds the only other end of the IPC channel, so the kernel closes it then,
 * however the master died, and the worker sees `disconnect` as soon as it gets control back.
 * Until it has closed its listener it holds the socket, and a new server cannot bind the
 * port. SIGINT is left to the master (a terminal's Ctrl-C reaches every process of the group,
 * the master too), unless the master is gone.
 *
 * A worker stuck in the application gets no control back, and keeps the socket. With
 * `--timeout`, its watchdog thread (`watchdog.ts`) reports a call that runs too long, and the
 * master kills the worker; if the master is gone, the watchdog ends the worker itself. With
 * `--timeout 0` nothing ends a worker stuck forever but a signal from outside (SIGKILL:
 * `kill -9 <pid>`); until then the port stays bound, and clients connect and wait.
 *
 * An application that cannot be loaded is reported (`start-error`) and the worker exits 1;
 * the master then gives up rather than respawn it.
 */

import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { loadApp, type App } from './app.ts';
import { handleConnection } from './connection.ts';
import { AppLoadError } from './errors.ts';
import { createLogger } from './log.ts';
import { SHARED_SOCKET_FD, WATCHDOG_FD, type WorkerInit, type WorkerMessage } from './messages.ts';
import { ConnectionSet, connectionOptionsFromConfig, EXIT_REQUESTS_CUT } from './serving.ts';
import { startWatchdog, watchApp } from './watchdog.ts';

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
  const logger = createLogger(config.logLevel);
  const connections = new ConnectionSet();
  let server: net.Server | undefined;
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    // a worker with nothing open has nothing to tell: the master says that it stops
    if (connections.size > 0) logger.info(`worker ${process.pid} stopping: ${connections.summary()}`);
    void connections.shutdown(config.graceMs, () => void server?.close()).then((cut) => {
      if (cut.length === 0) process.exit(0);
      // the master logs them; without a master, the worker does
      if (!process.connected) for (const request of cut) logger.warn(`worker ${process.pid}: cut off at the end of the grace period: ${request}`);
      tell({ type: 'cut', requests: cut }, () => process.exit(EXIT_REQUESTS_CUT));
    });
  };
  process.once('SIGTERM', stop);
  process.on('SIGINT', () => {
    if (!process.connected) stop();
  });
  process.once('disconnect', stop);
  // a master that died while this worker was importing its modules, before the listener above
  // was on, has disconnected already, and nothing will say so again
  if (!process.connected) stop();
  const fail = (message: string): void => tell({ type: 'start-error', message }, () => process.exit(1));

  // the watchdog's thread boots while the application loads: once this worker is ready, its
  // master counts on the thread's pings
  const watchdog = config.timeoutMs > 0 ? startWatchdog(config.timeoutMs, WATCHDOG_FD) : undefined;
  let app: App;
  try {
    app = await loadApp(config.app);
  } catch (err) {
    fail(err instanceof AppLoadError ? err.message : `error loading ${config.app}: ${String(err)}`);
    return;
  }
  await watchdog?.running;
  if (stopping) return;
  if (watchdog !== undefined) app = watchApp(app, watchdog.watch);

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

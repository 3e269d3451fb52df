/**
 * A worker process of stage 03: it serves the connections the master hands it.
 *
 * Strategy: the master forks this file (`child_process.fork`, which opens an IPC channel, a
 * UNIX socket pair). The worker loads the application, says `ready`, and then waits for
 * `connection` messages: each carries a connected TCP socket, whose file descriptor crossed
 * the UNIX socket as `SCM_RIGHTS` ancillary data. The worker acknowledges it (`accepted`:
 * the sign of progress the balancer passes stuck workers over by), serves it with stage 02's
 * connection handling, unchanged, and when the socket closes it tells the master (`closed`,
 * the completion notification that keeps the least-connection counts true).
 *
 * Stopping loses nothing that has reached the worker. On SIGTERM (from the master, which is
 * shutting down, or from an operator) the worker serves what has arrived on its connections,
 * with `Connection: close`, and closes the rest (`ConnectionSet.shutdown`). Connections the
 * master sent before may still be on their way: a signal overtakes the messages in the channel.
 * So the worker says `stopping`, keeps serving what comes the same way, and exits only once
 * the master has answered `stop`, which the channel delivers after every connection sent
 * before it: with 0, or, when the grace period ran out first, with `EXIT_REQUESTS_CUT` after
 * telling the master which requests it cut off (`cut`). When the master dies, the worker
 * stops on its own: the master holds the only other end of the IPC channel, so the kernel
 * closes it then, however the master died, and the worker sees `disconnect` as soon as it
 * gets control back (and knows that no more connections can come). SIGINT is left to the
 * master (a terminal's Ctrl-C reaches every process of the group, the master too), unless the
 * master is gone.
 *
 * A worker stuck in the application gets no control back. With `--timeout`, its watchdog
 * thread (`watchdog.ts`) reports a call that runs too long, and the master kills the worker;
 * if the master is gone, the watchdog ends the worker itself. With `--timeout 0` nothing ends
 * a worker stuck forever but a signal from outside (SIGKILL: `kill -9 <pid>`).
 *
 * An application that cannot be loaded is reported (`start-error`) and the worker exits 1;
 * the master then gives up rather than respawn it.
 *
 * What it will not do: accept connections itself (stage 04 does), or talk HTTP to the master.
 */

import type { Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { loadApp, type App } from './app.ts';
import { handleConnection } from './connection.ts';
import { AppLoadError } from './errors.ts';
import { createLogger } from './log.ts';
import { WATCHDOG_FD, type MasterMessage, type WorkerInit, type WorkerMessage } from './messages.ts';
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
 * Runs a worker: load the app, announce readiness, serve handed-over connections until told
 * to stop.
 *
 * @param init what the master passed (configuration and the real port).
 */
export async function runWorker(init: WorkerInit): Promise<void> {
  const { config, port } = init;
  const logger = createLogger(config.logLevel);
  const connections = new ConnectionSet();
  let stopping = false;
  /** Resolves once no more connections can come; set once the master may send some. */
  let lastConnection: Promise<void> | undefined;
  let noMoreConnections: (() => void) | undefined;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    // a worker with nothing open has nothing to tell: the master says that it stops
    if (connections.size > 0) logger.info(`worker ${process.pid} stopping: ${connections.summary()}`);
    if (lastConnection !== undefined) tell({ type: 'stopping' });
    void connections.shutdown(config.graceMs, () => lastConnection).then((cut) => {
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
  process.once('disconnect', () => {
    noMoreConnections?.();
    stop();
  });
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
  lastConnection = new Promise((resolve) => (noMoreConnections = resolve));
  process.on('message', (message: MasterMessage, handle?: Socket) => {
    if (message.type === 'connection' && handle) {
      tell({ type: 'accepted' });
      // the master counted this connection; every one it sent must be reported closed
      handle.once('close', () => tell({ type: 'closed' }));
      // as stage 02's server: a client's FIN ends its requests, not the responses it is owed
      handle.allowHalfOpen = true;
      // once stopping, the set shuts it down at once: served if its request has arrived
      connections.add(handleConnection(handle, options));
    } else if (message.type === 'stop') {
      noMoreConnections!();
    }
  });
  tell({ type: 'ready' });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void runWorker(JSON.parse(process.argv[2] ?? '{}') as WorkerInit);
}

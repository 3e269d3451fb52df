/**
 * A worker process of stage 03: it serves the connections the master hands it.
 *
 * Strategy: the master forks this file (`child_process.fork`, which opens an IPC channel, a
 * UNIX socket pair). The worker loads the application, says `ready`, and then waits for
 * `connection` messages: each carries a connected TCP socket, whose file descriptor crossed
 * the UNIX socket as `SCM_RIGHTS` ancillary data. The worker serves it with stage 02's
 * connection handling, unchanged, and when the socket closes it tells the master (`closed`,
 * the completion notification that keeps the least-connection counts true).
 *
 * Stopping: on SIGTERM (from the master, which is shutting down), on SIGINT (a terminal's
 * Ctrl-C reaches every process of the group), or when the master disappears (the IPC channel disconnects), the
 * worker refuses new connections, lets the requests in flight finish within the grace period
 * (`ConnectionSet.shutdown`), and exits 0. An application that cannot be loaded is reported
 * (`load-error`) and the worker exits 1; the master then gives up rather than respawn it.
 *
 * What it will not do: accept connections itself (stage 04 does), or talk HTTP to the master.
 */

import type { Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { loadApp } from './app.ts';
import { handleConnection } from './connection.ts';
import { AppLoadError } from './errors.ts';
import type { MasterMessage, WorkerInit, WorkerMessage } from './messages.ts';
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
 * Runs a worker: load the app, announce readiness, serve handed-over connections until told
 * to stop.
 *
 * @param init what the master passed (configuration and the real port).
 */
export async function runWorker(init: WorkerInit): Promise<void> {
  const { config, port } = init;
  const connections = new ConnectionSet();
  let stopping = false;
  const stop = (graceMs: number): void => {
    if (stopping) return;
    stopping = true;
    void connections.shutdown(graceMs).then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop(config.graceMs));
  process.once('SIGINT', () => stop(config.graceMs));
  process.once('disconnect', () => stop(config.graceMs));

  let app;
  try {
    app = await loadApp(config.app);
  } catch (err) {
    const message = err instanceof AppLoadError ? err.message : `error loading ${config.app}: ${String(err)}`;
    tell({ type: 'start-error', message }, () => process.exit(1));
    return;
  }
  if (stopping) return;

  const options = connectionOptionsFromConfig(config, port, true, app);
  process.on('message', (message: MasterMessage, handle?: Socket) => {
    if (message.type === 'connection' && handle) {
      // the master counted this connection; every one it sent must be reported closed
      handle.once('close', () => tell({ type: 'closed' }));
      // as stage 02's server: a client's FIN ends its requests, not the responses it is owed
      handle.allowHalfOpen = true;
      if (stopping) handle.destroy();
      else connections.add(handleConnection(handle, options));
    }
  });
  tell({ type: 'ready' });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void runWorker(JSON.parse(process.argv[2] ?? '{}') as WorkerInit);
}

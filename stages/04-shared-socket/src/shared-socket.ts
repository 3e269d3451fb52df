/**
 * How connections reach the workers when they share one listening socket: they do not pass
 * through the master. The master binds the socket once and hands its descriptor to every
 * worker it forks.
 *
 * Strategy: {@link bindShared} (`server.ts`) binds the address without listening, so the
 * master's event loop never polls the socket. Each worker is forked with the socket's
 * descriptor as its fd {@link SHARED_SOCKET_FD} and listens on it; from then on the workers
 * all wait in `accept` on the same kernel socket, and the kernel gives each connection to one
 * of them. No message crosses per connection, there is nothing to balance, and the master
 * does not know connections exist. It keeps its own descriptor open, unused, so that a
 * replacement worker can inherit it too, and closes it when shutdown begins: each worker
 * then keeps accepting for one more poll phase and closes its listener, and once the last
 * descriptor is closed, the kernel closes the socket.
 *
 * What it will not do: choose which worker gets a connection. The kernel wakes whichever
 * workers wait in `accept`, and the first to call it wins.
 */

import type { Config } from './cli.ts';
import type { ListenError } from './errors.ts';
import { SHARED_SOCKET_FD } from './messages.ts';
import { bindShared } from './server.ts';
import type { Intake } from './supervisor.ts';

/**
 * Binds `config.host:config.port` for the workers to inherit and accept on.
 *
 * @throws {@link ListenError} when the address is in use, cannot be resolved, or cannot be bound.
 */
export async function shareSocket(config: Config): Promise<Intake> {
  const shared = await bindShared(config.host, config.port);
  return {
    port: shared.port,
    // the worker inherits the shared socket as its fd 4, after the IPC channel's fd 3
    inherited: new Map([[SHARED_SOCKET_FD, shared.fd]]),
    close: async () => shared.close(),
  };
}

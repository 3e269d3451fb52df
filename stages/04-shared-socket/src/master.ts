/**
 * The master process: it binds the listening socket once, forks workers that inherit it,
 * and keeps them alive. It never accepts a connection.
 *
 * Strategy: two parts, one file each. {@link shareSocket} (`shared-socket.ts`) is how
 * connections reach the workers: it binds the socket the workers inherit and accept on.
 * {@link supervise} (`supervisor.ts`) keeps the workers alive: it forks them, replaces the
 * ones that die, kills the ones stuck past `--timeout`, and stops them all on shutdown.
 *
 * What it will not do: choose which worker gets a connection; the kernel does.
 */

import type { Config } from './cli.ts';
import type { AppLoadError, ListenError, WorkerStartError } from './errors.ts';
import { createLogger } from './log.ts';
import { shareSocket } from './shared-socket.ts';
import { supervise, type Master, type MasterOptions } from './supervisor.ts';

/**
 * Binds, forks `config.workers` workers, and resolves once every worker has loaded the
 * application and listens.
 *
 * @throws {@link ListenError} when the address cannot be bound, {@link AppLoadError} when a
 * worker cannot load the application, {@link WorkerStartError} when a worker dies on start.
 */
export async function startMaster(config: Config, options: MasterOptions = {}): Promise<Master> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const shared = await shareSocket(config);
  return supervise(config, shared, logger, options.backoff);
}

/**
 * The master process of stage 03: it accepts every connection and passes it, still unread,
 * to the worker with the fewest open connections.
 *
 * Strategy: two parts, one file each. The {@link Dispatcher} (`dispatcher.ts`) is how
 * connections reach the workers: it listens, accepts, and hands each connection's descriptor
 * to a worker. {@link supervise} (`supervisor.ts`) keeps the workers alive: it forks them,
 * replaces the ones that die, kills the ones stuck past `--timeout`, and stops them all on
 * shutdown, telling the dispatcher as workers come and go.
 *
 * What it will not do: look at requests, so it cannot balance by request, only by connection.
 */

import type { Config } from './cli.ts';
import { Dispatcher } from './dispatcher.ts';
import type { AppLoadError, ListenError, WorkerStartError } from './errors.ts';
import { createLogger } from './log.ts';
import { supervise, type Master, type MasterOptions } from './supervisor.ts';

/**
 * Listens, forks `config.workers` workers, and resolves once every worker has loaded the
 * application.
 *
 * @throws {@link ListenError} when the address cannot be bound, {@link AppLoadError} when a
 * worker cannot load the application, {@link WorkerStartError} when a worker dies on start.
 */
export async function startMaster(config: Config, options: MasterOptions = {}): Promise<Master> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const dispatcher = await Dispatcher.listen(config, logger);
  return supervise(config, dispatcher, logger, options.backoff);
}

/**
 * The entry point of stage 05: parse the command line, start the master and its workers, and
 * print one ready line once every worker has loaded the application.
 *
 * Strategy: everything that can go wrong before the server is up ends the process with one
 * line on stderr, no stack trace: a mistake on the command line with {@link EXIT_USAGE} (2),
 * an application a worker cannot load or a port in use with 1. So does a replacement worker
 * that cannot load the application later. SIGINT and SIGTERM stop accepting and let the
 * workers serve what has reached them within `--grace`, between a "stopping" line and a
 * "stopped" line; the process exits 0, or {@link EXIT_REQUESTS_CUT} when requests had to be
 * cut off (the master logs each one) or a worker had to be killed.
 *
 * Run it as `npm run stage 05 -- docs.app:app`, or directly as
 * `node --import tsx stages/05-fast-path/src/main.ts docs.app:app`.
 */

import { pathToFileURL } from 'node:url';
import { EXIT_USAGE, formatDuration, parseCli, USAGE } from './cli.ts';
import { AppLoadError, ListenError, UsageError, WorkerStartError } from './errors.ts';
import { createLogger } from './log.ts';
import { startMaster } from './master.ts';
import { EXIT_REQUESTS_CUT } from './serving.ts';

/** The name of this stage, as the ready line prints it. */
export const STAGE = '05-fast-path';

function isExpected(err: unknown): err is Error {
  return err instanceof UsageError || err instanceof AppLoadError || err instanceof ListenError || err instanceof WorkerStartError;
}

/**
 * Runs the server until SIGINT or SIGTERM.
 *
 * @param argv the arguments after the stage name, e.g. `['docs.app:app', '8080', '--workers', '2']`.
 */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    const config = parseCli(argv);
    if (config === 'help') {
      process.stdout.write(USAGE);
      return;
    }
    const logger = createLogger(config.logLevel);
    const master = await startMaster(config, { logger });
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      const n = master.workerPids().length;
      logger.info(`${signal}: stopping ${n} worker${n === 1 ? '' : 's'}; grace ${formatDuration(config.graceMs)}`);
      void master.shutdown(config.graceMs).then((clean) => {
        logger.info('stopped');
        process.exit(clean ? 0 : EXIT_REQUESTS_CUT);
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    void master.failed.then(async (err) => {
      process.stderr.write(`nibiru-ts: error: ${err.message}\n`);
      stopping = true;
      await master.shutdown(0);
      process.exit(1);
    });
    const url = `http://${master.host.includes(':') ? `[${master.host}]` : master.host}:${master.port}`;
    process.stdout.write(
      `nibiru-ts stage ${STAGE} listening on ${url} app=${config.app} pid=${process.pid} backlog=${config.backlog} workers=${master.workerPids().join(',')}\n`,
    );
  } catch (err) {
    if (isExpected(err)) {
      process.stderr.write(`nibiru-ts: error: ${err.message}\n`);
      process.exit(err instanceof UsageError ? EXIT_USAGE : 1);
    }
    throw err;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main(process.argv.slice(2));
}

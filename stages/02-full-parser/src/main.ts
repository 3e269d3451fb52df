/**
 * The entry point of stage 02: parse the command line, load the application, listen, and
 * print one ready line.
 *
 * Strategy: everything that can go wrong before the server is up ends the process with one
 * line on stderr, no stack trace: a mistake on the command line with {@link EXIT_USAGE} (2),
 * a missing app or a port in use with 1. SIGINT and SIGTERM stop the server gracefully
 * (`RunningServer.close`), between a "stopping" line (with the connections open) and a
 * "stopped" line: what has arrived is served, with `Connection: close`, and the rest is
 * closed. The process exits 0, which also lets coverage be written; or, when the grace period
 * (`--grace`) ran out before every request in progress was answered, it prints one line per
 * request cut off and exits {@link EXIT_REQUESTS_CUT}.
 *
 * There is no `--timeout` here, unlike stages 03 and 04: there a master kills a worker stuck
 * in the application and forks a new one, and here there is no one to do either.
 *
 * Run it as `npm run stage 02 -- docs.app:app`, or directly as
 * `node --import tsx stages/02-full-parser/src/main.ts docs.app:app`.
 */

import { pathToFileURL } from 'node:url';
import { loadApp } from './app.ts';
import { EXIT_USAGE, formatDuration, parseCli, USAGE } from './cli.ts';
import { AppLoadError, ListenError, UsageError } from './errors.ts';
import { createLogger } from './log.ts';
import { startServer } from './server.ts';
import { EXIT_REQUESTS_CUT } from './serving.ts';

/** The name of this stage, as the ready line prints it. */
export const STAGE = '02-full-parser';

/**
 * Runs the server until SIGINT or SIGTERM.
 *
 * @param argv the arguments after the stage name, e.g. `['docs.app:app', '8080']`.
 */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    const config = parseCli(argv);
    if (config === 'help') {
      process.stdout.write(USAGE);
      return;
    }
    const app = await loadApp(config.app);
    const running = await startServer(config, app);
    const logger = createLogger(config.logLevel);
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      // Ctrl-C under `npm run` comes twice: from the terminal, and passed on by npm
      if (stopping) return;
      stopping = true;
      logger.info(`${signal}: stopping: ${running.connections.summary()}; grace ${formatDuration(config.graceMs)}`);
      void running.close(config.graceMs).then((cut) => {
        for (const request of cut) logger.warn(`cut off at the end of the grace period: ${request}`);
        logger.info('stopped');
        process.exit(cut.length === 0 ? 0 : EXIT_REQUESTS_CUT);
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const url = `http://${running.host.includes(':') ? `[${running.host}]` : running.host}:${running.port}`;
    process.stdout.write(
      `nibiru-ts stage ${STAGE} listening on ${url} app=${config.app} pid=${process.pid} backlog=${config.backlog}\n`,
    );
  } catch (err) {
    if (err instanceof UsageError || err instanceof AppLoadError || err instanceof ListenError) {
      process.stderr.write(`nibiru-ts: error: ${err.message}\n`);
      process.exit(err instanceof UsageError ? EXIT_USAGE : 1);
    }
    throw err;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main(process.argv.slice(2));
}

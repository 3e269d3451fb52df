/**
 * The command line: `<module.path[:callable]> [port] [options]`.
 *
 * Strategy: a pure function from `argv` to a {@link Config}, or a {@link UsageError} whose
 * message is the one line `main` prints before exiting 1. Every limit the server enforces is
 * a flag here, with its default in {@link USAGE}.
 */

import { parseArgs } from 'node:util';
import { DEFAULT_MAX_REQUEST_LINE } from './request-line.ts';

/** Everything the server is configured with. */
export interface Config {
  /** The application, `module.path[:callable]`. */
  readonly app: string;
  /** The address to listen on. */
  readonly host: string;
  /** The port to listen on; 0 picks a free one. */
  readonly port: number;
  /** The listen backlog: how many connections the kernel queues before the server accepts them. */
  readonly backlog: number;
  /** The longest request-line accepted, in bytes, its CRLF not counted; longer gets 414. */
  readonly maxRequestLine: number;
  /** How long a client has to send its request-line, in milliseconds. */
  readonly headerTimeoutMs: number;
  /** How long to drain a half-closed connection, in milliseconds. */
  readonly lingerMs: number;
}

/** The defaults of every option. */
export const DEFAULTS: Omit<Config, 'app'> = {
  host: '127.0.0.1',
  port: 8080,
  backlog: 128,
  maxRequestLine: DEFAULT_MAX_REQUEST_LINE,
  headerTimeoutMs: 10_000,
  lingerMs: 2_000,
};

/** The help text. */
export const USAGE = `Usage: npm run stage 01 -- <module.path[:callable]> [port] [options]

Serves a WSGI-style application with stage 01 (request-line only, one process).

Arguments:
  module.path[:callable]   the application, e.g. docs.app:app (docs/app.ts); callable defaults to app
  port                     the port to listen on (same as --port)

Options:
  --host <addr>            address to listen on                  (default ${DEFAULTS.host})
  --port <n>               port to listen on, 0 for any free one (default ${DEFAULTS.port})
  --backlog <n>            listen backlog                        (default ${DEFAULTS.backlog}; the log's first run used 32)
  --max-request-line <n>   longest request-line in bytes; longer gets 414 (default ${DEFAULTS.maxRequestLine})
                           (its CRLF, and empty lines before it, not counted)
  --header-timeout <ms>    time allowed to send the request-line   (default ${DEFAULTS.headerTimeoutMs})
  --linger <ms>            time to drain a closing connection      (default ${DEFAULTS.lingerMs})
  -h, --help               show this help
`;

/** A command-line mistake; `main` prints the message on one line and exits 1. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Parses the command line.
 *
 * @returns the configuration, or `'help'` when help was asked for.
 * @throws {@link UsageError} for an unknown option, a missing app or a bad number.
 */
export function parseCli(argv: readonly string[]): Config | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        backlog: { type: 'string' },
        'max-request-line': { type: 'string' },
        'header-timeout': { type: 'string' },
        linger: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const [app, portArg, ...rest] = positionals;
  if (app === undefined) throw new UsageError('missing application: give module.path[:callable], e.g. docs.app:app');
  if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`);
  if (portArg !== undefined && values.port !== undefined) {
    throw new UsageError('the port is given twice (positional and --port)');
  }
  return {
    app,
    host: values.host ?? DEFAULTS.host,
    port: integer('port', portArg ?? values.port, DEFAULTS.port, 0, 65535),
    backlog: integer('backlog', values.backlog, DEFAULTS.backlog, 1, 65535),
    maxRequestLine: integer('max-request-line', values['max-request-line'], DEFAULTS.maxRequestLine, 16, 1 << 20),
    headerTimeoutMs: integer('header-timeout', values['header-timeout'], DEFAULTS.headerTimeoutMs, 1, 3_600_000),
    lingerMs: integer('linger', values.linger, DEFAULTS.lingerMs, 0, 60_000),
  };
}

/**
 * Reads a whole number within `[min, max]`, or the default when absent.
 *
 * @throws {@link UsageError} naming the option and the range.
 */
export function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`bad ${name} '${raw}': expected a whole number from ${min} to ${max}`);
  }
  return n;
}

/**
 * The command line: `<module.path[:callable]> [port] [options]`.
 *
 * Strategy: a pure function from `argv` to a {@link Config}, or a {@link UsageError} whose
 * message is the one line `main` prints before exiting 1. Every limit the server enforces is
 * a flag here, with its default in {@link USAGE}. Stage 02 adds the limits of a full request
 * (header section, header count, body) and of a persistent connection (timeouts).
 */

import { parseArgs } from 'node:util';
import { UsageError } from './errors.ts';
import { DEFAULT_LIMITS } from './parser.ts';

/** Milliseconds per unit of a {@link duration}. */
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

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
  /**
   * The most bytes of field lines a request may carry, header and trailer sections together,
   * each line with its CRLF and each section's empty line counted; 431.
   */
  readonly maxHeaderBytes: number;
  /** The most field lines a request may carry, header and trailer sections together; 431. */
  readonly maxHeaderCount: number;
  /** The largest request body, in bytes after chunked decoding; 413. */
  readonly maxBodyBytes: number;
  /** The most bytes of responses waiting unsent on a connection before it stops taking pipelined requests. */
  readonly maxWriteBuffer: number;
  /** How long a client has to send a header section once it has started a request, in ms; 408. */
  readonly headerTimeoutMs: number;
  /** How long a client has to send a body once its header section is in, in ms; 408. */
  readonly bodyTimeoutMs: number;
  /** How long an idle keep-alive connection is kept open waiting for the next request, in ms. */
  readonly keepAliveTimeoutMs: number;
  /** How long to drain a half-closed connection, in milliseconds. */
  readonly lingerMs: number;
  /** On SIGINT/SIGTERM, how long in-flight requests get to finish before connections are cut, in ms. */
  readonly graceMs: number;
  /** How many worker processes serve connections. */
  readonly workers: number;
  /**
   * How long a worker may stay inside one application call before the master kills it with
   * SIGKILL and forks a replacement, in ms; 0 turns it off.
   */
  readonly timeoutMs: number;
}

/**
 * The most workers `--workers` accepts. Far more workers than cores only costs memory (each
 * is a whole Node.js process); the cap turns a typo such as `--workers 200` into an error.
 */
export const MAX_WORKERS = 64;

/** The defaults of every option. */
export const DEFAULTS: Omit<Config, 'app'> = {
  host: '127.0.0.1',
  port: 8080,
  backlog: 128,
  maxRequestLine: DEFAULT_LIMITS.maxRequestLine,
  maxHeaderBytes: DEFAULT_LIMITS.maxHeaderBytes,
  maxHeaderCount: DEFAULT_LIMITS.maxHeaderCount,
  maxBodyBytes: DEFAULT_LIMITS.maxBodyBytes,
  maxWriteBuffer: 1 << 20,
  headerTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  lingerMs: 2_000,
  graceMs: 5_000,
  workers: 2,
  timeoutMs: 30_000,
};

/** The help text. */
export const USAGE = `Usage: npm run stage 04 -- <module.path[:callable]> [port] [options]

Serves a WSGI-style application with stage 04 (workers accept on a listening socket they share).

Arguments:
  module.path[:callable]   the application, e.g. docs.app:app (docs/app.ts); callable defaults to app
  port                     the port to listen on (same as --port)

Options:
  --host <addr>            address to listen on                  (default ${DEFAULTS.host})
  --port <n>               port to listen on, 0 for any free one (default ${DEFAULTS.port})
  --backlog <n>            listen backlog                        (default ${DEFAULTS.backlog}; the log's first run used 32)
  --max-request-line <n>   longest request-line in bytes; longer gets 414        (default ${DEFAULTS.maxRequestLine})
                           (its CRLF, and empty lines before it, not counted)
  --max-header-size <n>    most bytes of field lines; more gets 431              (default ${DEFAULTS.maxHeaderBytes})
                           (header and trailer sections together: each field line with
                           its CRLF, and the empty line that ends each section)
  --max-headers <n>        most field lines, trailers included; more gets 431    (default ${DEFAULTS.maxHeaderCount})
  --max-body-size <n>      largest request body in bytes; larger gets 413        (default ${DEFAULTS.maxBodyBytes})
                           (after chunked decoding; checked against Content-Length up front)
  --max-write-buffer <n>   unsent response bytes a connection may hold; past it, its
                           pipelined requests wait until the client reads          (default ${DEFAULTS.maxWriteBuffer})
  --header-timeout <ms>    time to send a header section once started; then 408  (default ${DEFAULTS.headerTimeoutMs})
  --body-timeout <ms>      time to send a body after its header section; then 408 (default ${DEFAULTS.bodyTimeoutMs})
  --keep-alive-timeout <ms> time an idle connection waits for a request; then close (default ${DEFAULTS.keepAliveTimeoutMs})
  --linger <ms>            time to drain a closing connection                     (default ${DEFAULTS.lingerMs})
  --grace <ms>             on SIGINT/SIGTERM, time for requests in flight         (default ${DEFAULTS.graceMs})
  --workers <n>            worker processes, 1 to ${MAX_WORKERS}                              (default ${DEFAULTS.workers}, as in the log)
  --timeout <duration>     a worker this long in one app call is replaced; 2s, 500ms, 1m (default ${formatDuration(DEFAULTS.timeoutMs)}; 0 = off)
  -h, --help               show this help
`;

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
        'max-header-size': { type: 'string' },
        'max-headers': { type: 'string' },
        'max-body-size': { type: 'string' },
        'max-write-buffer': { type: 'string' },
        'header-timeout': { type: 'string' },
        'body-timeout': { type: 'string' },
        'keep-alive-timeout': { type: 'string' },
        linger: { type: 'string' },
        grace: { type: 'string' },
        workers: { type: 'string' },
        timeout: { type: 'string' },
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
    maxHeaderBytes: integer('max-header-size', values['max-header-size'], DEFAULTS.maxHeaderBytes, 64, 1 << 24),
    maxHeaderCount: integer('max-headers', values['max-headers'], DEFAULTS.maxHeaderCount, 1, 100_000),
    maxBodyBytes: integer('max-body-size', values['max-body-size'], DEFAULTS.maxBodyBytes, 0, 2 ** 40),
    maxWriteBuffer: integer('max-write-buffer', values['max-write-buffer'], DEFAULTS.maxWriteBuffer, 1024, 1 << 30),
    headerTimeoutMs: integer('header-timeout', values['header-timeout'], DEFAULTS.headerTimeoutMs, 1, 3_600_000),
    bodyTimeoutMs: integer('body-timeout', values['body-timeout'], DEFAULTS.bodyTimeoutMs, 1, 3_600_000),
    keepAliveTimeoutMs: integer('keep-alive-timeout', values['keep-alive-timeout'], DEFAULTS.keepAliveTimeoutMs, 1, 3_600_000),
    lingerMs: integer('linger', values.linger, DEFAULTS.lingerMs, 0, 60_000),
    graceMs: integer('grace', values.grace, DEFAULTS.graceMs, 0, 3_600_000),
    workers: integer('workers', values.workers, DEFAULTS.workers, 1, MAX_WORKERS),
    timeoutMs: duration('timeout', values.timeout, DEFAULTS.timeoutMs, 0, 3_600_000),
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

/**
 * Reads a duration within `[min, max]` milliseconds, or the default when absent: a number
 * followed by a unit, `ms`, `s`, `m` or `h` (`500ms`, `2s`, `1.5m`); a bare number is in
 * `bareUnit` (seconds unless told, as gunicorn's `--timeout` reads it).
 *
 * @returns the duration in milliseconds (a whole number of them, or the input is refused).
 * @throws {@link UsageError} naming the option and the range.
 */
export function duration(name: string, raw: string | undefined, fallback: number, min: number, max: number, bareUnit: 'ms' | 's' = 's'): number {
  if (raw === undefined) return fallback;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw);
  const exact = m ? Number(m[1]) * UNIT_MS[m[2] ?? bareUnit]! : NaN;
  const ms = Math.round(exact);
  // 1.5s is 1500 ms; 0.5ms is not a whole number of milliseconds
  if (!Number.isSafeInteger(ms) || Math.abs(exact - ms) > 1e-6 || ms < min || ms > max) {
    throw new UsageError(`bad ${name} '${raw}': expected a duration from ${formatDuration(min)} to ${formatDuration(max)}, such as 30s, 500ms or 2m`);
  }
  return ms;
}

/** Writes `ms` milliseconds in the largest unit that divides it: `0`, `500ms`, `30s`, `2m`, `1h`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  for (const unit of ['h', 'm', 's'] as const) if (ms % UNIT_MS[unit]! === 0) return `${ms / UNIT_MS[unit]!}${unit}`;
  return `${ms}ms`;
}

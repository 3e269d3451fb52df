/**
 * What the server prints, besides its ready line: its own messages, by level, and the access
 * log.
 *
 * Strategy: two streams, as gunicorn and uvicorn have them. The server's messages about
 * itself (a worker died, stopping, stopped, a request cut off) go to stderr, one line each,
 * starting `nibiru-ts: `, each at a {@link LogLevel}; `--log-level` (or `-q`, which is
 * `--log-level error`) drops the levels below it. Errors are always printed. The access log
 * (`--access-log`) goes to stdout, one line per response, written by the process that
 * served it (a worker, in stages 03 and 04), so it names that process's pid. Without
 * `--access-log` nothing is printed per request: a line per request costs a write per
 * request, and is for watching, not for measuring.
 *
 * What it will not do: buffer, rotate or timestamp the server's own messages; a terminal or
 * a process manager does that.
 */

/** How much the server says: `error` only, `warn` and errors, or `info` (the default) too. */
export type LogLevel = 'error' | 'warn' | 'info';

/** The levels, from the quietest. */
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info'];

/** Writes the server's messages about itself, one line each, dropping those below its level. */
export interface Logger {
  /** The server cannot go on, or could not start. Always printed. */
  error(message: string): void;
  /** Something went wrong and was dealt with: a worker died, a request was cut off. */
  warn(message: string): void;
  /** What the server does: a worker started, stopping, stopped. */
  info(message: string): void;
}

/**
 * A {@link Logger} at `level`, writing `nibiru-ts: <message>` lines.
 *
 * @param write where a line goes (default: stderr).
 */
export function createLogger(level: LogLevel, write: (line: string) => void = (line) => void process.stderr.write(line)): Logger {
  const rank = LOG_LEVELS.indexOf(level);
  const at = (l: LogLevel) => (message: string): void => {
    if (LOG_LEVELS.indexOf(l) <= rank) write(`nibiru-ts: ${message}\n`);
  };
  return { error: at('error'), warn: at('warn'), info: at('info') };
}

/** One response, as the access log tells it. */
export interface AccessRecord {
  /** The request's method, or `-` when the request-line could not be read. */
  readonly method: string;
  /** The request-target as received, or `-`. */
  readonly target: string;
  /** The status code sent. */
  readonly status: number;
  /** The bytes of body sent (0 for HEAD, 204, 304), chunked framing not counted. */
  readonly bodyBytes: number;
  /** Milliseconds from the request's arrival to the response's last byte handed to the socket. */
  readonly ms: number;
}

/**
 * One access-log line: `<ISO time> pid=<pid> <method> <target> <status> <body bytes> <ms>ms`,
 * e.g. `2026-12-02T09:14:03.512Z pid=4242 GET /docs/ 200 5120 1.3ms`. A target holds no
 * space (the request-line's grammar allows none), so the fields split on spaces.
 */
export function accessLine(record: AccessRecord, pid: number = process.pid, now: Date = new Date()): string {
  return `${now.toISOString()} pid=${pid} ${record.method} ${record.target} ${record.status} ${record.bodyBytes} ${record.ms.toFixed(1)}ms`;
}

/** Writes the {@link accessLine} of `record` on stdout. */
export function writeAccessLine(record: AccessRecord): void {
  process.stdout.write(`${accessLine(record)}\n`);
}

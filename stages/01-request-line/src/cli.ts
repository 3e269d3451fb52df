/**
 * The command line: `<module.path[:callable]> [port] [options]`.
 *
 * Strategy: a pure function from `argv` to a {@link Config}, or a {@link UsageError} whose
 * message is the one line `main` prints before exiting {@link EXIT_USAGE}. Every limit the
 * server enforces is a flag here, with its default in {@link USAGE}.
 *
 * The habits of gunicorn and uvicorn work: `-b/--bind HOST[:PORT]`, `-p/--port`, and every
 * duration takes a unit (`500ms`, `5s`, `2m`), a bare number being seconds, as gunicorn's
 * `--timeout` and `--graceful-timeout` read it. Node's own `parseArgs` messages are rephrased
 * (see {@link parseArgsProblem}): they quote unevenly, and advise a `--` that means something
 * else under `npm run`.
 */

import { parseArgs } from 'node:util';
import { UsageError } from './errors.ts';
import { LOG_LEVELS, type LogLevel } from './log.ts';
import { DEFAULT_MAX_REQUEST_LINE } from './request-line.ts';

/** The exit status of a mistake on the command line (gunicorn's, and Python's `argparse`'s). */
export const EXIT_USAGE = 2;

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
  /** How long a client has to send its request-line, in milliseconds. */
  readonly headerTimeoutMs: number;
  /** How long to drain a half-closed connection, in milliseconds. */
  readonly lingerMs: number;
  /** Whether to print one line per response on stdout (`--access-log`). */
  readonly accessLog: boolean;
  /** How much the server says on stderr (`--log-level`, `-q`). */
  readonly logLevel: LogLevel;
}

/** The defaults of every option. */
export const DEFAULTS: Omit<Config, 'app'> = {
  host: '127.0.0.1',
  port: 8080,
  backlog: 128,
  maxRequestLine: DEFAULT_MAX_REQUEST_LINE,
  headerTimeoutMs: 10_000,
  lingerMs: 2_000,
  accessLog: false,
  logLevel: 'info',
};

/** The help text. */
export const USAGE = `Usage: npm run stage 01 -- <module.path[:callable]> [port] [options]

Serves a WSGI-style application with stage 01 (request-line only, one process).

Arguments:
  module.path[:callable]   the application, e.g. docs.app:app (docs/app.ts); callable defaults to app
  port                     the port to listen on (same as --port)

A duration <d> is a number and a unit: 500ms, 5s, 2m, 1h; a bare number is seconds (as in gunicorn).

Options:
  -b, --bind <host[:port]> address and port to listen on, e.g. 0.0.0.0:8000, [::1]:8000;
                           a host alone listens on the port given otherwise, or the default
  --host <addr>            address to listen on                  (default ${DEFAULTS.host})
  -p, --port <n>           port to listen on, 0 for any free one (default ${DEFAULTS.port})
  --backlog <n>            listen backlog                        (default ${DEFAULTS.backlog}; the log's first run used 32)
  --max-request-line <n>   longest request-line in bytes; longer gets 414 (default ${DEFAULTS.maxRequestLine})
                           (its CRLF, and empty lines before it, not counted)
  --header-timeout <d>     time allowed to send the request-line   (default ${formatDuration(DEFAULTS.headerTimeoutMs)})
  --linger <d>             time to drain a closing connection      (default ${formatDuration(DEFAULTS.lingerMs)})
  --access-log             one line per response on stdout: time, pid, method, target,
                           status, body bytes, milliseconds
  --log-level <level>      error, warn or info: what the server says on stderr  (default ${DEFAULTS.logLevel})
  -q, --quiet              errors only (--log-level error)
  -h, --help               show this help

Exit status:
  0   stopped on SIGINT/SIGTERM (or --help)
  1   could not start: the application cannot be loaded, the port is in use
  2   a mistake on the command line
`;

/** How `parseArgs` reads one option. */
export interface OptionSpec {
  /** `string` takes a value; `boolean` is a switch. */
  readonly type: 'string' | 'boolean';
  /** The one-letter form, e.g. `p` for `-p`. */
  readonly short?: string;
}

/** The options, as `parseArgs` reads them (their literal types give `values` its types). */
const PARSE_OPTIONS = {
  bind: { type: 'string', short: 'b' },
  host: { type: 'string' },
  port: { type: 'string', short: 'p' },
  backlog: { type: 'string' },
  'max-request-line': { type: 'string' },
  'header-timeout': { type: 'string' },
  linger: { type: 'string' },
  'access-log': { type: 'boolean' },
  'log-level': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * The options of this stage, by long name. `bin/stage.ts` reads them too, to tell when npm
 * took one for itself.
 */
export const OPTIONS: Readonly<Record<string, OptionSpec>> = PARSE_OPTIONS;

/**
 * Parses the command line.
 *
 * @returns the configuration, or `'help'` when help was asked for.
 * @throws {@link UsageError} for an unknown option, a missing app, a bad number or duration.
 */
export function parseCli(argv: readonly string[]): Config | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: PARSE_OPTIONS });
  } catch (err) {
    throw new UsageError(parseArgsProblem(err));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const [app, portArg, ...rest] = positionals;
  if (app === undefined) throw new UsageError('missing application: give module.path[:callable], e.g. docs.app:app');
  if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`);
  const bound = values.bind === undefined ? undefined : bind(values.bind);
  const ports = [portArg, values.port, bound?.port].filter((p) => p !== undefined);
  if (ports.length > 1) throw new UsageError('the port is given twice (a port argument, --port, --bind)');
  if (bound !== undefined && values.host !== undefined) throw new UsageError('the host is given twice (--host and --bind)');
  if (values.quiet && values['log-level'] !== undefined) throw new UsageError('give -q or --log-level, not both');
  return {
    app,
    host: bound?.host ?? values.host ?? DEFAULTS.host,
    port: integer('port', ports[0], DEFAULTS.port, 0, 65535),
    backlog: integer('backlog', values.backlog, DEFAULTS.backlog, 1, 65535),
    maxRequestLine: integer('max-request-line', values['max-request-line'], DEFAULTS.maxRequestLine, 16, 1 << 20),
    headerTimeoutMs: duration('header-timeout', values['header-timeout'], DEFAULTS.headerTimeoutMs, 1, 3_600_000),
    lingerMs: duration('linger', values.linger, DEFAULTS.lingerMs, 0, 60_000),
    accessLog: values['access-log'] ?? DEFAULTS.accessLog,
    logLevel: values.quiet ? 'error' : logLevel(values['log-level']),
  };
}

/**
 * Rephrases an error of Node's `parseArgs` as one line of ours: Node's messages quote
 * unevenly and, for an unknown option, advise a `--` that under `npm run` means something
 * else.
 */
export function parseArgsProblem(err: unknown): string {
  const { code, message } = err as { code?: string; message: string };
  // Node names the option as '--frobnicate', '-h, --help' or '-p, --port <value>'
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  const option = /--[^\s,]+/.exec(quoted)?.[0] ?? quoted.split(/[\s,]/)[0];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const near = option?.startsWith('--') ? nearest(option.slice(2), Object.keys(PARSE_OPTIONS)) : undefined;
    return near === undefined ? `unknown option '${option}' (--help lists them)` : `unknown option '${option}'; did you mean --${near}?`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return /does not take an argument/.test(message) ? `option ${option} takes no value` : `option ${option} needs a value`;
  }
  return message.split('\n')[0]!;
}

/**
 * The option of `names` nearest to a mistyped `word`, or undefined when none is near: at most
 * two edits away (a letter added, dropped, changed, or two swapped: `wrokers` is one swap from
 * `workers`), and fewer edits than half its length, so that `--x` suggests nothing.
 */
export function nearest(word: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.min(3, Math.ceil(word.length / 2));
  for (const name of names) {
    const d = editDistance(word, name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/** The edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  // d[i][j]: the distance between the first i characters of a and the first j of b
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** What `--bind` names: a host, and a port still to be checked as one. */
export interface Bind {
  /** The address, without the brackets of an IPv6 one. */
  readonly host: string;
  /** The port as written; undefined for a host alone (gunicorn's `-b 0.0.0.0`). */
  readonly port: string | undefined;
}

/**
 * Reads `--bind HOST[:PORT]` (`0.0.0.0:8000`, `localhost:0`, `[::1]:8000`), or a host alone
 * (`0.0.0.0`, `[::1]`), which gunicorn binds on its default port.
 *
 * @throws {@link UsageError} when it is neither: an empty host or port, or an IPv6 address
 * without its brackets.
 */
export function bind(raw: string): Bind {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::([^:]+))?$/.exec(raw);
  if (!m) throw new UsageError(`bad bind '${raw}': expected HOST or HOST:PORT, such as 127.0.0.1:8080 or [::1]:8080`);
  return { host: (m[1] ?? m[2])!, port: m[3] };
}

/**
 * Reads `--log-level`, or the default when absent.
 *
 * @throws {@link UsageError} naming the levels.
 */
export function logLevel(raw: string | undefined): LogLevel {
  if (raw === undefined) return DEFAULTS.logLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) throw new UsageError(`bad log-level '${raw}': expected ${LOG_LEVELS.slice(0, -1).join(', ')} or ${LOG_LEVELS.at(-1)}`);
  return raw as LogLevel;
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

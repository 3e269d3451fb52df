/**
 * Parser benchmark: stage 02's RequestParser against node:http's llhttp and http-parser-js.
 *
 * Strategy: one process, one corpus, three parsers, each fed the same buffers and made to hand
 * over the same observable output (method, target, every header name and value, every body
 * byte) to a sink, so no parser wins by doing less. Before timing, a check pass compares what
 * the three parsers saw. Each row then runs for `--seconds` per parser, interleaved over
 * `--rounds` rounds after a warm-up, and the table reports the median requests per second.
 *
 * llhttp is reached through `process.binding('http_parser')`, set up as node:http's
 * `_http_common.js` does it (`initialize(REQUEST, {})`, then the kOnHeadersComplete / kOnBody /
 * kOnMessageComplete callbacks). It is C, but every message crosses into JavaScript through
 * those callbacks, with its strings made on the C++ side. What this does not measure: sockets,
 * IncomingMessage objects and streams, which node:http adds on top (the end-to-end benchmark
 * does that). `npm run bench:parser -- --help` lists the options.
 */

import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { NEED_DATA, RequestParser } from '../stages/02-full-parser/src/parser.ts';
import { BenchUsageError, command, formatDuration, parseFlags, positive } from './cli-args.ts';
import { fmt, table } from './markdown.ts';
import { median } from './stats.ts';

// ---------------------------------------------------------------------------------------------
// Options

/** The help text. */
export const USAGE = `Usage: npm run bench:parser -- [options]

Stage 02's request parser against node:http's llhttp and http-parser-js, in one process, on
four kinds of request (no sockets, no server; it does not take the bench lock). Prints the
median requests/s of each parser per kind. With the defaults it takes about ${formatDuration(estimate(1, 5, 4))}.

Options:
  --seconds <n>    seconds per parser per round          (default 1)
  --rounds <n>     rounds, the parsers in turn           (default 5)
  -h, --help       show this help, start nothing
`;

/** Seconds a run takes: per kind, a warm-up of each parser, then the rounds. */
function estimate(seconds: number, rounds: number, kinds: number): number {
  return kinds * 3 * (Math.min(0.5, seconds / 2) + rounds * seconds);
}

/** The parsed command line. */
interface ParserOptions {
  readonly seconds: number;
  readonly rounds: number;
}

/** Parses the command line; throws {@link BenchUsageError}. */
function parseParserArgs(argv: readonly string[]): ParserOptions | 'help' {
  const { values } = parseFlags(argv, {
    seconds: { type: 'string' },
    rounds: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  return { seconds: positive('--seconds', values.seconds) ?? 1, rounds: positive('--rounds', values.rounds) ?? 5 };
}

// ---------------------------------------------------------------------------------------------
// Corpus

interface Row {
  readonly name: string;
  readonly bytes: Buffer;
  /** How many requests `bytes` holds. */
  readonly requests: number;
}

const SMALL_GET = 'GET / HTTP/1.1\r\nHost: localhost:8080\r\n\r\n';

const BROWSER_GET =
  'GET /docs/guide/getting-started.html?lang=en&v=2 HTTP/1.1\r\n' +
  'Host: localhost:8080\r\n' +
  'Connection: keep-alive\r\n' +
  'Cache-Control: max-age=0\r\n' +
  'sec-ch-ua: "Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"\r\n' +
  'sec-ch-ua-mobile: ?0\r\n' +
  'sec-ch-ua-platform: "Linux"\r\n' +
  'Upgrade-Insecure-Requests: 1\r\n' +
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n' +
  'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n' +
  'Sec-Fetch-Site: same-origin\r\n' +
  'Sec-Fetch-Mode: navigate\r\n' +
  'Accept-Encoding: gzip, deflate, br\r\n' +
  'Accept-Language: en-US,en;q=0.9\r\n' +
  'Cookie: session=4f1c2a9e8b7d6c5e; theme=dark\r\n' +
  '\r\n';

function chunkedPost(): string {
  let body = '';
  for (const size of [256, 300, 200, 268]) body += `${size.toString(16)}\r\n${'x'.repeat(size)}\r\n`;
  return (
    'POST /api/items HTTP/1.1\r\n' +
    'Host: localhost:8080\r\n' +
    'Content-Type: application/json\r\n' +
    'Transfer-Encoding: chunked\r\n' +
    '\r\n' +
    body +
    '0\r\n\r\n'
  );
}

const ROWS: readonly Row[] = [
  { name: 'small GET', bytes: Buffer.from(SMALL_GET, 'latin1'), requests: 1 },
  { name: 'browser GET (14 headers)', bytes: Buffer.from(BROWSER_GET, 'latin1'), requests: 1 },
  { name: 'chunked POST (1 KiB, 4 chunks)', bytes: Buffer.from(chunkedPost(), 'latin1'), requests: 1 },
  { name: '16 pipelined small GETs', bytes: Buffer.from(SMALL_GET.repeat(16), 'latin1'), requests: 16 },
];

// ---------------------------------------------------------------------------------------------
// The three parsers, each behind the same interface

/** What a parser saw, for the check pass: one line per request. */
type Seen = string[];

interface Contender {
  readonly name: string;
  /** Parses `bytes` (whole requests), feeding the sink; returns the requests completed. */
  parse(bytes: Buffer): number;
  /** Parses `bytes` and describes what it saw. */
  describe(bytes: Buffer): Seen;
}

// What every parser hands over lands here. A field, not a `let`: a module variable holding a
// large number would allocate on every `+=`, and that garbage would be charged to the parsers.
const sink = { total: 0 };

function nibiru(): Contender {
  const parser = new RequestParser();
  return {
    name: 'nibiru-ts',
    parse(bytes) {
      let done = 0;
      let seen = 0;
      parser.receive(bytes);
      for (let event = parser.next(); event !== NEED_DATA; event = parser.next()) {
        if (event.type === 'request') {
          seen += event.method.length + event.target.length;
          const headers = event.headers;
          for (let i = 0; i < headers.length; i++) {
            const field = headers[i]!;
            seen += field[0].length + field[1].length;
          }
        } else if (event.type === 'data') {
          seen += event.chunk.length;
        } else {
          done++;
        }
      }
      sink.total += seen;
      return done;
    },
    describe(bytes) {
      const seen: Seen = [];
      const p = new RequestParser();
      p.receive(bytes);
      let line = '';
      for (let event = p.next(); event !== NEED_DATA; event = p.next()) {
        if (event.type === 'request') {
          line = `${event.method} ${event.target} ${event.headers.map(([n, v]) => `${n}=${v}`).join('|')} body:`;
        } else if (event.type === 'data') {
          line += event.chunk.toString('latin1');
        } else {
          seen.push(line);
        }
      }
      return seen;
    },
  };
}

/** The callback shape both llhttp's binding and http-parser-js use. */
interface CallbackParser {
  [key: number]: unknown;
  execute(bytes: Buffer): number | Error;
}

/** The three hooks a contender gives a callback parser. */
interface Hooks {
  readonly onHeaders: (method: string, url: string, headers: string[]) => void;
  readonly onBody: (b: Buffer) => void;
  readonly onEnd: () => void;
}

/**
 * Hooks that also collect a header section spread over several `execute()` calls: as
 * `_http_common.js` does, kOnHeaders runs only then, and kOnHeadersComplete gets the rest.
 */
function collecting(parser: CallbackParser, kOnHeaders: number, hooks: Hooks): Hooks {
  let partialHeaders: string[] = [];
  let partialUrl = '';
  parser[kOnHeaders] = (headers: string[], url: string) => {
    partialHeaders = partialHeaders.concat(headers);
    partialUrl += url;
  };
  return {
    ...hooks,
    onHeaders: (method, url, headers) => {
      if (partialUrl === '' && partialHeaders.length === 0) return hooks.onHeaders(method, url, headers);
      hooks.onHeaders(method, url || partialUrl, headers.length === 0 ? partialHeaders : headers);
      partialHeaders = [];
      partialUrl = '';
    },
  };
}

function llhttp(): Contender {
  const { HTTPParser, methods } = internalHttpParser();
  return callbackContender('llhttp', (given) => {
    const parser = new HTTPParser() as CallbackParser & { initialize(type: number, resource: object): void };
    const hooks = collecting(parser, HTTPParser.kOnHeaders, given);
    parser[HTTPParser.kOnHeadersComplete] = (_major: number, _minor: number, headers: string[] | undefined, method: number, url: string | undefined) => {
      hooks.onHeaders(methods[method]!, url ?? '', headers ?? []);
      return 0;
    };
    parser[HTTPParser.kOnBody] = hooks.onBody;
    parser[HTTPParser.kOnMessageComplete] = hooks.onEnd;
    parser[HTTPParser.kOnExecute] = null;
    parser.initialize(HTTPParser.REQUEST, {});
    return parser;
  });
}

function httpParserJs(): Contender {
  const require = createRequire(import.meta.url);
  const { HTTPParser } = require('http-parser-js') as {
    HTTPParser: { new (type: number): CallbackParser; REQUEST: number; methods: string[]; kOnHeaders: number; kOnHeadersComplete: number; kOnBody: number; kOnMessageComplete: number };
  };
  return callbackContender('http-parser-js', (given) => {
    const parser = new HTTPParser(HTTPParser.REQUEST);
    const hooks = collecting(parser, HTTPParser.kOnHeaders, given);
    parser[HTTPParser.kOnHeadersComplete] = (info: { method: number; url: string; headers: string[] }) => {
      hooks.onHeaders(HTTPParser.methods[info.method]!, info.url, info.headers);
      return 0;
    };
    parser[HTTPParser.kOnBody] = (b: Buffer, start: number, len: number) => hooks.onBody(b.subarray(start, start + len));
    parser[HTTPParser.kOnMessageComplete] = hooks.onEnd;
    return parser;
  });
}

/** A contender for a callback parser; `make` builds a parser that calls the three hooks. */
function callbackContender(name: string, make: (hooks: Hooks) => CallbackParser): Contender {
  let done = 0;
  const timed = make({
    onHeaders: (method, url, headers) => {
      let seen = method.length + url.length;
      for (let i = 0; i < headers.length; i++) seen += headers[i]!.length;
      sink.total += seen;
    },
    onBody: (b) => {
      sink.total += b.length;
    },
    onEnd: () => {
      done++;
    },
  });
  return {
    name,
    parse(bytes) {
      done = 0;
      const result = timed.execute(bytes);
      if (typeof result !== 'number') throw result;
      return done;
    },
    describe(bytes) {
      const seen: Seen = [];
      let line = '';
      const parser = make({
        onHeaders: (method, url, headers) => {
          const pairs: string[] = [];
          for (let i = 0; i < headers.length; i += 2) pairs.push(`${headers[i]!.toLowerCase()}=${headers[i + 1]}`);
          line = `${method} ${url} ${pairs.join('|')} body:`;
        },
        onBody: (b) => {
          line += b.toString('latin1');
        },
        onEnd: () => {
          seen.push(line);
        },
      });
      const result = parser.execute(bytes);
      if (typeof result !== 'number') throw result;
      return seen;
    },
  };
}

interface HttpParserBinding {
  HTTPParser: {
    new (): CallbackParser;
    REQUEST: number;
    kOnHeaders: number;
    kOnHeadersComplete: number;
    kOnBody: number;
    kOnMessageComplete: number;
    kOnExecute: number;
  };
  methods: string[];
}

/** node:http's own llhttp binding; `process.binding` is deprecated, so silence its warning. */
function internalHttpParser(): HttpParserBinding {
  const quiet = process.noDeprecation;
  process.noDeprecation = true;
  try {
    return (process as unknown as { binding(name: string): HttpParserBinding }).binding('http_parser');
  } finally {
    process.noDeprecation = quiet;
  }
}

// ---------------------------------------------------------------------------------------------
// Timing

/** Runs `contender` on `row` for about `seconds`; returns requests per second. */
function measure(contender: Contender, row: Row, seconds: number): number {
  const bytes = row.bytes;
  const budget = seconds * 1e9;
  const start = process.hrtime.bigint();
  let requests = 0;
  let elapsed = 0;
  // Check the clock every `batch` buffers, so reading it costs nothing measurable.
  const batch = 256;
  do {
    for (let i = 0; i < batch; i++) requests += contender.parse(bytes);
    elapsed = Number(process.hrtime.bigint() - start);
  } while (elapsed < budget);
  return requests / (elapsed / 1e9);
}

function main({ seconds: SECONDS, rounds: ROUNDS }: ParserOptions): void {
  process.stderr.write(`bench:parser: about ${formatDuration(estimate(SECONDS, ROUNDS, ROWS.length))}\n`);
  const contenders = [nibiru(), llhttp(), httpParserJs()];
  console.log(`# Parser benchmark\n`);
  console.log(`Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} CPUs)`);
  // Other processes steal time from a single-threaded loop: say how busy the machine was.
  console.log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`${SECONDS} s per parser per round, ${ROUNDS} rounds, median requests/s\n`);

  // Check: every parser sees the same requests, headers and bodies.
  for (const row of ROWS) {
    const [reference, ...others] = contenders.map((c) => c.describe(row.bytes));
    if (reference!.length !== row.requests) throw new Error(`${row.name}: nibiru saw ${reference!.length} requests`);
    for (const [k, other] of others.entries()) {
      if (JSON.stringify(other) !== JSON.stringify(reference)) {
        throw new Error(`${row.name}: ${contenders[k + 1]!.name} saw ${JSON.stringify(other)}, nibiru ${JSON.stringify(reference)}`);
      }
    }
  }

  const rowsOut: string[][] = [];
  for (const row of ROWS) {
    // Warm-up: let every parser's code get optimized before anything counts.
    for (const c of contenders) measure(c, row, Math.min(0.5, SECONDS / 2));
    const rates: number[][] = contenders.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order so no parser always runs first (or last) in a round.
      for (let k = 0; k < contenders.length; k++) {
        const j = (k + round) % contenders.length;
        rates[j]!.push(measure(contenders[j]!, row, SECONDS));
      }
    }
    const [ours, theirs, js] = rates.map(median) as [number, number, number];
    rowsOut.push([row.name, fmt(ours, 0), fmt(theirs, 0), fmt(js, 0), (ours / theirs).toFixed(2)]);
    process.stderr.write(`  ${row.name}: ${rowsOut.at(-1)!.slice(1).join(' | ')}\n`);
  }
  console.log(table(['row', 'nibiru-ts req/s', 'llhttp req/s', 'http-parser-js req/s', 'nibiru/llhttp'], rowsOut));
  if (sink.total === -1) console.log(''); // keep the sink observable
}

command(import.meta.url, { name: 'bench:parser', usage: () => USAGE, parse: parseParserArgs, run: main });

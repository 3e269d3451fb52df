/**
 * Where each chapter's exercises start: the stage before it, as it is, or a starter that the
 * chapter ships, written here as a short list of replacements applied to a copy of a stage.
 *
 * Strategy: a starter is the reference code with the piece each exercise asks for taken out,
 * so that every build exercise's spec fails on the starting point (`start-red.test.ts` checks
 * it) and passes once the piece is back. Each {@link Replacement} names one file of the copy,
 * the text it replaces (from `find` up to and including `through`), and what goes in its
 * place; {@link applyStarter} fails loudly when that text is not in the file exactly once,
 * so a change to the stage that a starter did not follow is caught, not half-applied. The
 * replaced code is marked `STARTER (exercise N.M)` in the copy. This file does not copy
 * folders or know about the workspace: `scripts/exercise.ts` does.
 */

import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One change a starter makes to a file of its stage copy. */
export interface Replacement {
  /** The file, relative to the stage folder, e.g. `src/connection.ts`. */
  readonly file: string;
  /** The text replaced (its first line, when `through` is given); it must occur exactly once. */
  readonly find: string;
  /** When given, the replaced text runs from `find` to the first `through` after it, inclusive. */
  readonly through?: string;
  /** What goes in its place. */
  readonly replace: string;
}

/** Where a chapter's exercises start. */
export interface StartingPoint {
  /** The stage copied, e.g. `01-request-line`. */
  readonly from: string;
  /** What the starter takes out of the copy, one line for `npm run exercise -- list`; null for the stage as it is. */
  readonly starter: string | null;
  /** The replacements that make the starter (none for the stage as it is). */
  readonly replacements: readonly Replacement[];
  /** The exercises of the chapter that are questions answered in the chapter, with no spec of their own. */
  readonly questions: readonly string[];
}

const CHAPTER_01: readonly Replacement[] = [
  {
    file: 'src/connection.ts',
    find: 'export function lingeringClose(socket: Socket, lingerMs: number): void {\n',
    through: '\n}\n',
    replace: `export function lingeringClose(socket: Socket, lingerMs: number): void {
  // STARTER (exercise 1.1): close as soon as the response is out; \`lingerMs\` is not used yet
  socket.end(() => socket.destroy());
}
`,
  },
  {
    file: 'src/connection.ts',
    find: '      // The line so far, less a CR that may turn out to be its terminator, against the limit.\n',
    through: '      else pending = buf;\n',
    replace: '      // STARTER (exercise 1.2): the limit is only checked once the LF has arrived\n      pending = buf;\n',
  },
  {
    file: 'src/request-line.ts',
    find: 'export function parseRequestLine(\n',
    through: '\n}\n',
    replace: `export function parseRequestLine(
  buf: Buffer,
  start: number,
  lf: number,
  maxLength = DEFAULT_MAX_REQUEST_LINE,
): RequestLine {
  // STARTER (exercises 1.2 and 1.3): a first, lenient parser. The grammar at the top of this
  // file, the limit counted without the CRLF, and the errors named in the TSDoc above are
  // what the exercises ask for.
  const text = buf.toString('latin1', start, lf);
  if (text.length > maxLength) throw new UriTooLong(maxLength);
  if (!text.endsWith('\\r')) throw new BadRequest('request-line must end with CRLF, not a bare LF');
  const parts = text.trim().split(/\\s+/);
  if (parts.length !== 3) throw new BadRequest('a request-line has three parts');
  const [word, target, versionText] = parts as [string, string, string];
  const method = word.toUpperCase();
  if (/[^\\x21-\\x7e]/.test(target)) throw new BadRequest('invalid character in request-target');
  const m = /^HTTP\\/(\\d)\\.(\\d+)$/i.exec(versionText);
  if (m === null) throw new BadRequest('malformed HTTP-version');
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major !== 1) throw new VersionNotSupported(\`HTTP/\${major}.\${minor}\`);
  const version: HttpVersion = minor === 0 ? '1.0' : '1.1';
  if (!KNOWN_METHODS.has(method)) throw new NotImplemented(\`method not implemented: \${method}\`);
  const { form, authority } = parseTarget(method, target);
  return { method, target, form, authority, version };
}
`,
  },
];

const CHAPTER_05: readonly Replacement[] = [
  {
    file: 'src/connection.ts',
    find: '    // the next read overwrites the shared buffer: keep what the parser still needs\n    this.#parser.keepBuffered();\n',
    replace: '    // STARTER (exercise 5.1): the parser keeps what it was given, as it is\n',
  },
  {
    file: 'src/connection.ts',
    find: '          // a view of the shared read buffer would not survive the next read\n          this.#body.push(this.#shared ? Buffer.from(event.chunk) : event.chunk);\n',
    replace: '          // STARTER (exercise 5.1): the body keeps the chunk it was given\n          this.#body.push(event.chunk);\n',
  },
  {
    file: 'src/connection.ts',
    find: '      this.#waitForRequest();\n    } finally {\n',
    through: '      this.#uncork();\n    }\n',
    replace: `      this.#waitForRequest();
      // STARTER (exercise 5.2): what was corked leaves when the loop ends
      this.#uncork();
    } finally {
      // STARTER (exercise 5.2): and when it does not end normally?
    }
`,
  },
  {
    file: 'src/connection.ts',
    find: "    if (!this.#shared) socket.on('data', this.#onData);\n",
    replace: '    // STARTER (exercise 5.3): the fallback, for a process that does not read into one buffer\n',
  },
  {
    file: 'src/response.ts',
    find: '  if (characters !== length) return null;\n',
    replace: '  // STARTER (exercise 5.4): every text body goes with its head, as latin1\n',
  },
];

/**
 * Each chapter's starting point, by the chapter's stage folder. A chapter missing here starts
 * from the stage before it, as it is.
 */
export const STARTING_POINTS: Readonly<Record<string, StartingPoint>> = {
  '01-request-line': {
    from: '01-request-line',
    starter: 'stage 01 without its lingering close, early 414, strict request-line',
    replacements: CHAPTER_01,
    questions: [],
  },
  '02-full-parser': { from: '01-request-line', starter: null, replacements: [], questions: [] },
  '03-fd-passing': { from: '02-full-parser', starter: null, replacements: [], questions: [] },
  '04-shared-socket': { from: '03-fd-passing', starter: null, replacements: [], questions: ['4.2', '4.3'] },
  '05-fast-path': {
    from: '05-fast-path',
    starter: 'stage 05 without its buffer copies, uncork, fallback, ASCII check',
    replacements: CHAPTER_05,
    questions: [],
  },
};

/**
 * The starting point of `chapter`'s exercises; `stages` lists the stage folders in order.
 *
 * @returns undefined for the first chapter when it names none (it has no stage before it).
 */
export function startingPoint(chapter: string, stages: readonly string[]): StartingPoint | undefined {
  const named = STARTING_POINTS[chapter];
  if (named !== undefined) return named;
  const before = stages[stages.indexOf(chapter) - 1];
  return before === undefined ? undefined : { from: before, starter: null, replacements: [], questions: [] };
}

/**
 * Applies `replacements` to the files under `dir`, in order.
 *
 * @throws when a replacement's text is not in its file exactly once (the stage changed under it).
 */
export function applyStarter(dir: string, replacements: readonly Replacement[]): void {
  for (const r of replacements) {
    const file = path.join(dir, r.file);
    const text = readFileSync(file, 'utf8');
    const at = text.indexOf(r.find);
    if (at === -1 || text.indexOf(r.find, at + 1) !== -1) {
      throw new Error(`starter: ${r.file} holds ${at === -1 ? 'no' : 'more than one'} ${JSON.stringify(r.find.split('\n')[0])}: update docs/exercises/starters.ts`);
    }
    const end = r.through === undefined ? at + r.find.length : text.indexOf(r.through, at + r.find.length);
    if (end === -1) throw new Error(`starter: ${r.file} has no ${JSON.stringify(r.through)} after ${JSON.stringify(r.find.split('\n')[0])}: update docs/exercises/starters.ts`);
    const stop = r.through === undefined ? end : end + r.through.length;
    writeFileSync(file, text.slice(0, at) + r.replace + text.slice(stop));
  }
}

/**
 * Writes `point`'s code to `destination` (which must not exist): a copy of `stagesDir/<from>`
 * with the starter's replacements applied.
 */
export function materialize(point: StartingPoint, stagesDir: string, destination: string): void {
  cpSync(path.join(stagesDir, point.from), destination, { recursive: true, errorOnExist: true, force: false });
  applyStarter(destination, point.replacements);
}

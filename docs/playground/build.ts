/**
 * `npm run playground`: bundles the parser playground's page module, with stage 02's parser,
 * into `docs/playground/playground.js`; `npm run playground -- --check` says whether the
 * committed bundle is what the sources build now.
 *
 * Strategy: esbuild (pinned in package.json to the version tsx brings) bundles `page.ts` and
 * what it imports (the engine, stage 02's `parser.ts` and its modules) into one ES module for
 * the browser, with `buffer-shim.ts` injected as `Buffer`. The build is in memory, with paths
 * relative to the repository, so it gives the same bytes on any machine: the check compares
 * them to the committed file, as `npm run figures -- --check` does for the documents' figures,
 * and `docs/playground/bundle.test.ts` runs it in `npm test`. The bundle is committed so that
 * the docs app serves it as a plain file, from a fresh clone and offline.
 *
 * What it will not do: minify (an attendee may read the bundle), or run inside the server.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The committed bundle, relative to the repository root. */
export const BUNDLE = 'docs/playground/playground.js';

const BANNER = `// The parser playground: built by \`npm run playground\` from docs/playground/page.ts, with
// stage 02's parser (stages/02-full-parser/src/parser.ts) as the server runs it. Do not edit.`;

/** Builds the bundle in memory and returns its text. */
export async function buildBundle(): Promise<string> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['docs/playground/page.ts'],
    inject: ['docs/playground/buffer-shim.ts'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    charset: 'utf8',
    legalComments: 'none',
    banner: { js: BANNER },
    write: false,
    outfile: BUNDLE,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** Whether the committed bundle is what the sources build now. */
export async function bundleIsFresh(): Promise<boolean> {
  let committed: string;
  try {
    committed = readFileSync(path.join(ROOT, BUNDLE), 'utf8');
  } catch {
    return false;
  }
  return committed === (await buildBundle());
}

async function main(args: string[]): Promise<number> {
  if (args.includes('--help')) {
    process.stdout.write('usage: npm run playground [-- --check]\n  Bundles docs/playground/page.ts and stage 02\'s parser into ' + BUNDLE + '; --check only compares.\n');
    return 0;
  }
  const unknown = args.find((a) => a !== '--check');
  if (unknown !== undefined) {
    process.stderr.write(`playground: unknown option '${unknown}' (try --check or --help)\n`);
    return 2;
  }
  if (args.includes('--check')) {
    if (await bundleIsFresh()) {
      process.stdout.write(`playground: ${BUNDLE} matches its sources\n`);
      return 0;
    }
    process.stderr.write(`playground: ${BUNDLE} is not what its sources build: run npm run playground, and commit it\n`);
    return 1;
  }
  const text = await buildBundle();
  writeFileSync(path.join(ROOT, BUNDLE), text);
  process.stdout.write(`playground: wrote ${BUNDLE} (${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB)\n`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`playground: build failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
      process.exit(1);
    },
  );
}

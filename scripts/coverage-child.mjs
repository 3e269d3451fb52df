/**
 * Loaded into every Node process `npm run coverage` starts (through `NODE_OPTIONS`): records
 * the V8 coverage of a server process of this repository (a stage, a worker, a benchmark's
 * reference server) and the code V8 ran, for `scripts/coverage.ts` to convert.
 *
 * Strategy: when `NIBIRU_COVERAGE_DIR` is set and the process runs a file of this repository
 * (not vitest itself, whose workers vitest's own coverage already counts, nor npm), open an
 * inspector session, start precise coverage (call counts and block ranges) and enable the
 * debugger, whose `getScriptSource` returns the code exactly as V8 ran it (tsx's output, with
 * its inline source map). On exit, write one JSON file: for each script of the repository
 * outside `node_modules`, its URL, its function ranges and that code. A process killed by
 * SIGKILL writes nothing, as with `NODE_V8_COVERAGE`.
 *
 * Plain JavaScript on purpose: it is loaded before tsx, by processes that may not load tsx.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.env.NIBIRU_COVERAGE_DIR;
const root = process.env.NIBIRU_COVERAGE_ROOT;
const main = process.argv[1] ?? '';

if (dir && root && main.startsWith(root + path.sep) && !main.includes(`${path.sep}node_modules${path.sep}`)) {
  const session = new Session();
  session.connect();
  // the inspector answers a session of the same thread synchronously: usable in 'exit'
  const post = (method, params) => {
    let answer;
    session.post(method, params, (err, result) => {
      if (err) throw err;
      answer = result;
    });
    return answer;
  };
  post('Profiler.enable');
  post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  post('Debugger.enable');
  const prefix = pathToFileURL(root).href + '/';
  process.once('exit', () => {
    const { result } = post('Profiler.takePreciseCoverage');
    const scripts = result
      .filter((s) => s.url.startsWith(prefix) && !s.url.includes('/node_modules/'))
      .map((s) => ({ url: s.url, functions: s.functions, code: post('Debugger.getScriptSource', { scriptId: s.scriptId }).scriptSource }));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${process.pid}-${Date.now()}.json`), JSON.stringify(scripts));
  });
}

/**
 * The smallest application: one line, the answer `node-http.ts` gives to `GET /`, so that
 * `npm run bench:compare -- --memory` weighs a stage without the docs app beside it. It
 * imports nothing (a type is no import once compiled).
 *
 * @module reference-hello
 */

import type { App } from '../../stages/02-full-parser/src/app.ts';

/** Answers every request `200 OK`, `Nibiru Docs`. */
export const app: App = (_environ, startResponse) => (startResponse('200 OK', [['Content-Type', 'text/plain; charset=utf-8']]), ['Nibiru Docs']);

/**
 * A test app that loads until a file exists: the file named by `NIBIRU_SPEC_BREAK_FILE`.
 * Created while the server runs, it makes every later load fail, as a deploy that broke the
 * app on disk would; the next replacement worker then cannot load the app, and the master
 * must exit 1 with the app's error instead of replacing workers forever.
 *
 * @module worker-load-fails-later-app
 */

import { existsSync } from 'node:fs';

const marker = process.env.NIBIRU_SPEC_BREAK_FILE;
if (marker && existsSync(marker)) throw new Error(`worker-load-fails-later: ${marker} exists, the app is broken`);

export { app } from '../../docs/app.ts';

/**
 * A test app that throws while it is imported, one call deep: its settings are read at the
 * module's top level, by a function that throws. The server must print its own one line, then
 * the app's two frames (the function, the top-level call), and none of Node's loader or tsx.
 *
 * @module import-throws-app
 */

/** Reads the app's settings; fails, as a missing settings file would. */
function readSettings(): Record<string, string> {
  throw new Error('import-throws: settings.json is missing');
}

/** The settings, read once, at import. */
export const settings = readSettings();

export { app } from '../../docs/app.ts';

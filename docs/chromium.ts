/**
 * Headless Chromium for the docs' browser tests (`browser.test.ts`, the playground's test) and
 * the playground's screenshot: where it is, and how it starts.
 *
 * Strategy: Debian's `chromium` package (CI installs it in `.ci/run`), or the binary
 * `CHROMIUM_PATH` names, driven by playwright-core through `executablePath`, so that nothing
 * is downloaded. A caller skips, and says why, when
 * {@link CHROMIUM} is undefined.
 *
 * What it will not do: download or install a browser.
 */

import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** The Chromium binary, or undefined when none is installed. */
export const CHROMIUM: string | undefined = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** What a test or script says when {@link CHROMIUM} is undefined. */
export const NO_CHROMIUM = 'no Chromium found (install it with `apt-get install -y chromium`, or set CHROMIUM_PATH)';

/** Headless Chromium's flags, and a few more that keep a run quiet and offline. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts headless Chromium ({@link CHROMIUM}, which must be defined). */
export function launchChromium(): Promise<Browser> {
  if (CHROMIUM === undefined) throw new Error(NO_CHROMIUM);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS], timeout: 30_000 });
}

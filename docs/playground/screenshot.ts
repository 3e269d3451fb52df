/**
 * Takes chapter 02's picture of the playground: `node --import tsx docs/playground/screenshot.ts`
 * writes `docs/guide/playground.png`.
 *
 * Strategy: start the docs app on stage 02 as a real process (as the tests do), open a case in
 * headless Chromium by its address (the chunked preset cut into three reads, at its first
 * data event), and take the page from its title to that step's details. The picture is committed; run this again
 * when the page changes.
 *
 * What it will not do: run in the tests (a picture's bytes differ from one run to the next).
 */

import path from 'node:path';
import { ROOT, startStage } from '../../harness/launcher.ts';
import { CHROMIUM, launchChromium, NO_CHROMIUM } from '../chromium.ts';
import { PRESETS } from './engine.ts';

/** Where the picture goes, relative to the repository root. */
export const PICTURE = 'docs/guide/playground.png';

async function main(): Promise<void> {
  if (CHROMIUM === undefined) throw new Error(NO_CHROMIUM);
  const server = await startStage('02-full-parser');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1240, height: 1200 } });
    const chunked = PRESETS.find((p) => p.id === 'chunked')!;
    const hash = new URLSearchParams({ in: chunked.input, reads: 'cuts', cuts: '60,118', step: '5' });
    await page.goto(`${server.url}/playground/#${hash}`);
    await page.waitForSelector('html[data-playground="ready"]');
    // the page without the site's navigation: the title down to the first step's details
    const box = await page.evaluate(() => {
      const main = document.querySelector('main')!.getBoundingClientRect();
      const top = document.querySelector('main h1')!.getBoundingClientRect().top - 12;
      const bottom = document.querySelector('#pg-detail')!.getBoundingClientRect().bottom + 12;
      return { x: main.left, y: top, width: main.width, height: Math.min(bottom - top, 1200) };
    });
    await page.screenshot({ path: path.join(ROOT, PICTURE), clip: box, fullPage: true });
    process.stdout.write(`screenshot: wrote ${PICTURE}\n`);
  } finally {
    await browser.close();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`screenshot: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
  process.exit(1);
});

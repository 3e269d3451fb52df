/**
 * The docs site in a real browser: headless Chromium opens `/docs/` served by the newest
 * stage (stage 04 once it exists), follows a link to a chapter, checks what it shows, and
 * keeps a screenshot in `test-artifacts/`.
 *
 * Strategy: Debian's `chromium` package, driven by playwright-core through `executablePath`
 * (no browser download). When no Chromium is installed the test is skipped, and its title
 * says so and how to install one. Set `CHROMIUM_PATH` to use another binary.
 */

import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listStages } from '../bin/stage.ts';
import { ROOT, startStage, type StageProcess } from '../harness/launcher.ts';
import { STAGE_ARGS } from '../spec/stages.ts';
import { CHROMIUM, launchChromium, NO_CHROMIUM } from './chromium.ts';

const STAGE = listStages().at(-1)!;
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const SCREENSHOT = path.join(ARTIFACTS, 'docs-chapter.png');

const title =
  CHROMIUM === undefined
    ? `browser: SKIPPED, ${NO_CHROMIUM}`
    : `browser: Chromium opens /docs/ served by stage ${STAGE}${STAGE.startsWith('04') ? '' : ' (stage 04 does not exist yet: the newest stage stands in)'}`;

describe.skipIf(CHROMIUM === undefined)(title, () => {
  let server: StageProcess;
  let browser: Browser;

  beforeAll(async () => {
    server = await startStage(STAGE, { args: [...(STAGE_ARGS[STAGE] ?? [])] });
    browser = await launchChromium();
  }, 240_000); // deadlines against hanging: a stage may take PATIENCE_MS (90 s) to start, Chromium 30 s

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the guide index, follows the nav to chapter 01, and marks it as the current page', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const response = await page.goto(server.url + '/docs/');
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
    await expect(page.title()).resolves.toMatch(/workshop/i);
    expect(await page.locator('main h1').first().textContent()).toMatch(/workshop/i);

    const link = page.locator('nav a[href="/docs/01-request-line.html"]');
    expect(await link.count()).toBe(1);
    await Promise.all([page.waitForURL('**/docs/01-request-line.html'), link.click()]);

    expect(await page.locator('main h1').first().textContent()).toMatch(/01 — The request-line server/);
    expect(await page.locator('nav a[aria-current="page"]').textContent()).toMatch(/01 — The request-line server/);
    // the relative markdown link to a source file became a route the same server answers
    const source = page.locator('main a[href="/files/stages/01-request-line/src/connection.ts"]').first();
    expect(await source.count()).toBe(1);
    // and the chapter's exercises are there, with their hints folded
    expect(await page.locator('main details summary').count()).toBeGreaterThanOrEqual(2);

    // the pager at the foot of a chapter leads on to the next one
    await Promise.all([page.waitForURL('**/docs/02-full-parser.html'), page.locator('main a[rel="next"]').click()]);
    expect(await page.locator('main h1').first().textContent()).toMatch(/^02 /);
    await page.goBack();
    expect(await page.locator('main h1').first().textContent()).toMatch(/01 — The request-line server/);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: false });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);

    // the browser revalidates what it has: going back to the index is a conditional request
    const again = await page.goto(server.url + '/docs/');
    expect([200, 304]).toContain(again?.status());
    await page.close();
  });
});

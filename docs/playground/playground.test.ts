/**
 * The parser playground in a real browser: headless Chromium opens `/playground/` from the
 * docs app served by stage 02 (a real server process on a real socket), and
 *
 * - runs every preset, cut three ways, through the bundled parser in the page, and compares
 *   the steps with stage 02's parser run in Node over the same bytes;
 * - picks a preset, steps through it with the buttons, and checks what each step shows, that
 *   the address carries the case, and that bad input gets a message, not a frozen tab.
 *
 * Strategy: Chromium as `docs/browser.test.ts` finds it (`chromium.ts`); when there is none,
 * the tests are skipped and the title says how to install one. A screenshot is kept in
 * `test-artifacts/playground.png` (chapter 02's is made by `screenshot.ts`).
 */

import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startStage, type StageProcess } from '../../harness/launcher.ts';
import { CHROMIUM, launchChromium, NO_CHROMIUM } from '../chromium.ts';
import { decodeEscapes, PRESETS, readsOf, runParser, type Split, type Step } from './engine.ts';

const STAGE = '02-full-parser';
const SCREENSHOT = path.join(ROOT, 'test-artifacts', 'playground.png');

/** The ways each preset is cut: one read, byte by byte, and reads ending at these offsets. */
const CUTS: ReadonlyArray<[Split, number[]]> = [
  ['one', []],
  ['bytes', []],
  ['cuts', [1, 7, 16, 17, 40, 41, 90]],
];

function nodeSteps(input: string, split: Split, cuts: number[], limits: object): Step[] {
  const d = decodeEscapes(input);
  if (!d.ok) throw new Error(d.error);
  return runParser(d.bytes, readsOf(d.bytes.length, split, cuts), limits).steps;
}

const title = CHROMIUM === undefined ? `playground: SKIPPED, ${NO_CHROMIUM}` : `playground: Chromium opens /playground/ served by stage ${STAGE}`;

describe.skipIf(CHROMIUM === undefined)(title, () => {
  let server: StageProcess;
  let browser: Browser;

  beforeAll(async () => {
    server = await startStage(STAGE);
    browser = await launchChromium();
  }, 240_000); // deadlines against hanging: a stage may take PATIENCE_MS (90 s) to start, Chromium 30 s

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function open(hash = ''): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const response = await page.goto(`${server.url}/playground/${hash}`);
    expect(response?.status()).toBe(200);
    await page.waitForSelector('html[data-playground="ready"]', { timeout: 30_000 });
    expect(errors).toEqual([]);
    return page;
  }

  const current = (page: Page) => page.locator('#pg-steps li[aria-current="step"]');

  it('the bundled parser gives the same steps as stage 02 in Node, for every preset cut three ways', async () => {
    const page = await open();
    for (const preset of PRESETS) {
      for (const [split, cuts] of CUTS) {
        const inBrowser = await page.evaluate(
          ([input, split, cuts, limits]) => {
            const p = globalThis.nibiruPlayground;
            const d = p.decodeEscapes(input);
            if (!d.ok) throw new Error(d.error);
            return p.runParser(d.bytes, p.readsOf(d.bytes.length, split, cuts), limits).steps;
          },
          [preset.input, split, cuts, preset.limits ?? {}] as const,
        );
        const inNode = nodeSteps(preset.input, split, cuts, preset.limits ?? {});
        expect(inBrowser, `${preset.id}, reads: ${split}`).toEqual(inNode);
        expect(inNode.some((s) => s.kind !== 'read' && s.kind !== 'need-data'), preset.id).toBe(true);
      }
    }
    await page.close();
  });

  it('picks a preset, steps through it, shares it by its address, and answers bad input with a message', async () => {
    const page = await open();
    await page.selectOption('#pg-preset', 'chunked');
    await expect(page.locator('#pg-position').textContent()).resolves.toBe('step 1 of 6');
    const kinds: string[] = [];
    for (let i = 0; i < 6; i++) {
      if (i > 0) await page.click('#pg-next');
      kinds.push((await current(page).getAttribute('data-kind'))!);
      if (kinds[i] === 'request') {
        expect(await page.locator('#pg-detail').textContent()).toContain('transfer-encoding');
        // the bytes the request consumed are the head, up to its empty line
        const consumed = (await page.locator('#pg-bytes span.pg-cur').allTextContents()).join('');
        expect(consumed).toMatch(/^POST \/upload HTTP\/1\.1\\r\\n.*Trailer: Digest\\r\\n\\r\\n$/);
      }
    }
    expect(kinds).toEqual(['read', 'request', 'data', 'data', 'end', 'need-data']);
    expect(await page.locator('#pg-detail').textContent()).toContain('state idle');
    await expect(page.locator('#pg-next').isDisabled()).resolves.toBe(true);
    await page.click('#pg-prev');
    expect(await page.locator('#pg-detail').textContent()).toMatch(/digest.*sha-256=abc/);

    // byte by byte: one read per byte, and the address says so
    await page.check('input[name="pg-split"][value="bytes"]');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('End');
    expect(await current(page).getAttribute('data-kind')).toBe('need-data');
    const position = (await page.locator('#pg-position').textContent())!;
    const [, last, total] = /^step (\d+) of (\d+)$/.exec(position)!;
    expect(last).toBe(total);
    expect(Number(total)).toBeGreaterThan(200);
    const shared = page.url();
    expect(shared).toMatch(/reads=bytes/);

    // a refused request: the error, its status, and the rule that decides it
    await page.selectOption('#pg-preset', 'cl-te');
    await page.click('#pg-last');
    expect(await current(page).getAttribute('data-kind')).toBe('error');
    const detail = (await page.locator('#pg-detail').textContent())!;
    expect(detail).toContain('400');
    expect(detail).toContain('RFC 9112 §6.3');
    expect(await page.locator('#pg-bytes span.pg-bad').count()).toBeGreaterThan(0);

    // the shared address opens the same case, at the same step
    const other = await open(new URL(shared).hash);
    await expect(other.locator('#pg-position').textContent()).resolves.toBe(position);
    expect(await other.locator('#pg-preset').inputValue()).toBe('chunked');
    await other.close();

    // bad input: a message on the page, and the page still answers
    await page.fill('#pg-input', 'GET / HTTP/1.1\\q');
    await page.waitForFunction(() => document.getElementById('pg-message')!.textContent!.includes('invalid escape \\q'));
    // a request-line of 60,000 bytes read byte by byte, under a raised limit: too many steps
    await page.click('.pg-limits summary');
    await page.fill('#pg-maxRequestLine', '100000');
    await page.press('#pg-maxRequestLine', 'Tab');
    await page.evaluate(() => {
      const input = document.getElementById('pg-input') as HTMLTextAreaElement;
      input.value = 'GET /' + 'a'.repeat(60_000);
      input.dispatchEvent(new Event('input'));
    });
    await page.waitForFunction(() => document.getElementById('pg-message')!.textContent!.startsWith('Stopped after 20000 steps'), undefined, { timeout: 60_000 });
    expect(page.url()).toMatch(/maxRequestLine=100000/);
    await page.click('#pg-last');
    expect(await page.locator('#pg-position').textContent()).toBe('step 20000 of 20000');
    // a bad limit is a message too
    await page.fill('#pg-maxRequestLine', '12x');
    await page.press('#pg-maxRequestLine', 'Tab');
    await page.waitForFunction(() => document.getElementById('pg-message')!.textContent!.startsWith('maxRequestLine must be a whole number'));
    await page.fill('#pg-maxRequestLine', '');
    await page.press('#pg-maxRequestLine', 'Tab');
    await page.evaluate(() => {
      const input = document.getElementById('pg-input') as HTMLTextAreaElement;
      input.value = '\\xff'.repeat(70_000);
      input.dispatchEvent(new Event('input'));
    });
    await page.waitForFunction(() => document.getElementById('pg-message')!.textContent!.startsWith('input too large'));
    expect(await page.evaluate(() => document.querySelectorAll('#pg-steps li').length)).toBe(0);

    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.selectOption('#pg-preset', 'post-length');
    await page.screenshot({ path: SCREENSHOT });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
    await page.close();
  });
});

/**
 * `check:mine`'s argument handling: which stage a folder stands for, and the usage errors.
 * `scripts/help.test.ts` runs the script itself; the guide's exercise sections run it on
 * real copies.
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferStage, plan } from './check-mine.ts';

const STAGES = ['01-request-line', '02-full-parser', '03-fd-passing', '04-shared-socket'];

describe('inferStage', () => {
  it.each([
    ['my-01', '01-request-line'],
    ['my-2', '02-full-parser'],
    ['01-request-line', '01-request-line'],
    ['01-request-line-copy', '01-request-line'],
    ['my-fd-passing', '03-fd-passing'],
    ['stage04', '04-shared-socket'],
  ])('%s stands for %s', (folder, stage) => {
    expect(inferStage(folder, STAGES)).toBe(stage);
  });
  it.each(['my-stage', 'my-01-to-02', 'nibiru-2026', 'my-07'])('%s says nothing certain: undefined', (folder) => {
    expect(inferStage(folder, STAGES)).toBeUndefined();
  });
});

describe('plan', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'nibiru-mine-'));
    for (const name of ['my-01', 'copy']) {
      mkdirSync(path.join(dir, name, 'src'), { recursive: true });
      writeFileSync(path.join(dir, name, 'src', 'main.ts'), '');
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves the folder from the given directory and adds the chapter exercise file', () => {
    const p = plan(['my-01'], dir, STAGES);
    expect(p).toEqual({ dir: path.join(dir, 'my-01'), stage: '01-request-line', files: ['spec/', 'docs/exercises/01-request-line.test.ts'] });
  });
  it('--as overrides the name, in both spellings', () => {
    expect(plan(['copy', '--as', '3'], dir, STAGES)).toMatchObject({ stage: '03-fd-passing' });
    expect(plan(['--as=02-full-parser', 'my-01'], dir, STAGES)).toMatchObject({ stage: '02-full-parser' });
  });
  it.each([
    [['copy'], /cannot tell which stage copy stands for.*--as NN/],
    [['copy', '--as', '09'], /unknown stage '09'/],
    [['copy', '--as'], /--as needs a stage/],
    [['nowhere'], /nowhere has no src\/main\.ts/],
    [[], /no folder given/],
    [['my-01', 'copy'], /one folder/],
    [['my-01', '--watch'], /unknown option '--watch'/],
  ])('%j is a usage error', (argv, message) => {
    expect(plan(argv, dir, STAGES)).toMatch(message);
  });
});

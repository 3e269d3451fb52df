import { describe, expect, it } from 'vitest';
import { DEFAULTS, MAX_WORKERS, parseCli } from '../src/cli.ts';
import { UsageError } from '../src/errors.ts';

describe('parseCli --workers', () => {
  it('defaults to 2 workers, as in the log', () => {
    expect(DEFAULTS.workers).toBe(2);
    expect(parseCli(['docs.app:app'])).toMatchObject({ workers: 2 });
  });
  it('takes --workers N from 1 to MAX_WORKERS', () => {
    expect(parseCli(['docs.app:app', '--workers', '1'])).toMatchObject({ workers: 1 });
    expect(parseCli(['docs.app:app', '--workers', String(MAX_WORKERS)])).toMatchObject({ workers: MAX_WORKERS });
  });
  it.each(['0', '-1', '2.5', 'two', '', String(MAX_WORKERS + 1)])('refuses --workers %j with a message naming the range', (n) => {
    expect(() => parseCli(['docs.app:app', `--workers=${n}`])).toThrow(UsageError);
    expect(() => parseCli(['docs.app:app', `--workers=${n}`])).toThrow(`bad workers '${n}': expected a whole number from 1 to ${MAX_WORKERS}`);
  });
});

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
  it('takes -w N, as gunicorn', () => {
    expect(parseCli(['docs.app:app', '-w', '4'])).toMatchObject({ workers: 4 });
  });
  it('names --workers for a misspelt one', () => {
    expect(() => parseCli(['docs.app:app', '--wrokers', '3'])).toThrow(/^unknown option '--wrokers'; did you mean --workers\?$/);
  });
  it.each(['0', '-1', '2.5', 'two', '', String(MAX_WORKERS + 1)])('refuses --workers %j with a message naming the range', (n) => {
    expect(() => parseCli(['docs.app:app', `--workers=${n}`])).toThrow(UsageError);
    expect(() => parseCli(['docs.app:app', `--workers=${n}`])).toThrow(`bad workers '${n}': expected a whole number from 1 to ${MAX_WORKERS}`);
  });
});

describe('parseCli --timeout', () => {
  it('defaults to 30 s, as gunicorn', () => {
    expect(DEFAULTS.timeoutMs).toBe(30_000);
    expect(parseCli(['docs.app:app'])).toMatchObject({ timeoutMs: 30_000 });
  });
  it('takes a duration, a bare number being seconds, and 0 for off', () => {
    expect(parseCli(['docs.app:app', '--timeout', '1s'])).toMatchObject({ timeoutMs: 1_000 });
    expect(parseCli(['docs.app:app', '--timeout', '500ms'])).toMatchObject({ timeoutMs: 500 });
    expect(parseCli(['docs.app:app', '--timeout', '2'])).toMatchObject({ timeoutMs: 2_000 });
    expect(parseCli(['docs.app:app', '--timeout', '0'])).toMatchObject({ timeoutMs: 0 });
  });
  it.each(['2x', '-1s', '61m'])('refuses --timeout %j in one line', (raw) => {
    expect(() => parseCli(['docs.app:app', `--timeout=${raw}`])).toThrow(`bad timeout '${raw}': expected a duration from 0 to 1h, such as 30s, 500ms or 2m`);
  });
});

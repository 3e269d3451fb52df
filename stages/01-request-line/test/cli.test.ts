import { describe, expect, it } from 'vitest';
import { DEFAULTS, duration, formatDuration, parseCli } from '../src/cli.ts';
import { UsageError } from '../src/errors.ts';

describe('parseCli', () => {
  it('takes the app and a positional port, as in the log', () => {
    expect(parseCli(['docs.app:app', '8081'])).toMatchObject({ app: 'docs.app:app', port: 8081, backlog: 128, host: '127.0.0.1' });
  });
  it('takes --port, --host and --backlog', () => {
    expect(parseCli(['docs.app', '--port', '0', '--host', '::1', '--backlog', '32'])).toMatchObject({ port: 0, host: '::1', backlog: 32 });
  });
  it('has documented defaults', () => {
    expect(parseCli(['docs.app'])).toEqual({ app: 'docs.app', ...DEFAULTS });
  });
  it('takes durations with a unit, a bare number as seconds (as gunicorn)', () => {
    expect(parseCli(['docs.app', '--header-timeout', '500ms', '--linger', '1.5s'])).toMatchObject({ headerTimeoutMs: 500, lingerMs: 1_500 });
    expect(parseCli(['docs.app', '--header-timeout', '3', '--linger', '2'])).toMatchObject({ headerTimeoutMs: 3_000, lingerMs: 2_000 });
  });
  it('takes -p for --port, -b/--bind HOST:PORT, --access-log, --log-level and -q', () => {
    expect(parseCli(['docs.app', '-p', '9000'])).toMatchObject({ port: 9000 });
    expect(parseCli(['docs.app', '-b', '0.0.0.0:8000'])).toMatchObject({ port: 8000, host: '0.0.0.0' });
    // a host alone, as gunicorn reads it: the default port, or the one given otherwise
    expect(parseCli(['docs.app', '-b', '0.0.0.0'])).toMatchObject({ port: DEFAULTS.port, host: '0.0.0.0' });
    expect(parseCli(['docs.app', '--bind=[::1]', '9000'])).toMatchObject({ port: 9000, host: '::1' });
    expect(parseCli(['docs.app', '--access-log', '--log-level', 'warn'])).toMatchObject({ accessLog: true, logLevel: 'warn' });
    expect(parseCli(['docs.app', '-q'])).toMatchObject({ logLevel: 'error' });
  });
  it('answers help', () => {
    expect(parseCli(['--help'])).toBe('help');
    expect(parseCli(['-h'])).toBe('help');
  });
  it.each([
    [[], /missing application/],
    [['a', '99999'], /bad port '99999'/],
    [['a', 'x'], /bad port 'x'/],
    [['a', '--backlog', '0'], /bad backlog '0'/],
    [['a', '--backlog', '1.5'], /bad backlog/],
    [['a', '1', '2'], /unexpected argument: 2/],
    [['a', '1', '--port', '2'], /given twice/],
    [['a', '--nope'], /nope/],
    [['a', '--max-request-line', '1'], /bad max-request-line/],
    [['a', '--linger', '61'], /bad linger '61': expected a duration from 0 to 1m/],
    [['a', '--nope'], /^unknown option '--nope' \(--help lists them\)$/],
    [['a', '--bakclog', '3'], /^unknown option '--bakclog'; did you mean --backlog\?$/],
    [['a', '--acess-log'], /^unknown option '--acess-log'; did you mean --access-log\?$/],
    [['a', '--linger'], /^option --linger needs a value$/],
    [['a', '-b', '::1'], /^bad bind '::1': expected HOST or HOST:PORT/],
    [['a', '-b', 'host:'], /^bad bind 'host:'/],
    [['a', '--log-level', 'debug'], /^bad log-level 'debug'/],
  ] as const)('refuses %j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
    expect(() => parseCli(argv)).toThrow(message);
  });
});

describe('duration', () => {
  it('reads 500ms, 2s, 1.5m; a bare number in seconds', () => {
    expect(['500ms', '2s', '1.5m', '3'].map((raw) => duration('linger', raw, 0, 0, 3_600_000))).toEqual([500, 2_000, 90_000, 3_000]);
  });
  it('writes a duration in the largest unit that divides it', () => {
    expect([0, 250, 30_000, 120_000].map(formatDuration)).toEqual(['0', '250ms', '30s', '2m']);
  });
});

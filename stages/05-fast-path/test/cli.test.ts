import { describe, expect, it } from 'vitest';
import { bind, DEFAULTS, duration, formatDuration, parseCli } from '../src/cli.ts';
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
  it('takes every limit and timeout as a flag', () => {
    const argv = ['docs.app', '--max-header-size', '1024', '--max-headers', '5', '--max-body-size', '0', '--header-timeout', '300ms',
      '--body-timeout', '400ms', '--keep-alive-timeout', '500ms', '--grace', '0', '--linger', '1.5s', '--max-write-buffer', '65536'];
    expect(parseCli(argv)).toMatchObject({
      maxHeaderBytes: 1024, maxHeaderCount: 5, maxBodyBytes: 0, headerTimeoutMs: 300, bodyTimeoutMs: 400, keepAliveTimeoutMs: 500, graceMs: 0, lingerMs: 1_500, maxWriteBuffer: 65536,
    });
  });
  it('reads a bare number of a duration flag as seconds, as gunicorn', () => {
    expect(parseCli(['docs.app', '--keep-alive-timeout', '5', '--grace', '2', '--header-timeout', '10', '--body-timeout', '1', '--linger', '3'])).toMatchObject({
      keepAliveTimeoutMs: 5_000, graceMs: 2_000, headerTimeoutMs: 10_000, bodyTimeoutMs: 1_000, lingerMs: 3_000,
    });
  });
  it('takes -p for --port, and -b/--bind HOST:PORT', () => {
    expect(parseCli(['docs.app', '-p', '9000'])).toMatchObject({ port: 9000, host: '127.0.0.1' });
    expect(parseCli(['docs.app', '-b', '0.0.0.0:8000'])).toMatchObject({ port: 8000, host: '0.0.0.0' });
    expect(parseCli(['docs.app', '--bind=[::1]:0'])).toMatchObject({ port: 0, host: '::1' });
    // a host alone, as gunicorn reads it: the default port, or the one given otherwise
    expect(parseCli(['docs.app', '-b', '0.0.0.0'])).toMatchObject({ port: DEFAULTS.port, host: '0.0.0.0' });
    expect(parseCli(['docs.app', '--bind=[::1]', '9000'])).toMatchObject({ port: 9000, host: '::1' });
  });
  it('takes --access-log, --log-level and -q', () => {
    expect(parseCli(['docs.app', '--access-log', '--log-level', 'warn'])).toMatchObject({ accessLog: true, logLevel: 'warn' });
    expect(parseCli(['docs.app', '-q'])).toMatchObject({ accessLog: false, logLevel: 'error' });
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
    [['a', '--max-headers', '0'], /bad max-headers/],
    [['a', '--max-write-buffer', '1023'], /bad max-write-buffer/],
    [['a', '--keep-alive-timeout', 'x'], /bad keep-alive-timeout/],
    [['a', '--keep-alive-timeout', '3601'], /bad keep-alive-timeout '3601': expected a duration from 1ms to 1h/],
    [['a', '--nope'], /^unknown option '--nope' \(--help lists them\)$/],
    [['a', '--bakclog', '3'], /^unknown option '--bakclog'; did you mean --backlog\?$/],
    [['a', '--keep-alive-timout', '5'], /^unknown option '--keep-alive-timout'; did you mean --keep-alive-timeout\?$/],
    [['a', '-x'], /^unknown option '-x' \(--help lists them\)$/],
    [['a', '--grace'], /^option --grace needs a value$/],
    [['a', '--access-log=1'], /^option --access-log takes no value$/],
    [['a', '-b', '::1'], /^bad bind '::1': expected HOST or HOST:PORT/],
    [['a', '-b', 'host:'], /^bad bind 'host:'/],
    [['a', '-b', 'h', '-p', '80', '81'], /the port is given twice/],
    [['a', '-b', 'h:80', '-p', '80'], /the port is given twice/],
    [['a', '-b', 'h:80', '--host', 'h'], /the host is given twice/],
    [['a', '--log-level', 'debug'], /^bad log-level 'debug': expected error, warn or info$/],
    [['a', '-q', '--log-level', 'info'], /-q or --log-level/],
  ] as const)('refuses %j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
    expect(() => parseCli(argv)).toThrow(message);
  });
});

describe('bind', () => {
  it('splits HOST:PORT, and [IPv6]:PORT', () => {
    expect(bind('localhost:0')).toEqual({ host: 'localhost', port: '0' });
    expect(bind('[::]:8080')).toEqual({ host: '::', port: '8080' });
  });
  it('takes a host alone, with no port (gunicorn binds it on the default port)', () => {
    expect(bind('localhost')).toEqual({ host: 'localhost', port: undefined });
    expect(bind('[::1]')).toEqual({ host: '::1', port: undefined });
  });
  it.each([':80', '::1:80', '::1', 'a:b:c', 'host:', '[::1]:'])('refuses %j', (raw) => {
    expect(() => bind(raw)).toThrow(UsageError);
  });
});

describe('duration', () => {
  it.each([
    ['500ms', 500],
    ['2s', 2_000],
    ['1.5s', 1_500],
    ['1m', 60_000],
    ['1h', 3_600_000],
    ['30', 30_000],
    ['0', 0],
  ])('reads %j as %d ms', (raw, ms) => {
    expect(duration('timeout', raw, 7, 0, 3_600_000)).toBe(ms);
  });
  it('gives the default when the flag is absent', () => {
    expect(duration('timeout', undefined, 7, 0, 10)).toBe(7);
  });
  it('reads a bare number in the unit it is told', () => {
    expect(duration('grace', '250', 0, 0, 10_000, 'ms')).toBe(250);
    expect(duration('grace', '2s', 0, 0, 10_000, 'ms')).toBe(2_000);
  });
  it.each(['2x', '-1', '1e3', '', ' 2s', '2 s', '0.5ms', '2h', '99'])('refuses %j with one line naming the flag and the range', (raw) => {
    expect(() => duration('timeout', raw, 7, 0, 60_000)).toThrow(UsageError);
    expect(() => duration('timeout', raw, 7, 0, 60_000)).toThrow(`bad timeout '${raw}': expected a duration from 0 to 1m, such as 30s, 500ms or 2m`);
  });
  it('writes a duration in the largest unit that divides it', () => {
    expect([0, 250, 1_500, 30_000, 120_000, 3_600_000].map(formatDuration)).toEqual(['0', '250ms', '1500ms', '30s', '2m', '1h']);
  });
});

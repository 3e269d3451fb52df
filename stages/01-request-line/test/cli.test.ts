import { describe, expect, it } from 'vitest';
import { DEFAULTS, parseCli, UsageError } from '../src/cli.ts';

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
  ] as const)('refuses %j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
    expect(() => parseCli(argv)).toThrow(message);
  });
});

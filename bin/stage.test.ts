/**
 * Unit tests of `bin/stage.ts`'s pure parts: which directory an app is loaded from, and the
 * `--import` flags made absolute for the workers; and, as a real process, what `--help` and no
 * argument at all print. `spec/app-loading.spec.ts` checks the whole path through a real
 * `npm run stage`.
 */

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { absoluteImports, correctedCommand, listStages, resolveStage, stageTitle, startDirectory, swallowedFlags, usage } from './stage.ts';

const ROOT = '/repo';
const npmEnv = { npm_lifecycle_event: 'stage', npm_package_json: path.join(ROOT, 'package.json'), INIT_CWD: '/home/me/site' };

describe('startDirectory', () => {
  it('is INIT_CWD when npm ran the stage script from the package root', () => {
    expect(startDirectory(npmEnv, ROOT)).toBe('/home/me/site');
  });
  it('is the current directory when npm ran another script (INIT_CWD is inherited by everything below npm test)', () => {
    expect(startDirectory({ ...npmEnv, npm_lifecycle_event: 'test' }, ROOT)).toBe(ROOT);
  });
  it('is the current directory when the process was started somewhere else than the package root', () => {
    expect(startDirectory(npmEnv, '/tmp/elsewhere')).toBe('/tmp/elsewhere');
  });
  it('is the current directory without npm', () => {
    expect(startDirectory({}, '/tmp/elsewhere')).toBe('/tmp/elsewhere');
  });
});

describe('absoluteImports', () => {
  const resolve = (s: string): string => `file:///repo/node_modules/${s}/index.mjs`;
  it('resolves a bare --import specifier, in both spellings', () => {
    expect(absoluteImports(['--import', 'tsx'], resolve)).toEqual(['--import', 'file:///repo/node_modules/tsx/index.mjs']);
    expect(absoluteImports(['--import=tsx'], resolve)).toEqual(['--import=file:///repo/node_modules/tsx/index.mjs']);
  });
  it('leaves paths, URLs and other flags alone', () => {
    const argv = ['--import', './local.mjs', '--import=/abs/x.mjs', '--import', 'file:///x.mjs', '--enable-source-maps', 'tsx'];
    expect(absoluteImports(argv, resolve)).toEqual(argv);
  });
});

describe('resolveStage', () => {
  const stages = ['01-request-line', '02-full-parser'];
  it('takes 01, 1, the folder name or its name without the number', () => {
    for (const name of ['01', '1', '01-request-line', 'request-line']) expect(resolveStage(name, stages)).toBe('01-request-line');
  });
  it('is undefined for a stage that does not exist', () => {
    expect(resolveStage('07', stages)).toBeUndefined();
  });
});

describe('swallowedFlags, correctedCommand', () => {
  const options = { workers: { type: 'string', short: 'w' }, 'keep-alive-timeout': { type: 'string' }, 'access-log': { type: 'boolean' }, bind: { type: 'string', short: 'b' }, help: { type: 'boolean', short: 'h' } } as const;
  // what npm 11 leaves for itself in every script's environment
  const npmOwn = { npm_config_cache: '/root/.npm', npm_config_userconfig: '/root/.npmrc', npm_config_loglevel: 'warn', npm_config_parseable: 'true' };
  it('finds none in npm\'s own settings', () => {
    expect(swallowedFlags(options, npmOwn)).toEqual([]);
  });
  it('finds ours, long and short, dashes as underscores', () => {
    const env = { ...npmOwn, npm_config_workers: 'true', npm_config_keep_alive_timeout: '5s', npm_config_access_log: 'true', npm_config_b: 'true' };
    expect(swallowedFlags(options, env).map((f) => f.flag)).toEqual(['--workers', '--keep-alive-timeout', '--access-log', '-b']);
  });
  it('puts -- before the app, and the values npm left as arguments back after their flags', () => {
    const swallowed = swallowedFlags(options, { npm_config_workers: 'true' });
    expect(correctedCommand('04', ['docs.app:app', '4'], swallowed)).toBe('npm run stage 04 -- docs.app:app --workers 4');
    expect(correctedCommand('04', ['docs.app:app', '9000', '4'], swallowed)).toBe('npm run stage 04 -- docs.app:app 9000 --workers 4');
  });
  it('keeps a value given with =, and a switch as it is', () => {
    const swallowed = swallowedFlags(options, { npm_config_keep_alive_timeout: '5s', npm_config_access_log: 'true' });
    expect(correctedCommand('2', ['docs.app:app'], swallowed)).toBe('npm run stage 2 -- docs.app:app --keep-alive-timeout 5s --access-log');
  });
});

describe('usage: --help, and no argument at all', () => {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'stage.ts');
  const stage = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8', timeout: 30_000 });

  it('names every stage, one line each, with the title of its README', () => {
    const text = usage(['01-request-line', '02-full-parser'], (s) => (s === '01-request-line' ? 'the request-line server' : 'the full parser'));
    expect(text.split('\n').slice(-3)).toEqual(['  01-request-line  the request-line server', '  02-full-parser   the full parser', '']);
    expect(stageTitle('05-fast-path')).toBe('the fast path');
  });

  it('--help prints the usage and the stages on stdout, exit 0', () => {
    const r = stage('--help');
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^usage: npm run stage <stage> -- /);
    for (const s of listStages()) expect(r.stdout).toMatch(new RegExp(`^  ${s} +\\S.*$`, 'm'));
  }, 30_000);

  it('no argument prints the same on stderr, exit 2', () => {
    const r = stage();
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(stage('-h').stdout);
  }, 30_000);
});

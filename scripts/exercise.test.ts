/**
 * `npm run exercise`: a started chapter is a TypeScript project with no error, `.current`
 * names it, a copy is never overwritten without `--force`, and neither the repository's
 * `tsc` nor its vitest looks inside the workspace.
 *
 * Strategy: a temporary repository layout (links to this repository's folders and files, a
 * `workspace/` of its own), so that nothing is written to the real `workspace/`; `start` runs
 * in it as a function, then the real `tsc` and `vitest list` run on it. The command line
 * itself is run for what writes nothing: the help, the list, the usage errors.
 */

import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listStages } from '../bin/stage.ts';
import { start, WORKSPACE_TSCONFIG } from './exercise.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const VITEST = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'exercise.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
}

describe('npm run exercise, in a repository layout of its own', () => {
  let root = '';
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'nibiru-exercise-'));
    for (const name of readdirSync(ROOT)) {
      if (name !== 'workspace' && name !== '.git') symlinkSync(path.join(ROOT, name), path.join(root, name));
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('start writes each chapter\'s folder, the workspace tsconfig.json, and .current', () => {
    for (const name of ['1', '02', '03-fd-passing', '04', '05']) {
      const r = start(name, { root });
      expect(r.ok, r.message).toBe(true);
      expect(r.message.split('\n').length).toBeLessThanOrEqual(5);
    }
    const chapters = listStages();
    for (const chapter of chapters) expect(existsSync(path.join(root, 'workspace', chapter, 'src', 'main.ts'))).toBe(true);
    expect(readFileSync(path.join(root, 'workspace', '.current'), 'utf8')).toBe('05-fast-path\n');
    expect(readFileSync(path.join(root, 'workspace', 'tsconfig.json'), 'utf8')).toBe(WORKSPACE_TSCONFIG);
    // chapter 01 starts from its starter, chapter 02 from stage 01 as it is
    expect(readFileSync(path.join(root, 'workspace', '01-request-line', 'src', 'connection.ts'), 'utf8')).toContain('STARTER (exercise 1.1)');
    expect(readFileSync(path.join(root, 'workspace', '02-full-parser', 'src', 'connection.ts'), 'utf8')).toBe(
      readFileSync(path.join(ROOT, 'stages', '01-request-line', 'src', 'connection.ts'), 'utf8'),
    );
  });

  it('tsc -p workspace/tsconfig.json finds no error in fresh copies, and does find one made in a copy', () => {
    const fresh = spawnSync(process.execPath, [TSC, '--noEmit', '-p', path.join(root, 'workspace', 'tsconfig.json')], { cwd: root, encoding: 'utf8', timeout: 170_000 });
    expect(fresh.stdout + fresh.stderr).toBe('');
    expect(fresh.status).toBe(0);
    appendFileSync(path.join(root, 'workspace', '02-full-parser', 'src', 'main.ts'), '\nexport const broken: number = "not a number";\n');
    const broken = spawnSync(process.execPath, [TSC, '--noEmit', '-p', path.join(root, 'workspace', 'tsconfig.json')], { cwd: root, encoding: 'utf8', timeout: 170_000 });
    expect(broken.stdout).toMatch(/^workspace\/02-full-parser\/src\/main\.ts\(\d+,\d+\): error TS2322/m);
    expect(broken.status).not.toBe(0);
  });

  it('an existing copy is kept without --force (one line saying so), and replaced with it', () => {
    const main = path.join(root, 'workspace', '02-full-parser', 'src', 'main.ts');
    writeFileSync(path.join(root, 'workspace', '.current'), '01-request-line\n');
    const refused = start('2', { root });
    expect(refused.ok).toBe(false);
    expect(refused.message).toMatch(/^workspace\/02-full-parser\/ exists .*--force/);
    expect(refused.message).not.toContain('\n');
    expect(readFileSync(main, 'utf8')).toContain('not a number');
    expect(readFileSync(path.join(root, 'workspace', '.current'), 'utf8')).toBe('01-request-line\n');
    expect(start('2', { root, force: true }).ok).toBe(true);
    expect(readFileSync(main, 'utf8')).not.toContain('not a number');
    expect(readFileSync(path.join(root, 'workspace', '.current'), 'utf8')).toBe('02-full-parser\n');
  });

  it('an unknown chapter is one line naming the chapters', () => {
    const r = start('9', { root });
    expect(r).toEqual({ ok: false, message: `unknown chapter '9'; the chapters are: ${listStages().join(', ')}` });
  });

  it('the repository\'s tsc and vitest leave the workspace alone, even with broken code in it', () => {
    mkdirSync(path.join(root, 'workspace', '02-full-parser', 'test'), { recursive: true });
    writeFileSync(path.join(root, 'workspace', '02-full-parser', 'test', 'broken.test.ts'), 'import { it } from "vitest";\nit("fails", () => { throw new Error("x"); });\nexport const n: number = "x";\n');
    const tsconfig = spawnSync(process.execPath, [TSC, '--showConfig', '-p', path.join(root, 'tsconfig.json')], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    const files = (JSON.parse(tsconfig.stdout) as { files: string[] }).files;
    expect(files.some((f) => f.includes('stages/01-request-line/src/main.ts'))).toBe(true);
    expect(files.filter((f) => f.includes('workspace/'))).toEqual([]);
    const listed = spawnSync(process.execPath, [VITEST, 'list', '--filesOnly'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(listed.stdout).toContain('docs/exercises/start-red.test.ts');
    expect(listed.stdout).not.toContain('workspace');
  });
});

describe('npm run exercise on the command line', () => {
  it('--help and list print one line per chapter with its starting point, exit 0', () => {
    for (const args of [['--help'], ['list'], []]) {
      const r = cli(...args);
      expect(r.status).toBe(0);
      for (const chapter of listStages()) expect(r.stdout).toMatch(new RegExp(`^  ${chapter} +\\S`, 'm'));
    }
  });
  it('a usage error is one line, exit 2', () => {
    for (const args of [['start'], ['start', '01', '--froce'], ['begin', '01']]) {
      const r = cli(...args);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

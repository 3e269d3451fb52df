/**
 * `--help` on the repository's scripts: usage on stdout, exit 0, and nothing else done; an
 * unknown option is a usage error (exit 2, the message on stderr). Each script runs as the
 * real process `npm run <script>` would start, so a help that only exists in a function
 * would not pass.
 */

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The script files behind `npm run spec:matrix`, `diff`, `check:stages`, `carry`, `docs`, `check:mine`, `coverage`. */
const SCRIPTS: Record<string, string> = {
  'spec:matrix': 'scripts/spec-matrix.ts',
  diff: 'scripts/diff-stages.ts',
  'check:stages': 'scripts/check-stages.ts',
  carry: 'scripts/carry.ts',
  docs: 'scripts/docs-build.ts',
  'check:mine': 'scripts/check-mine.ts',
  coverage: 'scripts/coverage.ts',
};

function runScript(file: string, args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, file), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 50_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('--help', () => {
  for (const [name, file] of Object.entries(SCRIPTS)) {
    it(`npm run ${name} -- --help prints its usage on stdout, exits 0 and does nothing else`, () => {
      const r = runScript(file, ['--help']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: npm run ${name}\\b`));
      expect(r.stdout).toContain('--help');
      expect(r.stderr).toBe('');
    }, 60_000);
  }

  for (const name of ['spec:matrix', 'diff', 'check:stages', 'carry', 'check:mine']) {
    it(`npm run ${name} -- --no-such-option is a usage error: exit 2, one line and the usage on stderr`, () => {
      const r = runScript(SCRIPTS[name]!, ['--no-such-option']);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^${name}: .*no-such-option.*\\nusage: npm run ${name}\\b`));
    }, 60_000);
  }
});

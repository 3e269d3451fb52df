import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['stages/*/test/**/*.test.ts', 'spec/**/*.spec.ts', 'bin/**/*.test.ts', 'bench/**/*.test.ts', 'docs/**/*.test.ts', 'scripts/**/*.test.ts'],
    // npm run docs copies files the guide links to (test files among them) into docs/api/
    exclude: ['**/node_modules/**', 'docs/api/**'],
    // the default summary, then one line per reason a test was skipped for (bench/skip-notes.ts)
    reporters: ['default', './bench/skip-notes.ts'],
    // Deadlines against hanging, not measures: waits in tests are for events (a response, a
    // ready line, an exit). Under `npm test` beside another `npm test` on a shared 2-core
    // machine (load average 17-26), a test that starts a server and kills workers took 57 s,
    // and starting a stage took up to 40 s; launcher.ts waits up to PATIENCE_MS (90 s)
    // for a ready line, and up to 60 s for a server to stop.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // spec files each start real server processes; two cores, so keep the pool small
    maxWorkers: 2,
    // the one coverage configuration: `npm run coverage` (scripts/coverage.ts) reads it, and
    // counts these files in the test processes and in every server and worker they start
    coverage: {
      provider: 'v8',
      include: ['stages/*/src/**/*.ts', 'docs/**/*.ts', 'bin/**/*.ts'],
      exclude: ['**/*.test.ts', 'docs/api/**'],
      reporter: ['text-summary', 'html', 'json-summary'],
      reportsDirectory: 'coverage',
    },
  },
});

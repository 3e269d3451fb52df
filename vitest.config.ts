import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['stages/*/test/**/*.test.ts', 'spec/**/*.spec.ts', 'bin/**/*.test.ts', 'bench/**/*.test.ts', 'docs/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 15_000,
    hookTimeout: 30_000,
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

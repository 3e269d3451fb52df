import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['stages/*/test/**/*.test.ts', 'spec/**/*.spec.ts', 'bin/**/*.test.ts', 'bench/**/*.test.ts', 'docs/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 15_000,
    hookTimeout: 30_000,
    // spec files each start real server processes; two cores, so keep the pool small
    maxWorkers: 2,
    coverage: {
      provider: 'v8',
      include: ['stages/*/src/**/*.ts', 'docs/**/*.ts', 'bin/**/*.ts'],
      reporter: ['text-summary', 'html'],
    },
  },
});

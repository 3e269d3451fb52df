import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['stages/*/test/**/*.test.ts', 'spec/**/*.spec.ts', 'bin/**/*.test.ts', 'bench/**/*.test.ts', 'docs/**/*.test.ts', 'scripts/**/*.test.ts'],
    // Deadlines against hanging, not measures: waits in tests are for events (a response, a
    // ready line, an exit). Under `npm test` beside another `npm test` on 2 cores, a test that
    // starts its own servers took 24 s and a stage took 15 s to start (launcher.ts waits up to
    // PATIENCE_MS, 45 s, for its ready line; a server's stop up to 30 s).
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // spec files each start real server processes; two cores, so keep the pool small
    maxWorkers: 2,
    coverage: {
      provider: 'v8',
      include: ['stages/*/src/**/*.ts', 'docs/**/*.ts', 'bin/**/*.ts'],
      reporter: ['text-summary', 'html'],
    },
  },
});

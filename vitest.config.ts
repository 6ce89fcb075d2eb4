import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'web/**', 'test/.cache/**'],
    // Browser tests start Chromium and a server: give hooks room.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

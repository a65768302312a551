import { defineConfig } from 'vitest/config';

// Tests that start real processes (the CLI, the venue server, the console in tmux) share a 2-core
// CI machine: give them time instead of letting load turn into failures. Speed targets live in
// `npm run bench`, never in a test timeout.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

import { defineConfig } from "vitest/config";

/**
 * `npm run test:soak`: the long reliability runs (thousands of runs under faults, crashes and
 * server restarts). One file at a time, so the figures they print are not skewed by each other
 * on a small CI machine.
 */
export default defineConfig({
  test: {
    include: ["test/soak/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30 * 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: false,
    env: { SIFT_EMULATOR_STRICT: "1" },
  },
});

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    exclude: ["test/soak/**", "node_modules/**"],

    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});

import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/**
 * The project's tests run the emulator strict (an unknown request field is a 400, so a
 * client bug shows) and emitting default values, as grpc-gateway v2 does by default. The
 * client-facing end-to-end suites run a second time against an emulator that omits them.
 */
const E2E = ["test/e2e/**/*.test.ts"];
/**
 * End-to-end files the omitting emulator adds nothing to: their subject is what the tool does
 * around the API (faults and signals, its own files, guards, invalid rows, shards and row
 * selection, lookup batching), and they read runs back no differently from the files that do
 * run twice — those that compare runs Sift holds (plan, apply, adopt, archive, metadata, the
 * sync cache's answers, export): an empty string, a false, an empty list or page token left
 * out of an answer is read there.
 */
const SAME_IN_OMIT = [
  "apply-faults",
  "client-key-rule",
  "guard-reports",
  "invalid-refusal",
  "max-changes",
  "own-files",
  "plan-file-invalid",
  "row-selection",
  "shard",
  "skip-invalid",
  "sync-cache-batches",
].map((name) => `test/e2e/${name}.test.ts`);

export default defineConfig({
  test: {
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // A worker runs file after file without reloading src/: each file's fresh module graph
    // cost ~0.3 s of CPU, about a third of the suite's (197 s against 318 s for a whole run).
    // Nothing in src/ keeps state a test could trip on but the known API keys (core/secrets.ts,
    // process-wide by design): a key one file used is redacted in the outputs of the files
    // after it in that worker, so a test that needs a key in its output uses its own.
    isolate: false,
    // Most tests wait on spawned CLIs and emulators, not on the CPU: vitest's default of
    // (cores - 1) workers would leave one of this 2-core machine's cores idle.
    maxWorkers: Math.max(2, availableParallelism()),
    // Spawned CLIs inherit SIFT_RUN_SYNC_BACKOFF_SCALE: a scenario that waits out a whole retry
    // budget (8 attempts, as by default) takes a hundredth of its real time.
    env: { SIFT_EMULATOR_STRICT: "1", SIFT_RUN_SYNC_BACKOFF_SCALE: "0.01" },
    projects: [
      {
        extends: true,
        test: {
          name: "emit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/soak/**", "node_modules/**"],
        },
      },
      {
        extends: true,
        test: {
          name: "omit",
          include: E2E,
          exclude: SAME_IN_OMIT,
          env: {
            SIFT_EMULATOR_STRICT: "1",
            SIFT_EMULATOR_DEFAULTS: "omit",
            SIFT_RUN_SYNC_BACKOFF_SCALE: "0.01",
          },
        },
      },
    ],
  },
});

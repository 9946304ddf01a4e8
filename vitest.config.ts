import { availableParallelism } from "node:os";
import { relative } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

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
  "interrupt",
  "invalid-refusal",
  "max-changes",
  "own-files",
  "plan-file-invalid",
  "row-selection",
  "shard",
  "skip-invalid",
  "sync-cache-batches",
  "sync-cache-files",
  "sync-cache-files-streamed",
  "sync-cache-listing-fault",
].map((name) => `test/e2e/${name}.test.ts`);

/**
 * The files that take longest, longest first. vitest starts the files it knows to be slow
 * (from the durations it cached) first, but a clean clone (CI) has none cached, and it then
 * starts the largest files first: a short file of long scenarios would start last and keep
 * one worker busy alone at the end.
 */
const SLOWEST = [
  "reliability/heap-limit",
  "package/package",
  "reliability/every-row-reported",
  "e2e/sync-cache-files-streamed",
  "reliability/crash",
  "security/json-limits",
  "reliability/stop-signals",
  "e2e/apply-faults",
  "security/input-limits",
  "e2e/own-files",
  "fuzz/manifest-fuzz",
].map((name) => `test/${name}.test.ts`);

class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const projects = [...new Set(sorted.map((f) => f.project.name))];
    const rank = (file: TestSpecification) => {
      const at = SLOWEST.indexOf(relative(file.project.config.root, file.moduleId));
      return at === -1 ? SLOWEST.length : at;
    };
    // Still one project after the other, as vitest orders them.
    return sorted
      .map((file, index) => ({ file, index }))
      .sort(
        (a, b) =>
          projects.indexOf(a.file.project.name) - projects.indexOf(b.file.project.name) ||
          rank(a.file) - rank(b.file) ||
          a.index - b.index,
      )
      .map(({ file }) => file);
  }
}

export default defineConfig({
  test: {
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    sequence: { sequencer: SlowestFirst },
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

import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { backoffOf } from "../src/cli/session.js";
import { DEFAULT_RETRY } from "../src/sift/limits.js";
import { captureIo } from "./helpers/io.js";

describe("SIFT_RUN_SYNC_BACKOFF_SCALE", () => {
  it("scales every wait and the Retry-After cap, and keeps the attempts", () => {
    expect(backoffOf({ SIFT_RUN_SYNC_BACKOFF_SCALE: "0.01" })).toEqual({
      baseDelayMs: DEFAULT_RETRY.baseDelayMs / 100,
      maxDelayMs: DEFAULT_RETRY.maxDelayMs / 100,
      maxRetryAfterMs: DEFAULT_RETRY.maxRetryAfterMs / 100,
    });
    expect(backoffOf({})).toBeUndefined();
    expect(backoffOf({ SIFT_RUN_SYNC_BACKOFF_SCALE: " " })).toBeUndefined();
  });

  it.each(["0", "2", "fast", "-1"])("%s is a usage error naming the variable", async (value) => {
    expect(() => backoffOf({ SIFT_RUN_SYNC_BACKOFF_SCALE: value })).toThrow(
      `SIFT_RUN_SYNC_BACKOFF_SCALE=${value} is not a number in (0, 1]`,
    );
    const io = captureIo({
      SIFT_REST_URI: "http://127.0.0.1:1",
      SIFT_API_KEY: "k".repeat(16),
      SIFT_RUN_SYNC_BACKOFF_SCALE: value,
    });
    const code = await main(["export", "--format", "csv"], io);
    expect(code).toBe(1);
    expect(io.err()).toContain(`SIFT_RUN_SYNC_BACKOFF_SCALE=${value} is not a number in (0, 1]`);
    expect(io.err()).not.toMatch(/\n\s+at /);
  });

  it("keeps the 8 attempts of the default budget against an API that cannot be reached", async () => {
    const io = captureIo({
      SIFT_REST_URI: "http://127.0.0.1:1",
      SIFT_API_KEY: "k".repeat(16),
      SIFT_RUN_SYNC_BACKOFF_SCALE: "0.001",
    });
    const code = await main(["export", "--format", "csv"], io);
    expect(code).toBe(1);
    expect(io.err()).toMatch(/after 8 attempts/);
  });
});

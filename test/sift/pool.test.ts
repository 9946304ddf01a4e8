import { describe, expect, it } from "vitest";
import { createRequestPool } from "../../src/sift/pool.js";

/** A virtual clock: `sleep` advances it instead of waiting. */
function virtualTime() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

/** A task that stays in flight until released. */
function deferred() {
  let release!: () => void;
  const done = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { done, release };
}

describe("request pool", () => {
  it("never runs more than `concurrency` tasks at once", async () => {
    const pool = createRequestPool({ concurrency: 3 });
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        pool.run(async () => {
          running++;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 2));
          running--;
        }),
      ),
    );
    expect(most).toBe(3);
    expect(pool.stats()).toMatchObject({
      inFlight: 0,
      maxInFlight: 3,
      limit: 3,
      maxConcurrency: 3,
    });
  });

  it("halves its limit on a 429, once per burst, never below 1", () => {
    const time = virtualTime();
    const pool = createRequestPool({ concurrency: 8, now: time.now, sleep: time.sleep });
    pool.noteThrottled();
    pool.noteThrottled(); // same burst: the in-flight requests answering together
    expect(pool.stats().limit).toBe(4);
    for (let i = 0; i < 5; i++) {
      time.sleep(1000);
      pool.noteThrottled();
    }
    expect(pool.stats()).toMatchObject({ limit: 1, throttled: 7 });
  });

  it("grows back by one per window of successes, up to the configured maximum", () => {
    const time = virtualTime();
    const pool = createRequestPool({ concurrency: 4, now: time.now, sleep: time.sleep });
    pool.noteThrottled();
    expect(pool.stats().limit).toBe(2);
    const limits: number[] = [];
    for (let i = 0; i < 40; i++) {
      pool.noteSuccess();
      limits.push(pool.stats().limit);
    }
    expect(limits[0]).toBe(2);
    expect(new Set(limits)).toEqual(new Set([2, 3, 4]));
    expect(limits.at(-1)).toBe(4);
  });

  it("lets a lowered limit bound what starts next", async () => {
    const pool = createRequestPool({ concurrency: 4 });
    pool.noteThrottled(); // limit 2
    const gates = Array.from({ length: 4 }, deferred);
    const tasks = gates.map((g) => pool.run(() => g.done));
    await new Promise((r) => setTimeout(r, 5));
    expect(pool.stats()).toMatchObject({ inFlight: 2, queued: 2 });
    for (const g of gates) g.release();
    await Promise.all(tasks);
    expect(pool.stats().maxInFlight).toBe(2);
  });

  it("pauses new starts until Retry-After has passed", async () => {
    const time = virtualTime();
    const pool = createRequestPool({ concurrency: 2, now: time.now, sleep: time.sleep });
    pool.noteThrottled(1500);
    const startedAt: number[] = [];
    await pool.run(async () => startedAt.push(time.now()));
    expect(startedAt).toEqual([1500]);
  });

  it("spaces starts out to respect maxRps", async () => {
    const pool = createRequestPool({ concurrency: 8, maxRps: 50 });
    const t0 = performance.now();
    const startedAt: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, () => pool.run(async () => startedAt.push(performance.now() - t0))),
    );
    startedAt.sort((a, b) => a - b);
    // 50 per second: the i-th start comes no sooner than i × 20 ms (less 2 ms of timer rounding).
    startedAt.forEach((at, i) => {
      expect(at).toBeGreaterThanOrEqual(i * 20 - 2);
    });
  });

  it("passes a task's error through and frees its slot", async () => {
    const pool = createRequestPool({ concurrency: 1 });
    await expect(pool.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(pool.run(async () => "next")).resolves.toBe("next");
    expect(pool.stats().inFlight).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import { formatCount } from "../../src/core/words.js";
import {
  createProgress,
  estimateRate,
  RATE_TIME_CONSTANT_MS,
  type RateEstimate,
  renderProgressLine,
} from "../../src/report/progress.js";

function fakeTerminal(columns?: number) {
  let text = "";
  return {
    stream: {
      write(s: string) {
        text += s;
      },
      ...(columns !== undefined && { columns }),
    },
    text: () => text,
    /** What each redraw showed. */
    frames: () =>
      text
        .split("\r")
        .map((f) => f.replace("\u001b[K", ""))
        .filter((f) => f !== ""),
  };
}

describe("progress bar", () => {
  it("redraws at most every 100 ms with count, percentage, rate and ETA", () => {
    let clock = 0;
    const term = fakeTerminal();
    const progress = createProgress({
      stream: term.stream,
      enabled: true,
      total: 1000,
      label: "Applying",
      now: () => clock,
    });
    progress.tick(); // first draw at t=0
    for (let i = 0; i < 9; i++) {
      clock += 10;
      progress.tick(); // within 100 ms of the last draw: not drawn
    }
    expect(term.frames()).toEqual(["Applying [--------------------] 1/1,000 0%"]);
    clock = 1000;
    progress.tick(240); // 250 done after 1 s
    expect(term.frames().at(-1)).toBe(
      "Applying [#####---------------] 250/1,000 25% 250/s ETA 3.0 s",
    );
    progress.done();
    expect(term.text().endsWith("\r\u001b[K")).toBe(true);
    progress.tick();
    expect(term.frames()).toHaveLength(2);
  });

  it("shows count and rate without a total, and redraws when the total becomes known", () => {
    let clock = 0;
    const term = fakeTerminal();
    const progress = createProgress({
      stream: term.stream,
      enabled: true,
      label: "Looking up",
      now: () => clock,
    });
    clock = 2000;
    progress.tick(50);
    expect(term.frames()).toEqual(["Looking up 50 25.0/s"]);
    progress.setTotal(100);
    expect(term.frames().at(-1)).toBe(
      "Looking up [##########----------] 50/100 50% 25.0/s ETA 2.0 s",
    );
  });

  it("cuts the line to the terminal's width so redraws never wrap", () => {
    const term = fakeTerminal(30);
    const progress = createProgress({
      stream: term.stream,
      enabled: true,
      total: 10,
      label: "Applying",
      now: () => 0,
    });
    progress.tick();
    // One column short of the width: a line that fills the last column wraps on some terminals.
    expect(term.frames()).toEqual(["Applying [##-----------------"]);
    expect(term.frames()[0]).toHaveLength(29);
  });

  it("writes nothing at all when disabled", () => {
    const term = fakeTerminal();
    const progress = createProgress({ stream: term.stream, enabled: false, total: 5, label: "x" });
    progress.setTotal(3);
    progress.tick(3);
    progress.done();
    expect(term.text()).toBe("");
  });

  it("renders a full bar without an ETA when done", () => {
    expect(renderProgressLine({ label: "Applying", count: 10, total: 10, elapsedMs: 4000 })).toBe(
      "Applying [####################] 10/10 100% 2.5/s",
    );
  });

  it("groups thousands in counts and rates", () => {
    expect(formatCount(999)).toBe("999");
    expect(formatCount(50_000)).toBe("50,000");
    expect(formatCount(1_234_567)).toBe("1,234,567");
    expect(
      renderProgressLine({ label: "applying", count: 12_345, total: 50_000, elapsedMs: 5_000 }),
    ).toBe("applying [#####---------------] 12,345/50,000 24% 2,469/s ETA 15.3 s");
    expect(
      renderProgressLine({ label: "planning", count: 4_200, total: undefined, elapsedMs: 0 }),
    ).toBe("planning 4,200");
  });
});

describe("smoothed rate (the ETA's basis)", () => {
  const feed = (samples: Array<[count: number, ms: number]>) => {
    let estimate: RateEstimate | undefined;
    for (const [count, elapsedMs] of samples)
      estimate = estimateRate(estimate, { count, elapsedMs });
    return estimate!;
  };

  it("has no rate before half a second, then the plain average", () => {
    expect(feed([[10, 100]]).rate).toBeUndefined();
    expect(
      feed([
        [10, 100],
        [300, 1_000],
      ]).rate,
    ).toBe(300);
  });

  it("does not jump with a burst: one fast second moves the rate a fraction of the way", () => {
    // 100/s for 10 s, then 1,000 runs in one second (a burst of unchanged runs).
    const steady = Array.from({ length: 10 }, (_, i): [number, number] => [
      (i + 1) * 100,
      (i + 1) * 1000,
    ]);
    const before = feed(steady).rate!;
    const after = feed([...steady, [2_000, 11_000]]).rate!;
    expect(before).toBeCloseTo(100);
    const weight = 1 - Math.exp(-1_000 / RATE_TIME_CONSTANT_MS);
    expect(after).toBeCloseTo(100 + weight * (1_000 - 100));
    expect(after).toBeLessThan(300);
  });

  it("follows a lasting change and ignores how often it is sampled", () => {
    const slowDown = (step: number) => {
      const samples: Array<[number, number]> = [[1_000, 1_000]]; // 1,000/s at first
      for (let t = 1_000 + step; t <= 31_000; t += step)
        samples.push([1_000 + (t - 1_000) / 100, t]); // then 10/s
      return feed(samples).rate!;
    };
    expect(slowDown(100)).toBeLessThan(13);
    expect(slowDown(100)).toBeCloseTo(slowDown(1_000), 6);
  });

  it("keeps the estimate when no time has passed", () => {
    const e = feed([[100, 1_000]]);
    expect(estimateRate(e, { count: 150, elapsedMs: 1_000 })).toBe(e);
  });
});

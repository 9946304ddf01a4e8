import { describe, expect, it } from "vitest";
import { createProgress, renderProgressLine } from "../../src/report/progress.js";

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
    expect(term.frames()).toEqual(["Applying [--------------------] 1/1000 0%"]);
    clock = 1000;
    progress.tick(240); // 250 done after 1 s
    expect(term.frames().at(-1)).toBe(
      "Applying [#####---------------] 250/1000 25% 250/s ETA 3.0 s",
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
});

import { describe, expect, it } from "vitest";
import {
  formatApplySummary,
  formatApplySummaryJson,
  formatDuration,
  formatRowOutcome,
} from "../../src/report/apply-summary.js";

const SUMMARY = { created: 3, updated: 2, unchanged: 10, failed: 0, skipped: 0, elapsedMs: 1400 };

describe("apply summary", () => {
  it("says what was done and how long it took", () => {
    expect(formatApplySummary(SUMMARY)).toBe(
      "Applied: 3 created, 2 updated, 10 unchanged, 0 failed, 0 skipped in 1.4 s.",
    );
    expect(
      formatApplySummary({ ...SUMMARY, failed: 1, requests: 21, retries: 1, interrupted: true }),
    ).toBe(
      "Interrupted after: 3 created, 2 updated, 10 unchanged, 1 failed, 0 skipped in 1.4 s (21 requests, 1 retry).",
    );
  });

  it("has a JSON form", () => {
    expect(JSON.parse(formatApplySummaryJson({ ...SUMMARY, requests: 20, retries: 0 }))).toEqual({
      ...SUMMARY,
      adopted: 0,
      archived: 0,
      unarchived: 0,
      requests: 20,
      retries: 0,
      interrupted: false,
    });
  });

  it("formats durations for people", () => {
    expect([0, 950, 59_940, 59_960, 125_000, 3_725_000].map(formatDuration)).toEqual([
      "0.0 s",
      "0.9 s",
      "59.9 s",
      "1 min 00 s",
      "2 min 05 s",
      "1 h 02 min",
    ]);
  });

  it("describes a failed or skipped run with its place and the API's message, escaped", () => {
    const failed = formatRowOutcome(
      {
        clientKey: "tv-009",
        action: "update",
        status: "failed",
        runId: "run-9",
        error: "[PATCH /api/v2/runs] 400: name too long\u001b[2J",
        source: "runs.csv:10",
      },
      { color: false },
    );
    expect(failed).toBe(
      "✗ tv-009 (runs.csv:10) update: [PATCH /api/v2/runs] 400: name too long\\u001b[2J",
    );
    const skipped = formatRowOutcome(
      {
        clientKey: "tv 010",
        action: "create",
        status: "skipped",
        error: "a run with this clientKey exists since the plan was made",
        source: "runs.csv:11",
      },
      { color: true },
    );
    expect(skipped).toBe(
      '\u001b[33m-\u001b[39m "tv 010" (runs.csv:11) create skipped: a run with this clientKey exists since the plan was made',
    );
  });
});

describe("an apply stopped while reading the manifests", () => {
  const stopped = { ...SUMMARY, created: 0, updated: 0, unchanged: 0, skipped: 1234 };
  const STOPPED =
    "Stopped while reading the manifests, before any request: nothing was written, and the runs read are counted as skipped";

  it("names the file and line where reading stopped, and the files after it", () => {
    const unread = { files: [{ path: "a.csv", afterLine: 1235 }, { path: "b.csv" }] };
    expect(formatApplySummary({ ...stopped, interrupted: true, unread })).toBe(
      `Interrupted after: 0 created, 0 updated, 0 unchanged, 0 failed, 1,234 skipped in 1.4 s. ${STOPPED}; not read: a.csv after line 1,235 and b.csv; run the same command again.`,
    );
    expect(JSON.parse(formatApplySummaryJson({ ...stopped, interrupted: true, unread }))).toEqual(
      expect.objectContaining({
        skipped: 1234,
        interrupted: true,
        unread: {
          message: `${STOPPED}; not read: a.csv after line 1,235 and b.csv; run the same command again`,
          files: unread.files,
        },
      }),
    );
  });

  it("names the saved plan when apply --plan was reading it", () => {
    const unread = { files: [{ path: "plan.json", afterLine: 101 }], of: "plan" as const };
    expect(formatApplySummary({ ...stopped, interrupted: true, unread })).toContain(
      "Stopped while reading the saved plan, before any request: nothing was written, and the runs read are counted as skipped; not read: plan.json after line 101;",
    );
  });

  it("counts the files past the third; says so when invalid runs were counted but not listed; nothing read at all", () => {
    const files = ["a.csv", "b.csv", "c.csv", "d.csv", "e.csv"].map((path) => ({ path }));
    expect(
      formatApplySummary({ ...stopped, interrupted: true, unread: { files, unnamed: 12 } }),
    ).toContain(
      "counted as skipped (12 invalid runs among them not listed); not read: a.csv, b.csv, c.csv and 2 more files;",
    );
  });

  it("says how many runs a quit (a second signal, the stop's deadline) left out of the results", () => {
    const quit = { ...SUMMARY, skipped: 12_000, interrupted: true, unlisted: 11_500 };
    expect(formatApplySummary(quit)).toBe(
      "Interrupted after: 3 created, 2 updated, 10 unchanged, 0 failed, 12,000 skipped in 1.4 s. 11,500 runs (counted as skipped) are not listed in the results: the command quit (a second signal, or the stop's deadline) before they were; nothing more was written; run the same command again.",
    );
    const json = JSON.parse(formatApplySummaryJson(quit));
    expect(json.unlisted.count).toBe(11_500);
    expect(json.unlisted.message).toMatch(/^11,500 runs \(counted as skipped\) are not listed/);
    expect(JSON.parse(formatApplySummaryJson({ ...quit, unlisted: 0 }))).not.toHaveProperty(
      "unlisted",
    );
  });

  it("a quit while the rows read were listed says both where the reading stopped and how many are not listed", () => {
    const unread = { files: [{ path: "plan.json", afterLine: 30_001 }], of: "plan" as const };
    const quit = { ...stopped, skipped: 30_000, interrupted: true, unread, unlisted: 21_808 };
    expect(formatApplySummary(quit)).toMatch(
      /^Interrupted after: .* 30,000 skipped in .*\. Stopped while reading the saved plan, .*not read: plan\.json after line 30,001; run the same command again\. 21,808 runs \(counted as skipped\) are not listed in the results: the command quit .*\.$/,
    );
    const json = JSON.parse(formatApplySummaryJson(quit));
    expect(json).toMatchObject({ skipped: 30_000, unread: { of: "plan", files: unread.files } });
    expect(json.unlisted.count).toBe(21_808);
  });
});

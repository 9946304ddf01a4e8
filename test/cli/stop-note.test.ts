import { describe, expect, it } from "vitest";
import { describeActivity, interruptedFailure } from "../../src/cli/stop-note.js";
import type { UnderWay } from "../../src/sift/http-types.js";

/** What the line after Ctrl-C says was under way, from what the request layer reports. */
function api(underWay: UnderWay, sent = 1) {
  return { name: "the API at https://api.example.com", underWay: () => underWay, sent: () => sent };
}
const phases = { offline: "reading the manifests", between: "planning (no request under way)" };

describe("describeActivity", () => {
  it("names the oldest request under way, and whether the API ever answered", () => {
    const first = api({
      requests: [{ request: "GET /api/v2/runs", sinceMs: 1000 }],
      retrying: 0,
      answered: false,
    });
    expect(describeActivity({ api: first, ...phases }, 3100)).toBe(
      "waiting on the API at https://api.example.com for its first answer (GET /api/v2/runs, sent 2.1 s ago)",
    );
    const many = api({
      requests: [
        { request: "POST /api/v2/runs", sinceMs: 500 },
        { request: "PATCH /api/v2/runs", sinceMs: 900 },
      ],
      retrying: 0,
      answered: true,
    });
    expect(describeActivity({ api: many, ...phases }, 1000)).toBe(
      "waiting on the API at https://api.example.com for 2 requests under way (the oldest POST /api/v2/runs, sent 0.5 s ago)",
    );
  });

  it("a backoff, the offline work before the first request, the work between requests", () => {
    const idle = { requests: [], retrying: 0, answered: true };
    expect(describeActivity({ api: api({ ...idle, retrying: 3 }), ...phases })).toBe(
      "waiting to retry 3 requests to the API at https://api.example.com",
    );
    expect(describeActivity({ api: api(idle, 0), ...phases })).toBe("reading the manifests");
    expect(describeActivity({ api: api(idle, 12), ...phases })).toBe(
      "planning (no request under way)",
    );
    expect(describeActivity({ offline: "reading standard input", between: "" })).toBe(
      "reading standard input",
    );
  });

  it("the document's failure carries the same words and the signal", () => {
    expect(
      interruptedFailure("SIGTERM", "reading the manifests", "the plan is incomplete"),
    ).toEqual({
      code: "INTERRUPTED",
      message: "interrupted by SIGTERM while reading the manifests: the plan is incomplete",
      signal: "SIGTERM",
    });
  });
});

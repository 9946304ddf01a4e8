import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { useEmulator } from "../helpers/emulator.js";
import { captureIo } from "../helpers/io.js";
import { startTestServer } from "../sift/test-server.js";
import { check, doctorJson, startSkewedFront } from "./doctor-helpers.js";

/** What `doctor` says when something is wrong: each fault named, blocking ones exit 1. */
const emulator = useEmulator({
  readOnlyApiKey: "viewer-key-0000wxyz",
  seed: { assets: ["stand-a"], runs: [{ clientKey: "a-1", name: "A" }] },
});

describe("doctor finds what is wrong", () => {
  it("a wrong key: 401 on every listing (UNAUTHENTICATED, what to check), exit 1", async () => {
    const { code, report } = await doctorJson(emulator().url, [], "wrong-key-0123456789");
    expect(code).toBe(1);
    for (const id of ["key.runs", "key.assets", "key.metadata-keys"]) {
      expect(check(report, id)).toMatchObject({ status: "fail", data: { status: 401 } });
    }
    expect(check(report, "key.runs").found).toBe(
      "401 UNAUTHENTICATED: the key …6789 is not accepted",
    );
    expect(check(report, "key.runs").todo).toContain("SIFT_API_KEY");
    // A 401 is a round trip all the same: the latency is measured.
    expect(check(report, "connection.latency").status).toBe("ok");
    expect(check(report, "api.skipped").status).toBe("skip");
    expect(report.blocked).toBe(true);
  });

  it("a key limited to reads passes every read-only check", async () => {
    const { code, report } = await doctorJson(emulator().url, [], "viewer-key-0000wxyz");
    expect(code).toBe(0);
    expect(check(report, "key.runs").status).toBe("ok");
  });

  it("a listener that never answers: no answer within --timeout, exit 1", async () => {
    const hole = await startTestServer(() => {}); // reads the request, never answers
    try {
      const { code, report } = await doctorJson(hole.url, ["--timeout", "0.3"]);
      expect(code).toBe(1);
      expect(check(report, "connection.latency")).toMatchObject({ status: "fail" });
      expect(check(report, "connection.latency").found).toMatch(
        /^Sift does not answer: the API accepted the connection but sent nothing in 0\.3 s, twice; is SIFT_REST_URI a Sift API\?$/,
      );
      expect(check(report, "key.skipped").status).toBe("skip");
      expect(check(report, "api.skipped").status).toBe("skip");
    } finally {
      await hole.close();
    }
  });

  it("no connection configured: one blocking line saying how to set one, still a whole report", async () => {
    const io = captureIo({});
    const code = await main(["doctor", "--format", "json"], io);
    expect(code).toBe(1);
    const report = JSON.parse(io.out());
    expect(report.checks).toHaveLength(1);
    expect(report.checks[0]).toMatchObject({ id: "connection.source", status: "fail" });
    expect(report.checks[0].found).toContain("SIFT_REST_URI");
  });

  it("a Sift without runs:validateFilter: a warning, not a block", async () => {
    const { startEmulator } = await import("../../src/emulator/index.js");
    const old = await startEmulator({ port: 0, validateFilter: false });
    try {
      const { code, report } = await doctorJson(old.url);
      expect(code).toBe(0);
      expect(check(report, "api.validate-filter")).toMatchObject({
        status: "warn",
        found: "not served (404): a Sift from before 2026-05",
      });
    } finally {
      await old.close();
    }
  });

  it("a rate-limited API (--rps): the 429s are reported with what to do", async () => {
    const { startEmulator } = await import("../../src/emulator/index.js");
    const limited = await startEmulator({ port: 0, rps: 3 });
    try {
      const { report } = await doctorJson(limited.url);
      const latency = check(report, "connection.latency");
      expect(latency.status).toBe("warn");
      expect(latency.found).toMatch(/answered 429 \(rate limited\) although sent one at a time/);
      expect(latency.todo).toContain("--max-rps");
    } finally {
      await limited.close();
    }
  });

  it("a slow API (--latency): the round trip shows it", async () => {
    const { startEmulator } = await import("../../src/emulator/index.js");
    const slow = await startEmulator({ port: 0, latencyMs: 120 });
    try {
      const { report } = await doctorJson(slow.url);
      const { medianMs } = check(report, "connection.latency").data as { medianMs: number };
      expect(medianMs).toBeGreaterThanOrEqual(120);
    } finally {
      await slow.close();
    }
  });

  it("a server clock 5 minutes ahead (a front rewriting Date): a warning", async () => {
    const front = await startSkewedFront(emulator().url, 300);
    try {
      const { code, report } = await doctorJson(front.url);
      expect(code).toBe(0);
      expect(check(report, "connection.clock")).toMatchObject({
        status: "warn",
        data: { skewSeconds: 300 },
      });
      expect(check(report, "connection.clock").found).toBe(
        "Sift's clock is 300 seconds ahead of this machine's (±1 s)",
      );
    } finally {
      await front.close();
    }
  });
});

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { useEmulator } from "../helpers/emulator.js";
import { captureIo } from "../helpers/io.js";
import { check, doctorJson } from "./doctor-helpers.js";

/**
 * `doctor` against a healthy emulator: every read-only check passes, the figures are the
 * organization's, and nothing is written.
 */
const runs = Array.from({ length: 1203 }, (_, i) => ({
  clientKey: i < 3 ? undefined : `run-${i}`,
  name: `Run ${i}`,
  ...(i % 100 === 0 && { isArchived: true }),
}));
const emulator = useEmulator({
  strict: true,
  seed: {
    assets: ["stand-a", "stand-b"],
    metadataKeys: { campaign: "string", altitude_m: "number" },
    runs,
  },
});

describe("doctor, read-only, against a healthy API", () => {
  it("reports every check ok, exits 0, and writes nothing", async () => {
    const before = JSON.stringify(emulator().runs());
    emulator().resetStats();
    const { code, report, stderr } = await doctorJson(emulator().url);
    expect(code, stderr).toBe(0);
    expect(report.blocked).toBe(false);
    expect(report.checks.filter((c) => c.status === "warn" || c.status === "fail")).toEqual([]);
    // No manifests given: that section is the only one not checked.
    expect(report.checks.filter((c) => c.status === "skip").map((c) => c.id)).toEqual([
      "manifests.skipped",
    ]);
    expect(emulator().stats().writes).toBe(0);
    expect(JSON.stringify(emulator().runs())).toBe(before);
    const { requests } = emulator().stats();
    expect(requests.CreateRun + requests.CreateAdhocRun + requests.UpdateRun).toBe(0);
  });

  it("names where the URL and the key came from, showing only the key's last 4 characters", async () => {
    // The emulator refuses this key (401): the source is told all the same.
    const key = "sift_0123456789abcdefWXYZ";
    const { report, stdout } = await doctorJson(emulator().url, [], key);
    expect(check(report, "connection.source").found).toContain(
      "URL from SIFT_REST_URI; key …WXYZ from SIFT_API_KEY",
    );
    expect(stdout).not.toContain(key.slice(0, -4));
  });

  it("counts runs, assets and metadata keys in pages of 1000, with the archived and keyless runs", async () => {
    const { report } = await doctorJson(emulator().url);
    const runCheck = check(report, "key.runs");
    expect(runCheck.found).toBe("lists 1,203 runs (13 archived, 3 without a clientKey)");
    expect(runCheck.data).toEqual({ count: 1203, more: false });
    expect(check(report, "key.assets").found).toBe("lists 2 assets");
    expect(check(report, "key.metadata-keys").found).toBe("lists 2 metadata keys");
    expect(check(report, "key.organization").found).toMatch(/^\S+$/);
    expect(check(report, "api.page-size").found).toBe("honoured: a page held 1,000 runs");
    expect(check(report, "api.keyless-runs").data).toEqual({ keyless: 3, more: false });
  });

  it("probes the API as this tool models it", async () => {
    const { report } = await doctorJson(emulator().url);
    expect(check(report, "api.validate-filter").found).toBe(
      "served: tells a valid filter from a broken one",
    );
    expect(check(report, "api.client-key-in").found).toMatch(
      /^accepted a lookup of \d{3} clientKeys in one request/,
    );
    expect(check(report, "api.defaults").data).toEqual({ defaults: "emitted" });
    expect(check(report, "api.modified-date").status).toBe("ok");
    // The strict emulator refuses `in` over timestamps: informational, never a warning.
    expect(check(report, "api.timestamp-in")).toMatchObject({
      status: "ok",
      data: { accepted: false },
    });
  });

  it("measures the round trip over 10 requests and compares the clocks", async () => {
    emulator().resetStats();
    const { report } = await doctorJson(emulator().url);
    expect(check(report, "connection.latency").found).toMatch(
      /^median [\d.]+ ms, p95 [\d.]+ ms over 10 requests$/,
    );
    expect(check(report, "connection.clock").found).toBe(
      "Sift's clock agrees with this machine's (±1 s)",
    );
  });

  it("prints a table with ✓ lines and a verdict", async () => {
    const io = captureIo({ SIFT_REST_URI: emulator().url, SIFT_API_KEY: "local" });
    const code = await main(["doctor"], io);
    expect(code).toBe(0);
    expect(io.out()).toMatch(/^sift-run-sync doctor: http:\/\/127\.0\.0\.1:\d+\n/);
    expect(io.out()).toContain("\nConnection\n  ✓ Target ");
    expect(io.out()).toContain("  ✓ ListRuns                 lists 1,203 runs");
    expect(io.out()).toMatch(
      /\n\d+ ok, 0 warnings, 0 blocking, 1 not checked: nothing blocks a sync\.\n$/,
    );
  });
});

describe("doctor against an API that omits default values", () => {
  const omitting = useEmulator({
    defaults: "omit",
    seed: { runs: [{ clientKey: "a-1", name: "A" }] },
  });
  it("says so, as information", async () => {
    const { report } = await doctorJson(omitting().url);
    expect(check(report, "api.defaults")).toMatchObject({
      status: "ok",
      data: { defaults: "omitted" },
    });
  });
});

describe("doctor counts at most 10 pages", () => {
  const big = useEmulator({
    seed: {
      runs: Array.from({ length: 10_001 }, (_, i) => ({ clientKey: `k-${i}`, name: `R ${i}` })),
    },
  });
  it("says 'more than 10,000'", async () => {
    const { report } = await doctorJson(big().url);
    expect(check(report, "key.runs").found).toBe(
      "lists more than 10,000 runs (0 archived, 0 without a clientKey, of the first 10,000)",
    );
  });
});

describe("doctor --local", () => {
  it("the embedded emulator answers every probe: a clean report, exit 0", async () => {
    const io = captureIo({}, mkdtempSync(join(tmpdir(), "srs-doctor-local-")));
    const code = await main(["doctor", "--local", "--format", "json"], io);
    expect(code, io.err()).toBe(0);
    const report = JSON.parse(io.out());
    expect(report.target).toBe("local");
    const unclean = report.checks.filter(
      (c: { status: string; section: string }) => c.status === "warn" || c.status === "fail",
    );
    expect(unclean).toEqual([]);
    expect(report.summary.ok).toBeGreaterThanOrEqual(13);
  });
});

import { describe, expect, it } from "vitest";
import { useEmulator } from "../helpers/emulator.js";
import { check, doctorJson } from "./doctor-helpers.js";

/** `--write-probe`: the only writes doctor makes, one run created, updated and archived. */
const emulator = useEmulator({ readOnlyApiKey: "viewer-key-0000wxyz" });

describe("doctor --write-probe", () => {
  it("creates, updates and archives one probe run, reporting it at each step", async () => {
    const before = emulator().runs().length;
    const { code, report } = await doctorJson(emulator().url, ["--write-probe"]);
    expect(code).toBe(0);
    const runs = emulator().runs();
    expect(runs).toHaveLength(before + 1);
    const probe = runs.at(-1)!;
    expect(probe.clientKey).toMatch(/^srs-doctor-[0-9a-f]{12}$/);
    expect(probe.name).toBe("sift-run-sync doctor write probe (safe to delete)");
    expect(probe.tags).toEqual(["srs-doctor"]);
    expect(probe.isArchived).toBe(true);
    expect(check(report, "write-probe.create").found).toContain(
      `created run ${probe.runId} (clientKey ${probe.clientKey}`,
    );
    expect(check(report, "write-probe.update").status).toBe("ok");
    expect(check(report, "write-probe.archive").found).toContain(`archived ${probe.runId}`);
    // The writes were timed, and the estimate uses them.
    expect(report.checks.some((c) => c.section === "estimate")).toBe(false); // no N given
    const { report: withN } = await doctorJson(emulator().url, [
      "--write-probe",
      "--estimate",
      "500",
    ]);
    expect(check(withN, "estimate.backfill").data).toHaveProperty("writeLatencyMs");
  });

  it("a key limited to reads: 403 at the create, exit 1, nothing created", async () => {
    const before = emulator().runs().length;
    const { code, report } = await doctorJson(
      emulator().url,
      ["--write-probe"],
      "viewer-key-0000wxyz",
    );
    expect(code).toBe(1);
    expect(check(report, "write-probe.create")).toMatchObject({
      status: "fail",
      found: expect.stringMatching(
        /^403 PERMISSION_DENIED: the key may read but not create the run srs-doctor-/,
      ),
    });
    expect(check(report, "write-probe.update").status).toBe("skip");
    expect(emulator().runs()).toHaveLength(before);
  });

  it("without the flag, doctor never writes: the emulator's state is unchanged", async () => {
    const before = JSON.stringify(emulator().runs());
    emulator().resetStats();
    const { code } = await doctorJson(emulator().url, ["--estimate", "1000"]);
    expect(code).toBe(0);
    const { requests, writes } = emulator().stats();
    expect(writes).toBe(0);
    expect(requests.CreateRun + requests.CreateAdhocRun + requests.UpdateRun).toBe(0);
    expect(JSON.stringify(emulator().runs())).toBe(before);
  });
});

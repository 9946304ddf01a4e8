import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { callApi } from "../helpers/emulator.js";
import { manifestDir, runCli, useEmulator } from "./harness.js";

const emulator = useEmulator();

/** Past the 100,000 rows a manifest may have to be held (src/plan/held-rows.ts): streamed. */
const ROWS = 100_001;
const key = (i: number) => `big-${String(i).padStart(6, "0")}`;

describe("a skipped file of a manifest too large to hold", () => {
  it("is read again from its file when the cache cannot vouch for it, and planned as a full read plans it", async () => {
    emulator().load({
      runs: Array.from({ length: ROWS }, (_, i) => ({ clientKey: key(i), name: "A" })),
    });
    const lines = Array.from({ length: ROWS }, (_, i) => `${key(i)},A`);
    const dir = manifestDir({ "small.csv": "clientKey,name\nbig-small,B\n" });
    writeFileSync(join(dir, "big.csv"), `clientKey,name\n${lines.join("\n")}\n`);
    const files = ["big.csv", "small.csv"];
    expect((await runCli(emulator(), ["apply", ...files], dir)).code).toBe(0);

    const edited = emulator()
      .runs()
      .find((r) => r.clientKey === key(77_777))!;
    const answer = await callApi(emulator(), "PATCH", "/api/v2/runs", {
      run: { runId: edited.runId, name: "edited in the UI" },
      updateMask: "name",
    });
    expect(answer.status).toBe(200);
    const cached = await runCli(emulator(), ["apply", ...files, "--log-level", "info"], dir);
    expect(cached.stderr).toContain(
      "1 manifest file unchanged since the last sync is read after all",
    );
    expect(cached.stderr).toContain("1 of 2 manifest files not parsed");
    expect(cached.stdout).toMatch(/0 created, 1 updated, 100,001 unchanged/);
    expect(
      emulator()
        .runs()
        .find((r) => r.clientKey === key(77_777))!.name,
    ).toBe("A");
  }, 120_000);
});

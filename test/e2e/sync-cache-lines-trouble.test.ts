import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renameInSift } from "../helpers/emulator.js";
import { manifestDir, runCli, useEmulator } from "./harness.js";

/**
 * What a line says besides its row (a warning, a local time a dst rule decided) is said again
 * each night: such a line is parsed, never taken from the cache. And a file's old record does
 * not outlive a row of it that another file's sync changed.
 */
const emulator = useEmulator();

async function planBoth(dir: string, args: string[]) {
  const plan = ["plan", ...args, "--format", "json", "--log-level", "info"];
  const cached = await runCli(emulator(), plan, dir);
  const full = await runCli(emulator(), [...plan, "--no-cache"], dir);
  return { cached, full };
}

describe("a line the sync cache knows", () => {
  it("warns again when it was read with a warning", async () => {
    const H = "clientKey,name,tags";
    const dir = manifestDir({ "w.csv": `${H}\ntw-1,one,x\ntw-2,two,y\n` });
    expect((await runCli(emulator(), ["apply", "w.csv"], dir)).code).toBe(0);
    // The edited row is recorded in sync; the file is not (a warning), its old record stays.
    writeFileSync(join(dir, "w.csv"), `${H}\ntw-1,one,"x,z"\ntw-2,two,y\n`);
    expect((await runCli(emulator(), ["apply", "w.csv"], dir)).code).toBe(0);
    writeFileSync(join(dir, "w.csv"), `${H}\ntw-1,one,"x,z"\ntw-2,two,y\ntw-3,three,\n`);
    const night = await planBoth(dir, ["w.csv"]);
    expect(night.full.stderr).toContain("w.csv:2 tags:");
    expect(night.cached.stderr).toContain("w.csv:2 tags:");
    expect(night.cached.stdout).toBe(night.full.stdout);
  });

  it("says again that a dst rule decided its local time", async () => {
    const config = [
      "version: 1",
      "sources:",
      "  - path: x.csv",
      "    timezone: America/Los_Angeles",
      '    timeFormat: "M/d/yyyy h:mm a"',
      "    dst: later",
      "    fields:",
      '      clientKey: "TD-{Flight}"',
      "      name: Flight",
      "      startTime: Takeoff",
      "      stopTime: Landing",
      "",
    ].join("\n");
    const dir = manifestDir({ "sift-run-sync.yaml": config });
    const args = ["--config", "sift-run-sync.yaml"];
    const file = (takeoff: string, more = "") =>
      `Flight,Takeoff,Landing\n1,${takeoff},3/10/2024 4:15 AM\n2,3/10/2024 1:00 AM,3/10/2024 4:00 AM\n${more}`;
    writeFileSync(join(dir, "x.csv"), file("3/10/2024 3:30 AM"));
    expect((await runCli(emulator(), ["apply", ...args], dir)).code).toBe(0);
    // 2:30 AM was skipped that night: dst: later reads it at -08:00, the instant of 3:30 AM PDT.
    writeFileSync(join(dir, "x.csv"), file("3/10/2024 2:30 AM"));
    const second = await runCli(emulator(), ["apply", ...args, "--log-level", "info"], dir);
    expect(second.stderr).toContain("dst: later");
    writeFileSync(
      join(dir, "x.csv"),
      file("3/10/2024 2:30 AM", "3,3/10/2024 1:00 AM,3/10/2024 4:00 AM\n"),
    );
    const night = await planBoth(dir, args);
    expect(night.full.stderr).toContain("dst: later");
    expect(night.cached.stderr).toContain("dst: later");
    expect(night.cached.stdout).toBe(night.full.stdout);
  });
});

describe("a file's record", () => {
  it("is not kept for a row that a sync of another file changed: the file is read again", async () => {
    const H = "clientKey,name,tags";
    const dir = manifestDir({ "a.csv": `${H}\ntk-1,one,\n`, "b.csv": `${H}\ntk-5,five,\n` });
    expect((await runCli(emulator(), ["apply", "a.csv", "b.csv"], dir)).code).toBe(0);
    // Another night syncs b.csv alone, which now holds tk-1 under another name (and a row with
    // a warning: b.csv is not recorded).
    writeFileSync(join(dir, "b.csv"), `${H}\ntk-5,five,\ntk-1,one (from b),\ntk-6,six,"p,q"\n`);
    expect((await runCli(emulator(), ["apply", "b.csv"], dir)).code).toBe(0);
    // a.csv, its bytes as the first night left them, still says "one".
    const night = await planBoth(dir, ["a.csv"]);
    expect(night.full.stdout).toMatch(/"clientKey":"tk-1","action":"update"/);
    expect(night.cached.stdout).toBe(night.full.stdout);
  });

  it("lets a row moved to another file and edited be parsed with its own names once Sift changed its run", async () => {
    const H = "clientKey,name,tags,metadata.altitude_m";
    const dir = manifestDir({
      "a.csv": `${H}\ntn-1,one,,\ntn-2,two,,\n`,
      "b.csv": `${H}\ntn-5,five,,\n`,
    });
    expect((await runCli(emulator(), ["apply", "a.csv", "b.csv"], dir)).code).toBe(0);
    // tn-1 moves to b.csv with a value of a key no other row names; both files hold a row
    // with a warning (neither is recorded again).
    writeFileSync(join(dir, "a.csv"), `${H}\ntn-2,two,,\ntn-3,three,"p,q",\n`);
    writeFileSync(join(dir, "b.csv"), `${H}\ntn-5,five,,\ntn-1,one,,12\ntn-6,six,"p,q",\n`);
    expect((await runCli(emulator(), ["apply", "a.csv", "b.csv"], dir)).code).toBe(0);
    expect(await renameInSift(emulator(), "tn-1", "renamed in the UI")).toBe(200);
    // The rows in an export of a new name, tn-1 first (looked up in every record's lines).
    writeFileSync(join(dir, "c.csv"), `${H}\ntn-1,one,,12\ntn-5,five,,\ntn-6,six,"p,q",\n`);
    const night = await planBoth(dir, ["a.csv", "c.csv"]);
    expect(night.full.stdout).toMatch(/"clientKey":"tn-1","action":"update","source":"c.csv:2"/);
    expect(night.full.stdout).not.toContain("metadata.altitude_m");
    expect(night.cached.stdout).toBe(night.full.stdout);
  });
});

import { describe, expect, it } from "vitest";
import { type PlanJson, runCli, useEmulator } from "../e2e/harness.js";
import { oneSource, projectDir, validate } from "./support.js";

/** Flights around Los Angeles' DST changes of 2024 (Mar 10: 2:00 → 3:00; Nov 3: 2:00 → 1:00). */
const CONFIG = oneSource(
  "flights.csv",
  `
timezone: America/Los_Angeles
timeFormat: "M/d/yyyy h:mm a"
dst: later
fields:
  clientKey: "F-{Flight}"
  name: Flight
  startTime: Takeoff
  stopTime: { column: Landing, dst: earlier }
`,
);

describe("time-zone decisions are visible", () => {
  const emulator = useEmulator();

  it("validate counts the local times a dst rule decided and --show marks them", async () => {
    const dir = projectDir({
      "flights.csv": [
        "Flight,Takeoff,Landing",
        "1,3/10/2024 2:30 AM,3/10/2024 4:15 AM", // 2:30 was skipped: dst: later reads it at -08:00
        "2,3/10/2024 1:00 AM,3/10/2024 4:00 AM", // nothing to decide
        "3,11/3/2024 1:30 AM,11/3/2024 1:45 AM", // both repeated: takeoff later (-08:00), landing earlier (-07:00)
        "",
      ].join("\n"),
      "sift-run-sync.yaml": CONFIG,
    });
    const { code, stdout, problems } = await validate(dir);
    expect(code).toBe(1); // row 3: 1:45 PDT is before 1:30 PST
    expect(problems[0]).toBe(
      'flights.csv:4 Landing (stopTime, via sift-run-sync.yaml sources[0]): Landing "11/3/2024 1:45 AM" (read as -07:00 by dst: earlier) is not after Takeoff "11/3/2024 1:30 AM" (read as -08:00 by dst: later): 2024-11-03T08:45:00Z vs 2024-11-03T09:30:00Z in UTC (expected startTime < stopTime)',
    );
    // Only valid runs count: row 1's takeoff.
    expect(stdout).toMatch(
      /^1 local time resolved by dst: later \(the first at flights\.csv:2\)$/m,
    );
    expect(stdout).not.toMatch(/dst: earlier/);

    const fixed = projectDir({
      "flights.csv": [
        "Flight,Takeoff,Landing",
        "1,3/10/2024 2:30 AM,3/10/2024 4:15 AM",
        "2,3/10/2024 1:00 AM,3/10/2024 4:00 AM",
        "3,11/3/2024 1:30 AM,11/3/2024 1:50 AM",
        "",
      ].join("\n"),
      "sift-run-sync.yaml": CONFIG.replace("dst: earlier", "dst: later"),
    });
    const shown = await validate(fixed, ["--show", "3"]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(
      [
        "# flights.csv:2",
        "- clientKey: F-1",
        '  name: "1"',
        '  startTime: 2024-03-10T10:30:00Z # Takeoff "3/10/2024 2:30 AM" read as -08:00 by dst: later',
        "  stopTime: 2024-03-10T11:15:00Z",
        "# flights.csv:3",
        "- clientKey: F-2",
        '  name: "2"',
        "  startTime: 2024-03-10T09:00:00Z",
        "  stopTime: 2024-03-10T11:00:00Z",
        "# flights.csv:4",
        "- clientKey: F-3",
        '  name: "3"',
        '  startTime: 2024-11-03T09:30:00Z # Takeoff "11/3/2024 1:30 AM" read as -08:00 by dst: later',
        '  stopTime: 2024-11-03T09:50:00Z # Landing "11/3/2024 1:50 AM" read as -08:00 by dst: later',
      ].join("\n"),
    );
    expect(shown.stdout).toMatch(
      /^# 3 local times resolved by dst: later \(the first at flights\.csv:2\)$/m,
    );
  });

  it("the issue's flight: a landing read as -07:00 not after a takeoff dst: later read as -08:00", async () => {
    const dir = projectDir({
      "flights.csv": "Flight,Takeoff,Landing\n7,3/10/2024 2:30 AM,3/10/2024 3:15 AM\n",
      "sift-run-sync.yaml": CONFIG,
    });
    const { problems } = await validate(dir);
    expect(problems[0]).toBe(
      'flights.csv:2 Landing (stopTime, via sift-run-sync.yaml sources[0]): Landing "3/10/2024 3:15 AM" (-07:00) is not after Takeoff "3/10/2024 2:30 AM" (read as -08:00 by dst: later): 2024-03-10T10:15:00Z vs 2024-03-10T10:30:00Z in UTC (expected startTime < stopTime)',
    );
  });

  it("plan over HTTP: each field's own dst decides its repeated hour", async () => {
    const dir = projectDir({
      "flights.csv": "Flight,Takeoff,Landing\n9,11/3/2024 1:10 AM,11/3/2024 1:20 AM\n",
      // The same repeated hour: takeoff in its first pass (PDT), landing in its second (PST).
      "sift-run-sync.yaml": CONFIG.replace("dst: later\n", "dst: earlier\n").replace(
        "{ column: Landing, dst: earlier }",
        "{ column: Landing, dst: later }",
      ),
    });
    const planned = await runCli(emulator(), ["plan", "--format", "json"], dir);
    expect(planned.code).toBe(0);
    const change = (JSON.parse(planned.stdout) as PlanJson).changes[0]!;
    expect(Object.fromEntries(change.fields.map((f) => [f.field, f.after]))).toMatchObject({
      startTime: "2024-11-03T08:10:00Z",
      stopTime: "2024-11-03T09:20:00Z",
    });
    // plan and apply say on stderr what the rules decided, as validate does.
    const decided = [
      /1 local time resolved by dst: earlier \(the first at flights\.csv:2\)/,
      /1 local time resolved by dst: later \(the first at flights\.csv:2\)/,
    ];
    for (const line of decided) expect(planned.stderr).toMatch(line);
    const applied = await runCli(emulator(), ["apply"], dir);
    expect(applied.code).toBe(0);
    for (const line of decided) expect(applied.stderr).toMatch(line);
    // Without a rule for the landing, its time is the error it always was.
    const strict = projectDir({
      "flights.csv": "Flight,Takeoff,Landing\n9,11/3/2024 1:10 AM,11/3/2024 1:20 AM\n",
      "sift-run-sync.yaml": CONFIG.replace(/^ *dst: later\n/m, "").replace(
        "{ column: Landing, dst: earlier }",
        "Landing",
      ),
    });
    const refused = await runCli(emulator(), ["plan"], strict);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /flights\.csv:2 Takeoff \(startTime, via sift-run-sync\.yaml sources\[0\]\): "11\/3\/2024 1:10 AM" is ambiguous in America\/Los_Angeles/,
    );
  });

  it("dst on a field that holds no time is a config error", async () => {
    const dir = projectDir({
      "flights.csv": "Flight\n1\n",
      "sift-run-sync.yaml": oneSource(
        "flights.csv",
        "fields:\n  clientKey: Flight\n  name: { column: Flight, dst: later }\n",
      ),
    });
    const { code, problems } = await validate(dir);
    expect(code).toBe(1);
    expect(problems.join("\n")).toMatch(/fields\.name\.dst: is only for startTime and stopTime/);
  });
});

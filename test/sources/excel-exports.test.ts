import { describe, expect, it } from "vitest";
import { type PlanJson, runCli, useEmulator } from "../e2e/harness.js";
import { oneSource, projectDir, validate } from "./support.js";

/** Text as Excel's "Unicode Text" writes it: UTF-16LE with a byte-order mark, CRLF lines. */
function unicodeText(lines: string[]): Buffer {
  return Buffer.concat([
    Buffer.from([0xff, 0xfe]),
    Buffer.from(lines.join("\r\n") + "\r\n", "utf16le"),
  ]);
}

function after(plan: PlanJson, clientKey: string): Record<string, unknown> {
  const change = plan.changes.find((c) => c.clientKey === clientKey)!;
  return Object.fromEntries(change.fields.map((f) => [f.field, f.after]));
}

describe("exports as Excel writes them, planned and applied over HTTP", () => {
  const emulator = useEmulator();

  it("Mac Excel's CSV: CR-only lines, serial date-times in the field's zone, grouped numbers", async () => {
    const csv = [
      "Flight,Takeoff,Landing,Fuel (lb),Crew",
      'FT-101,45362.604166666664,45362.6875,"1,200",Ana',
      'FT-102,45363.25,45363.3125,"1,234,567.5",Li',
      "",
    ].join("\r");
    const dir = projectDir({
      "flights.csv": csv,
      "sift-run-sync.yaml": oneSource(
        "flights.csv",
        `
timezone: America/Los_Angeles
timeFormat: excel
fields:
  clientKey: "FT-{Flight}"
  name: Flight
  startTime: Takeoff
  stopTime: Landing
  metadata:
    fuel_lb: { column: Fuel (lb), thousands: "," }
    crew: Crew
`,
      ),
    });
    const planned = await runCli(emulator(), ["plan", "--format", "json"], dir);
    expect(planned.stderr).toBe("");
    const plan = JSON.parse(planned.stdout) as PlanJson;
    expect(plan.summary).toMatchObject({ create: 2, invalid: 0 });
    // 2024-03-11 14:30 in Los Angeles (summer time since the 10th) is 21:30 UTC.
    expect(after(plan, "FT-FT-101")).toMatchObject({
      startTime: "2024-03-11T21:30:00Z",
      stopTime: "2024-03-11T23:30:00Z",
      "metadata.fuel_lb": 1200,
    });
    expect(after(plan, "FT-FT-102")).toMatchObject({
      startTime: "2024-03-12T13:00:00Z",
      stopTime: "2024-03-12T14:30:00Z",
      "metadata.fuel_lb": 1234567.5,
    });
    expect((await runCli(emulator(), ["apply"], dir)).code).toBe(0);
    // Read back from Sift: the same instants, so the next night changes nothing.
    const again = JSON.parse((await runCli(emulator(), ["plan", "--format", "json"], dir)).stdout);
    expect((again as PlanJson).summary).toMatchObject({ create: 0, update: 0, unchanged: 2 });
  });

  it("JSON records with serials as numbers (1904 system) and European grouped numbers", async () => {
    const records = [
      { id: "W-1", start: 43900.604166666664, stop: "43900.625", mass: "1.234,5" },
      { id: "W-2", start: 43901.5, stop: 43901.75, mass: "12,25" },
    ];
    const dir = projectDir({
      "lims.json": JSON.stringify(records),
      "sift-run-sync.yaml": oneSource(
        "lims.json",
        `
timezone: Europe/Berlin
timeFormat: excel-1904
fields:
  clientKey: id
  name: id
  startTime: start
  stopTime: stop
  metadata:
    mass_kg: { column: mass, decimal: ",", thousands: "." }
`,
      ),
    });
    const plan = JSON.parse((await runCli(emulator(), ["plan", "--format", "json"], dir)).stdout);
    expect(after(plan as PlanJson, "W-1")).toMatchObject({
      startTime: "2024-03-11T13:30:00Z",
      stopTime: "2024-03-11T14:00:00Z",
      "metadata.mass_kg": 1234.5,
    });
    expect(after(plan as PlanJson, "W-2")).toMatchObject({
      startTime: "2024-03-12T11:00:00Z",
      "metadata.mass_kg": 12.25,
    });
  });

  it('an Excel "Unicode Text" .txt named on the command line is read as tab-separated text', async () => {
    const dir = projectDir({
      "runs.txt": unicodeText([
        "clientKey\tname\tstartTime\tmetadata.campaign",
        "txt-1\tHéliOS, day 1\t2024-03-11T14:30:00Z\tspring",
        "txt-2\tZürich\t2024-03-12T09:00:00Z\tspring",
      ]),
    });
    const planned = await runCli(emulator(), ["plan", "runs.txt", "--format", "json"], dir);
    expect(planned.code).toBe(0);
    const plan = JSON.parse(planned.stdout) as PlanJson;
    expect(plan.summary).toMatchObject({ create: 2, invalid: 0 });
    expect(after(plan, "txt-1")).toMatchObject({
      name: "HéliOS, day 1",
      startTime: "2024-03-11T14:30:00Z",
    });
    expect(after(plan, "txt-2")).toMatchObject({ name: "Zürich", "metadata.campaign": "spring" });
    // A directory's .txt files are not manifests (notes, READMEs): only a named one is read.
    const listed = await runCli(emulator(), ["plan", ".", "--format", "json"], dir);
    expect(listed.stderr).toMatch(/no manifest files in this directory/);
  });
});

describe("what Excel's values cannot be, named with the cell and the config entry", () => {
  it("a group that is not three digits, the fictitious 1900-02-29, a text that is no serial", async () => {
    const dir = projectDir({
      "flights.csv":
        'Flight,Takeoff,Fuel\r1,45362.5,"1,20"\r2,60.5,"12,000"\r3,11.03.2024,"1,234,5"\r',
      "sift-run-sync.yaml": oneSource(
        "flights.csv",
        `
timezone: UTC
timeFormat: excel
fields:
  clientKey: Flight
  startTime: Takeoff
  metadata: { fuel: { column: Fuel, thousands: "," } }
`,
      ),
    });
    const { code, problems } = await validate(dir);
    expect(code).toBe(1);
    expect(problems.slice(0, 4)).toEqual([
      'flights.csv:2 Fuel (metadata.fuel, via sift-run-sync.yaml sources[0]): "1,20" is not a number (expected e.g. 1200 or -3.5)',
      `flights.csv:3 Takeoff (startTime, via sift-run-sync.yaml sources[0]): "60.5" is 1900-02-29 in Excel's 1900 date system, a day that did not exist (Excel counts 1900 as a leap year)`,
      'flights.csv:4 Takeoff (startTime, via sift-run-sync.yaml sources[0]): "11.03.2024" is not a time in the format excel (an Excel serial date-time, e.g. 45362.604166666664)',
      'flights.csv:4 Fuel (metadata.fuel, via sift-run-sync.yaml sources[0]): "1,234,5" is not a number (expected e.g. 1200 or -3.5)',
    ]);
  });

  it("the config: serials need a zone; thousands is for numbers and differs from the decimal mark", async () => {
    const dir = projectDir({
      "x.csv": "Id,Start,Mass\n1,45362.5,1\n",
      "sift-run-sync.yaml": oneSource(
        "x.csv",
        `
fields:
  clientKey: { column: Id, thousands: "," }
  startTime: { column: Start, timeFormat: excel }
  metadata:
    mass: { column: Mass, thousands: "." }
    label: { column: Mass, type: string, thousands: "," }
`,
      ),
    });
    const { code, problems } = await validate(dir);
    expect(code).toBe(1);
    expect(problems.join("\n")).toMatch(
      /fields\.clientKey\.thousands: is only for metadata values of type number/,
    );
    expect(problems.join("\n")).toMatch(
      /fields\.startTime\.timeFormat: "excel" serials are local times, so they need a timezone/,
    );
    expect(problems.join("\n")).toMatch(
      /fields\.metadata\.mass\.thousands: is "\.", the decimal mark too \(set decimal: "," for 1\.234,5\)/,
    );
    expect(problems.join("\n")).toMatch(
      /fields\.metadata\.label\.thousands: is only for metadata values of type number/,
    );
  });
});

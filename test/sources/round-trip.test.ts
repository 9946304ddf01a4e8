import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { type RunSpec, readRunSpecs, validateManifests } from "../../src/manifest/index.js";
import { renderCsv } from "../helpers/render-csv.js";
import { loadSyncConfig, readSourceSpecs, validateSources } from "../../src/sources/index.js";
import { type PlanJson, runCli, useEmulator } from "../e2e/harness.js";
import { projectDir } from "./support.js";

const EXAMPLE = fileURLToPath(new URL("../../examples/teststand/", import.meta.url));

/** The worked example's runs, written by hand in our own manifest format. */
const EXAMPLE_IN_OUR_FORMAT = `
- clientKey: TS-1001
  name: Hot fire 1
  description: Operator Jürgen Müller on stand-a
  startTime: 2024-03-28T09:00:00+01:00
  stopTime: 2024-03-28T09:45:00+01:00
  assets: [stand-a]
  tags: [teststand]
  metadata: { operator: Jürgen Müller, passed: true, chamber_temp_c: 21.5 }
- clientKey: TS-1002
  name: Hot fire 2
  description: Operator Ana Silva on stand-a,stand-b
  startTime: 2024-03-28T13:10:00+01:00
  stopTime: 2024-03-28T13:55:00+01:00
  assets: [stand-a, stand-b]
  tags: [teststand]
  metadata: { operator: Ana Silva, passed: false, chamber_temp_c: 22 }
- clientKey: TS-1003
  name: Cold flow 1
  description: Operator Ana Silva on stand-b
  startTime: 2024-04-02T08:00:00+02:00
  stopTime: 2024-04-02T08:30:00+02:00
  assets: [stand-b]
  tags: [teststand]
  metadata: { operator: Ana Silva, passed: true }
- clientKey: TS-1004
  name: Night soak
  description: Operator Li Wei on stand-b
  startTime: 2024-10-27T01:30:00+02:00
  stopTime: 2024-10-27T03:30:00+01:00
  assets: [stand-b]
  tags: [teststand]
  metadata: { operator: Li Wei, passed: true, chamber_temp_c: 18.25 }
- clientKey: LIMS-S-0042
  name: Propellant batch 42
  startTime: 2024-03-28T10:15:00+01:00
  stopTime: 2024-03-28T11:00:00+01:00
  tags: [nightly]
  metadata: { lab: Lab 2, sample_id: S-0042, density_g_cm3: 1.0213 }
- clientKey: LIMS-S-0043
  name: Propellant batch 43
  startTime: 2024-04-02T07:30:00+02:00
  stopTime: 2024-04-02T08:05:30.250+02:00
  tags: [nightly]
  metadata: { lab: Lab 2, sample_id: S-0043, density_g_cm3: 1.0198 }
`;

describe("round trip: a mapped export plans to the same runs as the same data in our format", () => {
  const emulator = useEmulator();

  it("the worked example, applied in our format, then planned through its mapping: no changes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "srs-example-"));
    cpSync(EXAMPLE, dir, { recursive: true });
    writeFileSync(join(dir, "ours.yaml"), EXAMPLE_IN_OUR_FORMAT);
    const applied = await runCli(emulator(), ["apply", "ours.yaml"], dir);
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    const mapped = await runCli(emulator(), ["plan", "--format", "json"], dir);
    expect(mapped.code).toBe(0);
    const plan = JSON.parse(mapped.stdout) as PlanJson;
    expect(plan.summary).toMatchObject({ create: 0, update: 0, unchanged: 6, invalid: 0 });
    expect(plan.changes.map((c) => `${c.clientKey} ${c.source}`)).toEqual([
      "TS-1001 exports/teststand.csv:3",
      "TS-1002 exports/teststand.csv:4",
      "TS-1003 exports/teststand.csv:5",
      "TS-1004 exports/teststand.csv:6",
      "LIMS-S-0042 lims/export.json:5",
      "LIMS-S-0043 lims/export.json:12",
    ]);
  });

  it("the config's options apply to plan and apply; a flag given on the command line wins", async () => {
    const dir = projectDir({
      "runs.yaml": "- { clientKey: opt-1, name: One, startTime: 2024-01-01T00:00:00Z }\n",
      "export.csv": "Key,Title,Begin\nopt-1,One,2024-06-01T00:00:00Z\n",
      "sift-run-sync.yaml": `version: 1
sources:
  - path: export.csv
    fields: { clientKey: Key, name: Title, startTime: Begin }
options: { ignore: [startTime] }
`,
    });
    expect((await runCli(emulator(), ["apply", "runs.yaml"], dir)).code).toBe(0);
    const withConfig = await runCli(emulator(), ["plan", "--format", "json"], dir);
    expect((JSON.parse(withConfig.stdout) as PlanJson).summary).toMatchObject({ unchanged: 1 });
    const flag = await runCli(emulator(), ["plan", "--format", "json", "--ignore", "name"], dir);
    const planned = JSON.parse(flag.stdout) as PlanJson;
    expect(planned.changes[0]).toMatchObject({ action: "update", updateMask: ["startTime"] });
  });

  it("any runs, written as our CSV and as a mapped ;-separated Windows-1252 export, read the same", async () => {
    const instant = fc
      .tuple(
        fc.integer({ min: 946_684_800, max: 4_102_444_799 }),
        fc.integer({ min: 0, max: 999_999_999 }),
      )
      .map(([s, ns]) =>
        Temporal.Instant.fromEpochNanoseconds(BigInt(s) * 1_000_000_000n + BigInt(ns)),
      );
    const word = fc.stringMatching(/^[A-Za-zäöüß][A-Za-z0-9äöüß .()-]{0,12}[A-Za-z0-9äöüß]$/);
    const run = fc.record({
      id: fc.integer({ min: 1, max: 1e9 }),
      name: word,
      start: instant,
      seconds: fc.integer({ min: 1, max: 10 * 86_400 }),
      tags: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), { maxLength: 3 }),
      pinned: fc.option(fc.boolean(), { nil: undefined }),
      temp: fc.option(
        fc.integer({ min: -99_999, max: 99_999 }).map((n) => n / 100),
        { nil: undefined },
      ),
      serial: fc.stringMatching(/^0[0-9]{2,5}$/),
    });
    const runs = fc.uniqueArray(run, { minLength: 1, maxLength: 20, selector: (r) => r.id });

    await fc.assert(
      fc.asyncProperty(runs, async (rows) => {
        const ours: RunSpec[] = rows.map((r) => {
          const spec: RunSpec = {
            clientKey: `TS-${r.id}`,
            name: r.name,
            startTime: r.start.toString({ smallestUnit: "nanosecond" }) as RunSpec["startTime"],
            stopTime: r.start
              .add({ seconds: r.seconds })
              .toString({ smallestUnit: "nanosecond" }) as RunSpec["stopTime"],
            metadata: { serial: { value: r.serial, type: "string" } },
            source: { file: "", line: 0 },
          };
          if (r.tags.length > 0) spec.tags = [...r.tags].sort();
          if (r.pinned !== undefined) spec.isPinned = r.pinned;
          if (r.temp !== undefined) spec.metadata!.temp_c = { value: r.temp, type: "number" };
          return spec;
        });
        const local = (i: Temporal.Instant) => {
          const z = i.toZonedDateTimeISO("Europe/Berlin");
          const p = (n: number, w = 2) => String(n).padStart(w, "0");
          return `${p(z.day)}.${p(z.month)}.${z.year} ${p(z.hour)}:${p(z.minute)}:${p(z.second)},${p(z.millisecond, 3)}${p(z.microsecond, 3)}${p(z.nanosecond, 3)}${z.offset}`;
        };
        const exportRows = rows.map((r) =>
          [
            r.id,
            r.name,
            local(r.start),
            String(r.start.add({ seconds: r.seconds }).epochNanoseconds),
            r.tags.join(", "),
            r.pinned === undefined ? "NULL" : r.pinned ? "J" : "N",
            r.temp === undefined ? "" : String(r.temp).replace(".", ","),
            r.serial,
          ].join(";"),
        );
        const text = [
          "Export",
          "Nr;Bezeichnung;Beginn;Ende;Tags;Fixiert;Temp (°C);Seriennr.",
          ...exportRows,
        ].join("\r\n");
        const dir = projectDir({
          "ours.csv": renderCsv(ours),
          "export.csv": Buffer.from(text, "latin1"),
          "sift-run-sync.yaml": `version: 1
sources:
  - path: export.csv
    csv: { delimiter: ";", encoding: windows-1252, skipLines: 1 }
    nulls: ["NULL"]
    timezone: Europe/Berlin
    fields:
      clientKey: "TS-{Nr}"
      name: Bezeichnung
      startTime: { column: Beginn, timeFormat: "dd.MM.yyyy HH:mm:ss','SSSSSSSSSXXX" }
      stopTime: { column: Ende, timeFormat: epoch-ns }
      tags: { column: Tags, separator: "," }
      isPinned: { column: Fixiert, map: { J: true, N: false } }
      metadata:
        temp_c: { column: "Temp (°C)", type: number, decimal: "," }
        serial: { column: Seriennr., type: string }
`,
        });
        const config = await loadSyncConfig("sift-run-sync.yaml", dir);
        const checked = await validateSources(config, { cwd: dir });
        expect(checked.problems).toEqual([]);
        expect((await validateManifests(["ours.csv"], { cwd: dir })).problems).toEqual([]);
        const strip = ({ source: _, ...spec }: RunSpec) => spec;
        const mapped: unknown[] = [];
        for await (const spec of readSourceSpecs(config, { cwd: dir })) mapped.push(strip(spec));
        const direct: unknown[] = [];
        for await (const spec of readRunSpecs(["ours.csv"], { cwd: dir })) direct.push(strip(spec));
        expect(mapped).toEqual(direct);
      }),
      { numRuns: 25 },
    );
  });
});

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareTimestamps, fromEpochNanos } from "../../src/time/timestamp.js";
import {
  type MetadataSpec,
  type RunSpec,
  readRunSpecs,
  validateManifests,
} from "../../src/manifest/index.js";
import { renderYaml } from "../../src/manifest/render.js";
import { renderCsv } from "../helpers/render-csv.js";

/** Characters that break naive CSV/YAML writers and readers. */
const NASTY = [
  '"',
  ",",
  "\n",
  "\r\n",
  ";",
  " ",
  "'",
  "#",
  ":",
  "-",
  "[",
  "{",
  "&",
  "*",
  "!",
  "|",
  ">",
  "%",
  "@",
  "`",
  "\t",
  "é",
  "😀",
  "e\u0301",
  "ß",
  "\u00a0",
  "null",
  "true",
  "0x1F",
  "1e3",
  "~",
];

const piece = fc.oneof(fc.constantFrom(...NASTY), fc.string({ unit: "grapheme", maxLength: 4 }));
const text = (maxPieces = 6) =>
  fc.array(piece, { minLength: 1, maxLength: maxPieces }).map((p) => p.join(""));

const CONTROL = /[\u0000-\u001f\u007f]/;
/** CSV trims cells and reads a blank cell as "not managed". */
const csvText = (maxPieces?: number) => text(maxPieces).filter((s) => s !== "" && s.trim() === s);
/** What every format accepts as a name, key, tag or asset. */
const csvKey = csvText(3).filter((s) => !CONTROL.test(s) && s.length <= 512);
const csvItem = csvText(3).filter((s) => !s.includes(";"));
const csvAsset = csvItem.filter((s) => !CONTROL.test(s));
/** Metadata keys: `:` would read as a type suffix in a CSV header. */
const csvMetadataKey = csvKey.filter((s) => !s.includes(":"));

const MIN_NANOS = -62_135_596_800_000_000_000n; // 0001-01-01T00:00:00Z
const MAX_NANOS = 253_402_300_799_999_999_999n; // 9999-12-31T23:59:59.999999999Z
const timestamp = fc
  .oneof(
    fc.bigInt({ min: MIN_NANOS, max: MAX_NANOS }),
    // Round values too, so 0, 3 and 6 fraction digits are well covered.
    fc
      .bigInt({ min: MIN_NANOS / 1_000_000n, max: MAX_NANOS / 1_000_000n })
      .map((ms) => ms * 1_000_000n),
    fc
      .bigInt({ min: MIN_NANOS / 1_000_000_000n, max: MAX_NANOS / 1_000_000_000n })
      .map((s) => s * 1_000_000_000n),
  )
  .map(fromEpochNanos);
/** Both times or neither, start before stop; or only a start. */
const times = fc.oneof(
  fc.constant({}),
  timestamp.map((startTime) => ({ startTime })),
  fc
    .tuple(timestamp, timestamp)
    .filter(([a, b]) => a !== b)
    .map(([a, b]) => {
      const [startTime, stopTime] = compareTimestamps(a, b) < 0 ? [a, b] : [b, a];
      return { startTime, stopTime };
    }),
);

const number = fc
  .double({ noNaN: true, noDefaultInfinity: true })
  .map((n) => (Object.is(n, -0) ? 0 : n));

/** A CSV column has one type: derive it from the key so every run agrees. */
function csvMetadataValue(key: string): fc.Arbitrary<MetadataSpec> {
  switch (key.length % 4) {
    case 0:
      return csvText(4).map((value) => ({ value }));
    case 1:
      return csvText(4).map((value) => ({ value, type: "string" as const }));
    case 2:
      return number.map((value) => ({ value, type: "number" as const }));
    default:
      return fc.boolean().map((value) => ({ value, type: "boolean" as const }));
  }
}
const yamlMetadataValue = fc.oneof(
  text(4).map((value): MetadataSpec => ({ value })),
  number.map((value): MetadataSpec => ({ value })),
  fc.boolean().map((value): MetadataSpec => ({ value })),
);

function metadata(
  key: fc.Arbitrary<string>,
  value: (key: string) => fc.Arbitrary<MetadataSpec>,
  minLength: number,
) {
  return fc
    .uniqueArray(key, { minLength, maxLength: 4 })
    .chain((keys) => fc.tuple(...keys.map((k) => value(k).map((v) => [k, v] as const))))
    .map((entries) => Object.fromEntries(entries) as Record<string, MetadataSpec>);
}

const sortedSet = (items: string[]) => [...new Set(items)].sort();
const uniqueInOrder = (items: string[]) => [...new Set(items)];

function specs(format: "csv" | "yaml"): fc.Arbitrary<RunSpec[]> {
  const str = format === "csv" ? csvText() : text();
  const name = format === "csv" ? csvText() : text().filter((s) => s.trim() !== "");
  // Tag and asset names are read trimmed (as Sift stores them).
  const item =
    format === "csv"
      ? csvItem
      : text(3)
          .map((s) => s.trim())
          .filter((s) => s !== "");
  const asset = format === "csv" ? csvAsset : item.filter((s) => !CONTROL.test(s));
  const meta =
    format === "csv"
      ? metadata(csvMetadataKey, csvMetadataValue, 1) // CSV cannot say "manage no keys"
      : metadata(csvKey, () => yamlMetadataValue, 0);
  const fields = fc.record(
    {
      runId: fc.uuid(),
      name,
      description: str,
      tags: fc.array(item, { maxLength: 4 }).map(sortedSet),
      isPinned: fc.boolean(),
      isArchived: fc.boolean(),
      metadata: meta,
    },
    { requiredKeys: [] },
  );
  const run = fc
    .tuple(csvKey, fields, times, fc.array(asset, { maxLength: 3 }).map(uniqueInOrder))
    .map(([clientKey, f, t, assets]) => {
      const spec: RunSpec = { clientKey, ...f, ...t, source: { file: "", line: 1 } };
      if ("stopTime" in t && assets.length > 0) spec.assets = assets;
      return spec;
    });
  return fc.uniqueArray(run, { selector: (s) => s.clientKey, minLength: 1, maxLength: 6 });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "manifest-round-trip-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readBack(file: string, body: string): Promise<RunSpec[]> {
  await writeFile(join(dir, file), body);
  // Byte for byte: the default (nfc) would read "e\u0301" back as "é" (test/plan/unicode.test.ts).
  const validation = await validateManifests([file], { cwd: dir, unicode: "keep" });
  expect(validation.problems).toEqual([]);
  const result: RunSpec[] = [];
  for await (const spec of readRunSpecs([file], { cwd: dir, unicode: "keep" })) result.push(spec);
  return result;
}

const withoutSource = (list: RunSpec[]) => list.map(({ source: _, ...rest }) => rest);

/** Lines a run's row takes in CSV: one, plus the line breaks inside its quoted cells. */
function csvRowLines(spec: RunSpec): number {
  const values = [spec.name, spec.description, ...(spec.tags ?? []), ...(spec.assets ?? [])];
  for (const entry of Object.values(spec.metadata ?? {})) values.push(String(entry.value));
  return 1 + values.reduce((n, v) => n + (v?.split("\n").length ?? 1) - 1, 0);
}

describe("rendering specs and reading them back", () => {
  it("CSV gives the same specs, each at the line its row starts on", async () => {
    await fc.assert(
      fc.asyncProperty(specs("csv"), async (input) => {
        const output = await readBack("runs.csv", renderCsv(input));
        expect(withoutSource(output)).toEqual(withoutSource(input));
        let line = 2;
        for (const [i, spec] of output.entries()) {
          expect(spec.source).toEqual({ file: "runs.csv", line });
          line += csvRowLines(input[i]!);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("YAML gives the same specs, in order", async () => {
    await fc.assert(
      fc.asyncProperty(specs("yaml"), async (input) => {
        const output = await readBack("runs.yaml", renderYaml(input));
        expect(withoutSource(output)).toEqual(withoutSource(input));
        const lines = output.map((s) => s.source.line);
        expect(lines).toEqual([...lines].sort((a, b) => a - b));
        expect(new Set(lines).size).toBe(lines.length);
      }),
      { numRuns: 150 },
    );
  });
});

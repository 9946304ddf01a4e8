import { describe, expect, it } from "vitest";
import { oneSource, projectDir, readRuns } from "./support.js";

/**
 * Sources read under --unicode nfc (issue 20). The NFC fast path (core/plain-text.ts): a batch read from text below U+0300 skips the
 * normalization pass. Text a Mac wrote decomposed (NFD) is still composed wherever it is: in a
 * chunk after many plain ones, or in the config's own templates and values.
 */
const nfd = (text: string) => text.normalize("NFD");
const CONFIG = oneSource(
  "runs.csv",
  `
fields:
  clientKey: "R-{Id}"
  name: Name
  description: { template: "${nfd("Opérateur")} {Id}" }
  tags: { value: [${nfd("café")}] }
`,
);

describe("the NFC fast path", () => {
  it("composes NFD text in a chunk after 200 KB of plain rows", async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i},Plain run number ${i} of the export`);
    rows.push(`5000,${nfd("Vol Hélios-03")}`);
    const dir = projectDir({
      "sift-run-sync.yaml": CONFIG,
      "runs.csv": `Id,Name\n${rows.join("\n")}\n`,
    });
    const { specs, problems } = await readRuns(dir);
    expect(problems).toEqual([]);
    expect(specs).toHaveLength(5001);
    expect(specs.at(-1)!.name).toBe("Vol H\u00e9lios-03");
    expect(specs[0]!.name).toBe("Plain run number 0 of the export");
  });

  it("composes the config's own NFD text in runs read from a plain ASCII file", async () => {
    const dir = projectDir({ "sift-run-sync.yaml": CONFIG, "runs.csv": "Id,Name\n7,Seven\n" });
    const { specs } = await readRuns(dir);
    expect(specs).toMatchObject([
      { clientKey: "R-7", description: "Op\u00e9rateur 7", tags: ["caf\u00e9"] },
    ]);
  });
});

describe("column names in another Unicode form", () => {
  it("an NFD header (Excel for Mac) matches the config's NFC names, ignoreColumns included", async () => {
    const config = oneSource(
      "runs.csv",
      `
fields:
  clientKey: "R-{Id}"
  name: Désignation
ignoreColumns: [Opérateur]
`,
    );
    const csv = `Id,${nfd("Désignation")},${nfd("Opérateur")}\n1,Vol 1,Zoé\n`;
    const dir = projectDir({ "sift-run-sync.yaml": config, "runs.csv": csv });
    const { specs, problems } = await readRuns(dir);
    expect(problems).toEqual([]);
    expect(specs).toMatchObject([{ clientKey: "R-1", name: "Vol 1" }]);
  });

  it("a config written in NFD matches an NFC header", async () => {
    const config = nfd(
      oneSource(
        "runs.csv",
        `
fields:
  clientKey: "R-{Id}"
  name: Désignation
ignoreColumns: [Opérateur]
`,
      ),
    );
    const csv = "Id,D\u00e9signation,Op\u00e9rateur\n2,Vol 2,Zo\u00e9\n";
    const dir = projectDir({ "sift-run-sync.yaml": config, "runs.csv": csv });
    const { specs, problems } = await readRuns(dir);
    expect(problems).toEqual([]);
    expect(specs).toMatchObject([{ clientKey: "R-2", name: "Vol 2" }]);
  });
});

import { describe, expect, it } from "vitest";
import { oneSource, projectDir, readRuns, validate } from "./support.js";

/** A source without `fields` reads our own column names, and still honours `nulls:`. */
describe("nulls for a source in our own format (no fields)", () => {
  const NULLS = `nulls: ["NULL", "N/A", "\\\\N"]`;

  it("CSV and TSV: a null cell leaves its field out, as a blank cell does, typed columns too", async () => {
    const dir = projectDir({
      "runs/a.csv":
        "clientKey,name,description,startTime,isPinned,tags,metadata.temp_c:number\n" +
        "k-1,NULL,N/A,NULL,\\N,N/A, NULL \n" +
        "k-2,Two,,2024-01-31T12:00:00Z,true,hot,21.5\n",
      "runs/b.tsv": "clientKey\tname\tmetadata.op\nk-3\tN/A\tNULL\n",
      "sift-run-sync.yaml": oneSource("runs/", NULLS),
    });
    expect(await readRuns(dir)).toEqual({
      problems: [],
      specs: [
        { clientKey: "k-1" },
        {
          clientKey: "k-2",
          name: "Two",
          startTime: "2024-01-31T12:00:00Z",
          isPinned: true,
          tags: ["hot"],
          metadata: { temp_c: { value: 21.5, type: "number" } },
        },
        { clientKey: "k-3" },
      ],
    });
  });

  it("YAML, JSON and JSON Lines: a token text is null, for fields and metadata values", async () => {
    const dir = projectDir({
      "runs/a.yaml":
        "- clientKey: y-1\n  name: NULL_\n  startTime: NULL\n  metadata: { op: 'NULL', n: 3 }\n",
      "runs/b.json": JSON.stringify([{ clientKey: "j-1", description: " N/A ", isPinned: "NULL" }]),
      "runs/c.jsonl": '{"clientKey": "l-1", "stopTime": "N/A", "metadata": {"op": "\\\\N"}}\n',
      "sift-run-sync.yaml": oneSource("runs/", NULLS),
    });
    expect(await readRuns(dir)).toEqual({
      problems: [],
      specs: [
        // "NULL_" is not a token: a value like any other.
        { clientKey: "y-1", name: "NULL_", metadata: { n: { value: 3 } } },
        { clientKey: "j-1" },
        { clientKey: "l-1", metadata: {} },
      ],
    });
  });

  it("a row of null tokens is a run without a clientKey (a located error), not a blank row", async () => {
    const dir = projectDir({
      "runs.csv": "clientKey,name\nk-1,One\nNULL,NULL\n",
      "sift-run-sync.yaml": oneSource("runs.csv", NULLS),
    });
    const result = await validate(dir);
    expect(result.code).toBe(1);
    expect(result.problems).toContain(
      "runs.csv:3 clientKey: is empty (every run needs a clientKey)",
    );
  });

  it("without nulls, the same texts are values", async () => {
    const dir = projectDir({
      "runs.csv": "clientKey,name\nk-1,N/A\n",
      "sift-run-sync.yaml": oneSource("runs.csv", "csv: { delimiter: ',' }"),
    });
    expect((await readRuns(dir)).specs).toEqual([{ clientKey: "k-1", name: "N/A" }]);
  });
});

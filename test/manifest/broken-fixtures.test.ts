import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formatProblem } from "../../src/core/errors.js";
import { validateManifests } from "../../src/manifest/index.js";

const BROKEN = fileURLToPath(new URL("../../fixtures/manifests/broken/", import.meta.url));

/** Each broken fixture (or set of fixtures read together) and exactly what validate says. */
const CASES: [paths: string | string[], problems: string[]][] = [
  // Timestamps
  [
    "bad-timestamp.csv",
    [
      'bad-timestamp.csv:3 startTime: "2024-13-01" is not an RFC 3339 timestamp (expected e.g. 2024-01-31T12:00:00Z)',
    ],
  ],
  [
    "naive-timestamp.csv",
    [
      'naive-timestamp.csv:2 startTime: "2024-01-31T12:00:00" has no time zone (add Z or an offset like +02:00)',
    ],
  ],
  [
    "too-many-fraction-digits.csv",
    [
      'too-many-fraction-digits.csv:2 startTime: "2024-01-31T12:00:00.1234567891Z" has more than 9 fractional digits (expected e.g. 2024-01-31T12:00:00Z)',
    ],
  ],
  [
    "stop-before-start.csv",
    [
      "stop-before-start.csv:2 stopTime: 2024-01-31T11:59:59.999999999Z is not after startTime 2024-01-31T12:00:00Z (expected startTime < stopTime)",
    ],
  ],
  [
    "stop-without-start.csv",
    [
      "stop-without-start.csv:2 stopTime: is set but startTime is not (expected both, or startTime alone)",
    ],
  ],
  [
    "assets-without-times.csv",
    [
      "assets-without-times.csv:2 assets: a run with assets needs startTime and stopTime (it is created with CreateAdhocRun)",
    ],
  ],
  // clientKey
  [
    ["duplicate-key-a.csv", "duplicate-key-b.yaml"],
    ['duplicate-key-b.yaml:3 clientKey: "tv-dup" is also defined at duplicate-key-a.csv:2'],
  ],
  [
    "duplicate-key-same-file.csv",
    [
      'duplicate-key-same-file.csv:4 clientKey: "tv-001" is also defined at duplicate-key-same-file.csv:2',
    ],
  ],
  [
    "blank-client-key.csv",
    ["blank-client-key.csv:3 clientKey: is empty (every run needs a clientKey)"],
  ],
  [
    "control-character-key.csv",
    [
      'control-character-key.csv:2 clientKey: "tv\\u0001001" contains a control character (expected printable text)',
    ],
  ],
  [
    "missing-client-key.yaml",
    ["missing-client-key.yaml:1 clientKey: is missing (every run needs a clientKey)"],
  ],
  // CSV header
  [
    "unknown-column.csv",
    ['unknown-column.csv:1 header: unknown column "strt_time" (did you mean "startTime"?)'],
  ],
  [
    "unknown-column-no-suggestion.csv",
    [
      'unknown-column-no-suggestion.csv:1 header: unknown column "colour" (expected clientKey, runId, name, description, startTime, stopTime, assets, tags, isPinned, isArchived or metadata.<key>[:string|number|boolean])',
    ],
  ],
  [
    "duplicate-column.csv",
    ['duplicate-column.csv:1 header: "client_key" (column 3) repeats "clientKey" (column 1)'],
  ],
  [
    "no-client-key-column.csv",
    [
      "no-client-key-column.csv:1 header: has no clientKey column (expected a column named clientKey or client_key)",
    ],
  ],
  [
    "bad-metadata-type.csv",
    [
      'bad-metadata-type.csv:1 header: "metadata.altitude_m:int" has an unknown type "int" (expected string, number or boolean)',
    ],
  ],
  // CSV cells
  [
    "bad-boolean.csv",
    [
      'bad-boolean.csv:2 isPinned: "maybe" is not a boolean (expected true, false, yes, no, 1 or 0)',
    ],
  ],
  [
    "bad-metadata-values.csv",
    [
      'bad-metadata-values.csv:2 metadata.altitude_m: "abc" is not a number (expected e.g. 1200 or -3.5)',
      'bad-metadata-values.csv:3 metadata.passed: "perhaps" is not a boolean (expected true, false, yes, no, 1 or 0)',
    ],
  ],
  // CSV syntax
  [
    "unterminated-quote.csv",
    [
      'unterminated-quote.csv:3 unterminated quoted cell: the quote opened on this line is never closed (expected a closing ")',
    ],
  ],
  [
    "text-after-closing-quote.csv",
    [
      "text-after-closing-quote.csv:2 a closing quote is followed by more text (expected a delimiter or the end of the line after a closing quote)",
    ],
  ],
  [
    "ragged-rows.csv",
    [
      "ragged-rows.csv:3 row has 4 cells but the header has 3 (quote cells that contain commas)",
      "ragged-rows.csv:4 row has 2 cells but the header has 3",
    ],
  ],
  [
    "empty.csv",
    ["empty.csv:1 is empty (expected a header row, e.g. clientKey,name,startTime,stopTime)"],
  ],
  [
    "non-utf8.csv",
    ["non-utf8.csv:2:11 invalid UTF-8 byte 0xE9 (expected UTF-8 text: save the file as UTF-8)"],
  ],
  [
    "error-after-multiline-cell-crlf.csv",
    [
      'error-after-multiline-cell-crlf.csv:6 startTime: "yesterday" is not an RFC 3339 timestamp (expected e.g. 2024-01-31T12:00:00Z)',
    ],
  ],
  // YAML and JSON
  [
    "yaml-syntax.yaml",
    [
      "yaml-syntax.yaml:5:1 invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ],
  ],
  [
    "alias-bomb.yaml",
    [
      "alias-bomb.yaml:2 uses aliases that expand too much (more than 100 alias expansions; an alias bomb?)",
    ],
  ],
  [
    "wrong-shape.yaml",
    [
      'wrong-shape.yaml:2 expected a list of runs, or a mapping with defaults and runs (got the string "just some text")',
    ],
  ],
  [
    "empty.yaml",
    ["empty.yaml:1 is empty (expected a list of runs, or a mapping with defaults and runs)"],
  ],
  [
    "non-utf8.yaml",
    ["non-utf8.yaml:2:12 invalid UTF-8 byte 0xE9 (expected UTF-8 text: save the file as UTF-8)"],
  ],
  [
    "unknown-key.yaml",
    [
      'unknown-key.yaml:2 nmae: unknown key (did you mean "name"?)',
      "unknown-key.yaml:3 colour: unknown key (expected clientKey, runId, name, description, startTime, stopTime, assets, tags, isPinned, isArchived, metadata)",
    ],
  ],
  [
    "wrong-types.yaml",
    [
      "wrong-types.yaml:2 name: expected a string, got the number 42 (put it in quotes)",
      'wrong-types.yaml:3 isPinned: expected a boolean (true or false), got the string "yes"',
      'wrong-types.yaml:4 tags: expected a list of strings, got the string "nightly"',
      'wrong-types.yaml:5 startTime: "2024-01-31" is not an RFC 3339 timestamp (expected e.g. 2024-01-31T12:00:00Z)',
      "wrong-types.yaml:6 clientKey: expected a string, got the number 7 (put it in quotes)",
    ],
  ],
  [
    "missing-runs.yaml",
    [
      "missing-runs.yaml:1 runs: is missing (expected a list of runs, or a mapping with defaults and runs)",
    ],
  ],
  [
    "unknown-top-level-key.yaml",
    [
      'unknown-top-level-key.yaml:3 run: unknown key (did you mean "runs"?)',
      "unknown-top-level-key.yaml:1 runs: is missing (expected a list of runs, or a mapping with defaults and runs)",
    ],
  ],
  ["runs-not-a-list.yaml", ["runs-not-a-list.yaml:2 runs: expected a list of runs, got a mapping"]],
  [
    "run-not-a-mapping.yaml",
    [
      'run-not-a-mapping.yaml:1 expected a run (a mapping with clientKey, name, ...), got the string "tv-001"',
    ],
  ],
  [
    "default-client-key.yaml",
    [
      "default-client-key.yaml:2 clientKey: cannot have a default (each run needs its own)",
      "default-client-key.yaml:5 clientKey: is missing (every run needs a clientKey)",
    ],
  ],
  [
    "broken-defaults.yaml",
    [
      'broken-defaults.yaml:2 startTime: "yesterday" is not an RFC 3339 timestamp (expected e.g. 2024-01-31T12:00:00Z)',
      "broken-defaults.yaml:7 name: expected a string, got the number 5 (put it in quotes)",
    ],
  ],
  [
    "bad-metadata.yaml",
    [
      "bad-metadata.yaml:3 metadata.campaign: expected a string, number or boolean, got a list",
      "bad-metadata.yaml:4 metadata.altitude_m: Infinity is not a finite number",
      'bad-metadata.yaml:7 metadata: expected a mapping of key: value, got the string "nope"',
    ],
  ],
  [
    "empty-name.yaml",
    [
      "empty-name.yaml:2 name: is empty (expected a name, or leave the key out)",
      "empty-name.yaml:3 clientKey: is empty (every run needs a clientKey)",
    ],
  ],
  ["snake-and-camel.yaml", ['snake-and-camel.yaml:3 startTime: repeats "start_time"']],
  [
    "bad-syntax.json",
    ["bad-syntax.json:3:26 invalid JSON: Expected ',' or '}' after property value"],
  ],
  [
    "wrong-types.json",
    [
      "wrong-types.json:2 clientKey: expected a string, got the number 1001 (put it in quotes)",
      'wrong-types.json:3 isArchived: expected a boolean (true or false), got the string "false"',
    ],
  ],
  // Added with the reliability work (test/security, test/fuzz): hostile and odd input.
  ["trailing-comma.json", ["trailing-comma.json:5:3 invalid JSON: Unexpected token ']'"]],
  ["json-bare-word.json", ["json-bare-word.json:2:38 invalid JSON: Unexpected token '}'"]],
  [
    "lone-surrogate.json",
    [
      'lone-surrogate.json:2 clientKey: "ls-\\ud800" holds half of a character (a lone UTF-16 surrogate escape; expected text)',
      'lone-surrogate.json:3 tags: item 2: "\\udc00" holds half of a character (a lone UTF-16 surrogate escape; expected text)',
    ],
  ],
  [
    "lone-surrogate.yaml",
    [
      'lone-surrogate.yaml:2 name: "broken \\ud83d" holds half of a character (a lone UTF-16 surrogate escape; expected text)',
      'lone-surrogate.yaml:4 metadata.note: "\\udfff" holds half of a character (a lone UTF-16 surrogate escape; expected text)',
    ],
  ],
  [
    "escape-sequence-key.yaml",
    [
      'escape-sequence-key.yaml:4 metadata.k\u001b[31mred: metadata key "k\\u001b[31mred" contains a control character',
      "escape-sequence-key.yaml:5 x\u001b[2J: unknown key (expected clientKey, runId, name, description, startTime, stopTime, assets, tags, isPinned, isArchived, metadata)",
    ],
  ],
  [
    "deep-nesting.yaml",
    ["deep-nesting.yaml:3:72 lists and mappings nested more than 64 deep (a manifest needs 4)"],
  ],
  [
    "deep-nesting.json",
    ["deep-nesting.json:1:431 lists and mappings nested more than 64 deep (a manifest needs 4)"],
  ],
  [
    "alias-chain.yaml",
    [
      "alias-chain.yaml:2 uses aliases that expand too much (more than 100 alias expansions; an alias bomb?)",
    ],
  ],
  [
    "duplicate-yaml-key.yaml",
    ["duplicate-yaml-key.yaml:3:3 invalid YAML: Map keys must be unique"],
  ],
  [
    "undefined-alias.yaml",
    [
      "undefined-alias.yaml:2 invalid YAML: Unresolved alias (the anchor must be set before the alias): missing",
    ],
  ],
  [
    "leap-second.csv",
    [
      'leap-second.csv:2 startTime: "2016-12-31T23:59:60Z" has a time of day out of range (expected e.g. 2024-01-31T12:00:00Z)',
    ],
  ],
  [
    "february-30.csv",
    [
      'february-30.csv:2 startTime: "2024-02-30T00:00:00Z" has no day 30 in that month (expected e.g. 2024-01-31T12:00:00Z)',
    ],
  ],
  [
    "offset-out-of-range.csv",
    [
      'offset-out-of-range.csv:2 startTime: "2024-01-31T12:00:00+24:00" has an offset out of range (expected e.g. 2024-01-31T12:00:00Z)',
    ],
  ],
  [
    "client-key-too-long.csv",
    ["client-key-too-long.csv:2 clientKey: is 513 characters long (expected at most 512)"],
  ],
  [
    "metadata-empty-key.csv",
    [
      'metadata-empty-key.csv:1 header: "metadata." names no metadata key (expected metadata.<key>)',
    ],
  ],
  [
    "metadata-conflicting-types.csv",
    [
      'metadata-conflicting-types.csv:1 header: "metadata.x:string" (column 4) repeats "metadata.x:number" (column 3)',
    ],
  ],
  ["runs-null.yaml", ["runs-null.yaml:3 runs: expected a list of runs, got nothing"]],
  ["yaml-binary-tag.yaml", ["yaml-binary-tag.yaml:2 name: expected a string, got a mapping"]],
  [
    "bom-only.csv",
    ["bom-only.csv:1 is empty (expected a header row, e.g. clientKey,name,startTime,stopTime)"],
  ],
];

describe("broken manifests", () => {
  it.each(CASES)("%s", async (paths, expected) => {
    const result = await validateManifests(([] as string[]).concat(paths), { cwd: BROKEN });
    expect(result.problems.map(formatProblem)).toEqual(expected);
    expect(result.totalProblems).toBe(expected.length);
  });

  it("covers every broken fixture", async () => {
    const { readdir } = await import("node:fs/promises");
    const covered = new Set(CASES.flatMap(([paths]) => paths));
    expect((await readdir(BROKEN)).filter((f) => !covered.has(f))).toEqual([]);
  });
});

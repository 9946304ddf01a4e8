import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { callApi } from "../helpers/emulator.js";
import { manifestDir, runCli, useEmulator } from "./harness.js";

const emulator = useEmulator();

const KEYS = 4;
const FILES = ["a.csv", "b.csv"];
const NAMES = ["A", "B", "C"];

interface Row {
  name: string;
  description?: string;
  tags?: string;
  campaign?: string;
}

type Step =
  | { kind: "edit-row"; i: number; row: Row }
  | { kind: "remove-row"; i: number }
  /** The files written another way: rows in reverse, columns swapped, rows in the other file. */
  | { kind: "relayout"; toggle: "reversed" | "swapped" | "moved" }
  | { kind: "edit-in-sift"; i: number; name: string; tags: readonly string[] }
  | { kind: "archive-in-sift"; i: number }
  | { kind: "apply"; flags: readonly string[] }
  | { kind: "plan" };

const row = fc.record(
  {
    name: fc.constantFrom(...NAMES),
    description: fc.constantFrom("", "d1", "d2"),
    tags: fc.constantFrom("", "x", "x;y"),
    campaign: fc.constantFrom("c1", "c2"),
  },
  { requiredKeys: ["name"] },
);
const index = fc.integer({ min: 0, max: KEYS - 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("edit-row" as const), i: index, row }),
  fc.record({ kind: fc.constant("remove-row" as const), i: index }),
  fc.record({
    kind: fc.constant("relayout" as const),
    toggle: fc.constantFrom("reversed" as const, "swapped" as const, "moved" as const),
  }),
  fc.record({
    kind: fc.constant("edit-in-sift" as const),
    i: index,
    name: fc.constantFrom(...NAMES),
    tags: fc.constantFrom<string[]>([], ["x"]),
  }),
  fc.record({ kind: fc.constant("archive-in-sift" as const), i: index }),
  fc.record({
    kind: fc.constant("apply" as const),
    flags: fc.constantFrom<string[]>(
      [],
      [],
      ["--limit", "1"],
      ["--shard", "1/2"],
      ["--only", "KEY"],
      ["--metadata", "replace"],
      ["--refresh", "full"],
    ),
  }),
  fc.constant({ kind: "plan" as const }),
);

let history = 0;
/** Plans that took a file's rows from the cache (the property must have met some). */
let skippedFiles = 0;
/** Plans that took rows of an edited file from the cache by their lines. */
let matchedLines = 0;

describe("plan with the sync cache", () => {
  it("equals a full refresh, whatever happened in the manifests and in Sift", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 2, maxLength: 9 }), async (steps) => {
        const prefix = `h${++history}`;
        const dir = manifestDir({});
        const rows = new Map<number, Row>();
        const key = (i: number) => `${prefix}-${i}`;
        // Two files (even keys, odd keys): an edit rewrites one, and the cache skips the other.
        // Their layout changes too: a line is matched under the same header wherever it moved.
        const layout = { reversed: false, swapped: false, moved: false };
        const write = () => {
          for (const [f, file] of FILES.entries()) {
            const lines = [...rows]
              .filter(([i]) => (i + (layout.moved ? 1 : 0)) % 2 === f)
              .sort(([a], [b]) => (layout.reversed ? b - a : a - b))
              .map(([i, r]) => {
                const [first, second] = layout.swapped ? [r.name, key(i)] : [key(i), r.name];
                return `${first},${second},${r.description ?? ""},${r.tags ?? ""},${r.campaign ?? ""}`;
              });
            const header = layout.swapped ? "name,clientKey" : "clientKey,name";
            writeFileSync(
              join(dir, file),
              `${header},description,tags,metadata.campaign\n${lines.join("\n")}\n`,
            );
          }
        };
        const runOf = (i: number) =>
          emulator()
            .runs()
            .find((r) => r.clientKey === key(i));
        const cli = (args: string[]) => runCli(emulator(), args, dir);
        for (let i = 0; i < 3; i++) rows.set(i, { name: NAMES[i]! });
        write();
        await cli(["apply", ...FILES]);
        for (const s of steps) {
          switch (s.kind) {
            case "edit-row":
              rows.set(s.i, s.row);
              write();
              break;
            case "remove-row":
              rows.delete(s.i);
              write();
              break;
            case "relayout":
              layout[s.toggle] = !layout[s.toggle];
              write();
              break;
            case "edit-in-sift":
            case "archive-in-sift": {
              const run = runOf(s.i);
              if (run === undefined) break;
              const body =
                s.kind === "edit-in-sift"
                  ? {
                      run: { runId: run.runId, name: s.name, tags: s.tags },
                      updateMask: "name,tags",
                    }
                  : { run: { runId: run.runId, isArchived: true }, updateMask: "isArchived" };
              expect((await callApi(emulator(), "PATCH", "/api/v2/runs", body)).status).toBe(200);
              break;
            }
            case "apply":
              await cli([
                "apply",
                ...FILES,
                ...s.flags.map((f) => (f === "KEY" ? key(s.flags.length) : f)),
              ]);
              break;
            case "plan":
              await cli(["plan", ...FILES]);
              break;
            default:
              s satisfies never;
          }
          // Each set of options with its own cache (other options would make it distrusted).
          for (const mode of [[], ["--metadata", "replace", "--cache", "cache-replace"]]) {
            const cached = await cli([
              "plan",
              ...FILES,
              "--format",
              "json",
              "--log-level",
              "info",
              ...mode,
            ]);
            if (cached.stderr.includes("manifest files not parsed")) skippedFiles++;
            if (/rows? of \d+ edited manifest files? not parsed/.test(cached.stderr))
              matchedLines++;
            const full = await cli([
              "plan",
              ...FILES,
              "--format",
              "json",
              "--no-cache",
              ...mode.slice(0, 2),
            ]);
            expect(cached.stdout).toBe(full.stdout);
          }
        }
        // --refresh full gives that answer too, and rewrites the cache.
        const forced = await cli(["plan", ...FILES, "--format", "json", "--refresh", "full"]);
        const full = await cli(["plan", ...FILES, "--format", "json", "--no-cache"]);
        expect(forced.stdout).toBe(full.stdout);
      }),
      { numRuns: 12 },
    );
    expect(skippedFiles).toBeGreaterThan(0);
    expect(matchedLines).toBeGreaterThan(0);
  }, 240_000);
});

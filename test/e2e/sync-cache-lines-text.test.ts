import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renameInSift } from "../helpers/emulator.js";
import { manifestDir, runCli, useEmulator } from "./harness.js";

/**
 * The equality property of sync-cache-exact.test.ts over how a manifest's text is written:
 * LF or CRLF, a byte-order mark, every cell quoted or only those that must be, blank lines
 * between rows, a trailing delimiter, a header with a trailing space, rows in one file or the
 * other; values with line breaks (LF and CRLF inside quotes), quotes, commas (a tag with a
 * warning), NFC and NFD text, read with --unicode nfc and keep. A line is taken from the
 * cache only when a parse would read it as the row the cache holds.
 */
const emulator = useEmulator();

const KEYS = 5;
const FILES = ["t.csv", "u.csv"];

interface Row {
  name: string;
  description: string;
  tags: string;
}

interface Layout {
  crlf: boolean;
  bom: boolean;
  quoted: boolean;
  blanks: boolean;
  trailing: boolean;
  spaced: boolean;
  moved: boolean;
}

type Step =
  | { kind: "edit"; i: number; row: Row }
  | { kind: "remove"; i: number }
  | { kind: "layout"; toggle: keyof Layout }
  | { kind: "apply"; flags: string[] }
  | { kind: "edit-in-sift"; i: number; name: string };

const texts = ["a", "b", "é", "e\u0301", "x\ny", "x\r\ny", " a", "a,b", 'say "hi"', ""];
const row = fc.record({
  name: fc.constantFrom("A", "B", "Ω", "Ω\u0301"),
  description: fc.constantFrom(...texts),
  tags: fc.constantFrom("", "x", "x;y", "x,y"),
});
const index = fc.integer({ min: 0, max: KEYS - 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("edit" as const), i: index, row }),
  fc.record({ kind: fc.constant("remove" as const), i: index }),
  fc.record({
    kind: fc.constant("layout" as const),
    toggle: fc.constantFrom<keyof Layout>(
      "crlf",
      "bom",
      "quoted",
      "blanks",
      "trailing",
      "spaced",
      "moved",
    ),
  }),
  fc.record({
    kind: fc.constant("apply" as const),
    flags: fc.constantFrom<string[]>(
      [],
      [],
      ["--unicode", "keep"],
      ["--limit", "1"],
      ["VIEWER"],
      ["--skip-invalid"],
    ),
  }),
  fc.record({
    kind: fc.constant("edit-in-sift" as const),
    i: index,
    name: fc.constantFrom("A", "Z"),
  }),
);

function quote(text: string, always: boolean): string {
  if (always || /[",\r\n]/.test(text) || text !== text.trim())
    return `"${text.replace(/"/g, '""')}"`;
  return text;
}

/** The warnings logged (not the cache's own notes). */
function warningsOf(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .filter((l) => l.level >= 40 && !/sync cache|full refresh/.test(l.msg))
    .map((l) => l.msg);
}

let history = 0;
let matched = 0;
let skipped = 0;
describe("line matching over texts written many ways", () => {
  it("plans as a full read does", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 2, maxLength: 8 }), async (steps) => {
        const prefix = `tx${++history}`;
        const dir = manifestDir({});
        const rows = new Map<number, Row>();
        const layout: Layout = {
          crlf: false,
          bom: false,
          quoted: false,
          blanks: false,
          trailing: false,
          spaced: false,
          moved: false,
        };
        const write = () => {
          const eol = layout.crlf ? "\r\n" : "\n";
          const header = `clientKey,name,description,tags${layout.trailing ? "," : ""}${layout.spaced ? " " : ""}`;
          for (const [f, file] of FILES.entries()) {
            const lines = [...rows]
              .filter(([i]) => (i + (layout.moved ? 1 : 0)) % 2 === f)
              .map(([i, r]) => {
                const cells = [
                  `${prefix}-${i}`,
                  quote(r.name, layout.quoted),
                  quote(r.description, layout.quoted),
                  quote(r.tags, layout.quoted),
                ];
                return cells.join(",") + (layout.trailing ? "," : "");
              });
            const body = lines.flatMap((l) => (layout.blanks ? [l, ""] : [l]));
            writeFileSync(
              join(dir, file),
              (layout.bom ? "\uFEFF" : "") + [header, ...body].join(eol) + eol,
            );
          }
        };
        const cli = (args: string[]) => runCli(emulator(), args, dir);
        for (let i = 0; i < 3; i++) rows.set(i, { name: "A", description: texts[i]!, tags: "" });
        write();
        await cli(["apply", ...FILES]);
        for (const s of steps) {
          switch (s.kind) {
            case "edit":
              rows.set(s.i, s.row);
              write();
              break;
            case "remove":
              rows.delete(s.i);
              write();
              break;
            case "layout":
              layout[s.toggle] = !layout[s.toggle];
              write();
              break;
            case "apply":
              {
                const viewer = s.flags[0] === "VIEWER";
                const args = ["apply", ...FILES, ...(viewer ? [] : s.flags)];
                await runCli(emulator(), args, dir, viewer ? "viewer" : "local");
              }
              break;
            case "edit-in-sift": {
              const run = emulator()
                .runs()
                .find((r) => r.clientKey === `${prefix}-${s.i}`);
              if (run === undefined) break;
              await renameInSift(emulator(), run.clientKey!, s.name);
              break;
            }
          }
          for (const mode of [[], ["--unicode", "keep", "--cache", "cache-keep"]]) {
            const cached = await cli([
              "plan",
              ...FILES,
              "--format",
              "json",
              "--log-level",
              "info",
              ...mode,
            ]);
            if (/rows? of \d+ edited manifest files? not parsed/.test(cached.stderr)) matched++;
            if (/manifest files? not parsed: unchanged/.test(cached.stderr)) skipped++;
            const full = await cli([
              "plan",
              ...FILES,
              "--format",
              "json",
              "--no-cache",
              ...mode.slice(0, 2),
            ]);
            expect(cached.stdout).toBe(full.stdout);
            expect(warningsOf(cached.stderr)).toEqual(warningsOf(full.stderr));
            expect(cached.code).toBe(full.code);
          }
        }
      }),
      { numRuns: 20 },
    );
    expect(matched).toBeGreaterThan(0);
    expect(skipped).toBeGreaterThan(0);
  }, 300_000);
});

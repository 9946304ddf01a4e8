import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * `--version` and `--help` answer fast because the CLI's entry loads no parser: the static
 * import closure of `src/cli/main.ts` must not reach zod, csv-parse or yaml (they are loaded
 * by the commands' actions). Speed itself is measured, not tested: see docs/performance.md.
 */
function staticClosure(entry: string): { own: string[]; packages: Set<string> } {
  const own = new Set<string>();
  const packages = new Set<string>();
  const walk = (file: string): void => {
    if (own.has(file)) return;
    own.add(file);
    const text = readFileSync(file, "utf8");
    // Value imports and re-exports only: `import type` and `export type` load nothing.
    for (const m of text.matchAll(
      /^(?:import|export)(?!\s+type\s)\s[^;]*?from\s+"([^"]+)"|^import\s+"([^"]+)"/gm,
    )) {
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith(".")) walk(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
      else if (!spec.startsWith("node:")) packages.add(spec);
    }
  };
  walk(resolve(entry));
  return { own: [...own].map((f) => relative(process.cwd(), f)), packages };
}

describe("CLI start-up", () => {
  it("loads no manifest parser or schema library before a command runs", () => {
    const { packages } = staticClosure("src/cli/main.ts");
    expect([...packages].sort()).toEqual(["commander"]);
  });

  it("loads no command's module before it is named: the root help lists them from the table", () => {
    const { own } = staticClosure("src/cli/main.ts");
    expect(own).toContain("src/cli/commands/table.ts");
    const commands = own.filter(
      (f) => f.startsWith("src/cli/commands/") && !f.endsWith("table.ts"),
    );
    expect(commands).toEqual([]);
    expect(own).not.toContain("src/cli/options.ts");
  });

  it("plan and apply of manifest paths load neither yaml, the time-zone code nor a TOML parser", () => {
    // A CSV backfill needs none (~33, ~18 and ~5 ms of CPU): the YAML and JSON Lines readers
    // and a sync config's sources are loaded when a file or `--config` needs them, smol-toml
    // when `--profile` is read.
    for (const command of ["src/cli/commands/run-plan.ts", "src/cli/commands/run-apply.ts"]) {
      const { packages } = staticClosure(command);
      expect(packages).toContain("csv-parse");
      expect(packages).not.toContain("yaml");
      expect(packages).not.toContain("temporal-polyfill");
      expect(packages).not.toContain("smol-toml");
    }
  });

  it("prints the package version through the bin's fast path", () => {
    const version = JSON.parse(readFileSync("package.json", "utf8")).version;
    const out = execFileSync(process.execPath, ["bin/sift-run-sync.js", "--version"], {
      encoding: "utf8",
    });
    expect(out).toBe(`${version}\n`);
    const short = execFileSync(process.execPath, ["bin/sift-run-sync.js", "-V"], {
      encoding: "utf8",
    });
    expect(short).toBe(`${version}\n`);
  });
});

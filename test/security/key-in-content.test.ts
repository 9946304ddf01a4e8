import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useEmulator } from "../helpers/emulator.js";
import { cli, workspace } from "./support.js";

/**
 * The API key never leaves, even through content (issue 18.3): a manifest cell, a run Sift
 * holds, a file name. Whatever carries it, stdout, stderr, the results files, the plan file and
 * an export hold `[REDACTED]` instead; a manifest run holding the key is invalid (its message
 * names the field, never the value), so it is never sent to Sift either.
 */
const KEY = "sift_content_Qm4Vx8Tz2Lp6Wk";
const LEAKS = [KEY, "Qm4Vx8Tz2Lp6Wk"];

function expectNoKey(where: string, text: string): void {
  for (const leak of LEAKS) expect(text.includes(leak), `${where} holds the key`).toBe(false);
}

const emulator = useEmulator({
  apiKey: KEY,
  seed: {
    assets: ["rig-1"],
    metadataKeys: { note: "string" },
    runs: [
      {
        clientKey: "held-1",
        name: "Held 1",
        description: `pasted ${KEY} by mistake`,
        metadata: { note: `also ${KEY}` },
      },
    ],
  },
});
const env = () => ({ SIFT_REST_URI: emulator().url, SIFT_API_KEY: KEY });
/** Every stored run as JSON: what Sift now holds, searched for the key. */
const stored = () => JSON.stringify(emulator().runs());

const CELLS = [
  "clientKey,name,description,tags,metadata.note,startTime",
  `k-ok,Fine,plain,,,`,
  `k-desc,Desc,has ${KEY} inside,,,`,
  `${KEY},Key as clientKey,,,,`,
  `k-tag,Tag,,${KEY},,`,
  `k-meta,Meta,,,${KEY},`,
  `k-time,Time,,,,${KEY}`,
].join("\n");

describe("a manifest cell holding the key", () => {
  it("plan: each such run is invalid, its field named, the key printed nowhere, nothing sent", async () => {
    const { manifests } = workspace({ "runs.csv": CELLS + "\n" });
    emulator().resetStats();
    for (const format of ["table", "json", "markdown"]) {
      const run = await cli(["plan", manifests, "--format", format], env());
      expect(run.code).toBe(1);
      expectNoKey(`${format} stdout`, run.stdout);
      expectNoKey(`${format} stderr`, run.stderr);
      for (const [line, field] of [
        [3, "description"],
        [4, "clientKey"],
        [5, "tags"],
        [6, "metadata.note"],
      ] as const) {
        expect(run.stderr).toContain(`runs.csv:${line} ${field}: holds the API key`);
      }
      // The timestamp's own message quotes the cell: redacted.
      expect(run.stderr).toContain(`runs.csv:7 startTime: "[REDACTED]" is not an RFC 3339`);
    }
    expect(emulator().stats().writes).toBe(0);
  });

  it("apply --skip-invalid: the runs holding it fail in the results, which hold no key; the others are applied", async () => {
    const { dir, manifests } = workspace({ "runs.csv": CELLS + "\n" });
    for (const results of ["results.csv", "results.jsonl"]) {
      const path = join(dir, results);
      const run = await cli(
        ["apply", manifests, "--skip-invalid", "--results", path, "--format", "json"],
        env(),
      );
      expect(run.code).toBe(1);
      expectNoKey("stdout", run.stdout);
      expectNoKey("stderr", run.stderr);
      const text = readFileSync(path, "utf8");
      expectNoKey(results, text);
      expect(text).toContain("[REDACTED]"); // the clientKey that was the key
      expect(text).toContain("k-ok");
      expect(text.match(/holds the API key/g)?.length).toBeGreaterThanOrEqual(4);
    }
    expect(stored()).toContain('"clientKey":"k-ok"');
    // Sift holds no new copy: only the seeded run (redacted here) has it.
    const runs = emulator()
      .runs()
      .filter((r) => r.clientKey !== "held-1");
    expectNoKey("Sift's runs", JSON.stringify(runs));
  });

  it("validate, with the key in SIFT_API_KEY: the same problems, no key on stdout or stderr", async () => {
    const { manifests } = workspace({ "runs.csv": CELLS + "\n" });
    const run = await cli(["validate", manifests], { SIFT_API_KEY: KEY });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("runs.csv:3 description: holds the API key");
    expectNoKey("stdout", run.stdout);
    expectNoKey("stderr", run.stderr);
  });

  it("a YAML manifest: the same", async () => {
    const { manifests } = workspace({
      "runs.yaml": `- clientKey: y-1\n  name: Y\n  description: "${KEY}"\n`,
    });
    const run = await cli(["plan", manifests], env());
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("runs.yaml:1 description: holds the API key");
    expectNoKey("stderr", run.stderr + run.stdout);
  });

  it("a file name holding the key: redacted wherever it is printed", async () => {
    const { manifests } = workspace({ [`${KEY}.csv`]: "clientKey,name\nf-1,F\n" });
    const run = await cli(["validate", manifests], { SIFT_API_KEY: KEY });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("[REDACTED].csv: 1 run");
    expectNoKey("stdout", run.stdout);
  });
});

describe("a run Sift holds with the key in it", () => {
  const manifest = "clientKey,name,description\nheld-1,Held 1,clean now\n";

  it("plan reports (table, Markdown, JSON) and the plan file show [REDACTED]; apply --plan refuses that file, writing nothing", async () => {
    const { dir, manifests } = workspace({ "runs.csv": manifest });
    const planFile = join(dir, "plan.json");
    for (const format of ["table", "json", "markdown"]) {
      const run = await cli(["plan", manifests, "--format", format, "--out", planFile], env());
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/\\?\[REDACTED\\?\]/); // Markdown escapes the brackets
      expectNoKey(`${format} stdout`, run.stdout);
      expectNoKey(`${format} stderr`, run.stderr);
      const saved = readFileSync(planFile, "utf8");
      expectNoKey("plan file", saved);
      expect(saved).toContain("[REDACTED]");
    }
    emulator().resetStats();
    const applied = await cli(["apply", "--plan", planFile], env());
    expect(applied.code).not.toBe(0);
    expectNoKey("apply --plan output", applied.stdout + applied.stderr);
    expect(emulator().stats().writes).toBe(0);
    expect(stored()).toContain(KEY); // untouched: no [REDACTED] was written over Sift's value
  });

  it("export (stdout and --out) holds [REDACTED], not the key", async () => {
    const { dir } = workspace({});
    for (const format of ["csv", "yaml"]) {
      const out = join(dir, `export.${format}`);
      const printed = await cli(["export", "--format", format], env());
      const saved = await cli(["export", "--format", format, "--out", out], env());
      expect([printed.code, saved.code]).toEqual([0, 0]);
      expectNoKey("export stdout", printed.stdout + printed.stderr);
      expectNoKey("export file", readFileSync(out, "utf8"));
      expect(printed.stdout).toContain("[REDACTED]");
    }
  });
});

describe("the key from wherever it comes", () => {
  it("a key known only from a sift.toml profile is redacted too", async () => {
    // Another key than the one the other tests taught this process: this one is read from the
    // profile alone. The manifest check stops before any request (the emulator would refuse it).
    const KEY = "sift_profile_Hn3Jd9Rs5Yb1Xc";
    const config = mkdtempSync(join(tmpdir(), "srs-toml-"));
    writeFileSync(
      join(config, "sift.toml"),
      `[canary]\nrest_uri = "${emulator().url}"\napikey = "${KEY}"\n`,
    );
    const { manifests } = workspace({ "runs.csv": `clientKey,name\np-1,${KEY}\n` });
    const run = await cli(["plan", manifests, "--profile", "canary"], { XDG_CONFIG_HOME: config });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("runs.csv:2 name: holds the API key");
    expect(run.stdout + run.stderr).not.toContain(KEY);
    expect(run.stdout + run.stderr).not.toContain("Hn3Jd9Rs5Yb1Xc");
  });
});

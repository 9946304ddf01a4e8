import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { manifestDir, runCli, useEmulator } from "../e2e/harness.js";

/**
 * Issue 18.2: a saved plan applies only what was reviewed. Each tampered file is refused whole
 * (exit 1, a message naming the entry and what differs) before anything is written: the
 * emulator receives no write. The untampered plan still applies.
 */
const emulator = useEmulator();

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a plan file as JSON, edited freely
type Json = any;

let planFile: string;
let plan: Json;
let work: string;

beforeAll(async () => {
  const existing = manifestDir({
    "a.yaml": [
      '- {clientKey: tp-1, name: One, description: "Keep me", metadata: {campaign: c1, passed: true}}',
      "- {clientKey: tp-2, name: Two}",
      "- {clientKey: tp-4, name: Four}",
    ].join("\n"),
  });
  expect((await runCli(emulator(), ["apply", existing])).code).toBe(0);
  const dir = manifestDir({
    "b.yaml": [
      "- {clientKey: tp-1, name: One v2, metadata: {campaign: c2}}",
      "- {clientKey: tp-2, name: Two}",
      "- {clientKey: tp-5, name: Five, assets: [stand-a], startTime: 2024-01-01T00:00:00Z, stopTime: 2024-01-01T01:00:00Z, isPinned: true, metadata: {altitude_m: 5}}",
    ].join("\n"),
  });
  work = manifestDir({});
  planFile = join(work, "plan.json");
  const planned = await runCli(emulator(), ["plan", dir, "--out", planFile]);
  expect(planned.code, planned.stderr).toBe(0);
  plan = readPlan(planFile);
});

beforeEach(() => emulator().resetStats());

function readPlan(path: string): Json {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** Writes a plan in the layout plan --out uses: the head, one change per line, the summary. */
function writeLines(path: string, doc: Json): void {
  const { changes, summary, ...head } = doc;
  const text =
    `${JSON.stringify(head).slice(0, -1)},"changes":[\n` +
    changes.map((c: Json) => JSON.stringify(c)).join(",\n") +
    `\n],"summary":${JSON.stringify(summary)}}\n`;
  writeFileSync(path, text);
}

let n = 0;
/** A copy of the reviewed plan, edited by `tamper`, saved in the line layout. */
function tampered(tamper: (doc: Json) => void): string {
  const doc = structuredClone(plan);
  tamper(doc);
  const path = join(work, `tampered-${++n}.json`);
  writeLines(path, doc);
  return path;
}

function entry(doc: Json, clientKey: string): Json {
  return doc.changes.find((c: Json) => c.clientKey === clientKey);
}

async function expectRefused(path: string, ...messages: string[]) {
  const { code, stderr, stdout } = await runCli(emulator(), ["apply", "--plan", path]);
  expect(code, stdout).toBe(1);
  for (const message of messages) expect(stderr).toContain(message);
  expect(stderr).toContain("nothing was written");
  expect(emulator().stats().writes).toBe(0);
}

describe("a tampered saved plan is refused before any write", () => {
  it("only request.run.runId changed (another run renamed)", async () => {
    const other = entry(plan, "tp-2").runId;
    const path = tampered((doc) => {
      entry(doc, "tp-1").request.run.runId = other;
    });
    await expectRefused(path, "tp-1: request.run.runId", "is not", other);
  });

  it("a widened request.updateMask (a description wiped)", async () => {
    await expectRefused(
      tampered((doc) => {
        entry(doc, "tp-1").request.updateMask += ",description";
      }),
      'tp-1: request.updateMask is "name,metadata,description"',
    );
    await expectRefused(
      tampered((doc) => {
        const e = entry(doc, "tp-1");
        e.request.updateMask += ",description";
        e.updateMask.push("description");
      }),
      "tp-1: updateMask holds description, but no field shows it changing",
    );
    expect(
      emulator()
        .runs()
        .find((r) => r.clientKey === "tp-1")?.description,
    ).toBe("Keep me");
  });

  it("an extra entry (the counts left as they were)", async () => {
    const path = tampered((doc) => {
      const extra = structuredClone(entry(doc, "tp-1"));
      extra.clientKey = "tp-4";
      extra.runId = extra.request.run.runId = emulator()
        .runs()
        .find((r) => r.clientKey === "tp-4")!.runId;
      doc.changes.push(extra);
    });
    await expectRefused(path, "summary: says update 1, the entries hold 2");
  });

  it("a duplicated clientKey, the counts edited to match", async () => {
    const path = tampered((doc) => {
      doc.changes.push(structuredClone(entry(doc, "tp-1")));
      doc.summary.update += 1;
    });
    await expectRefused(path, "tp-1: a second entry for this clientKey");
  });

  it("a create whose request.clientKey differs from its entry's", async () => {
    const path = tampered((doc) => {
      entry(doc, "tp-5").request.clientKey = "someone-else";
    });
    await expectRefused(
      path,
      'tp-5: request.clientKey "someone-else" is not the entry\'s clientKey',
    );
    expect(
      emulator()
        .runs()
        .some((r) => r.clientKey === "someone-else"),
    ).toBe(false);
  });

  it("edited summary counts", async () => {
    const path = tampered((doc) => {
      doc.summary.create = 7;
    });
    await expectRefused(path, "summary: says create 7, the entries hold 1");
  });

  it("an archive entry in a plan made without --archive-missing", async () => {
    const runId = emulator()
      .runs()
      .find((r) => r.clientKey === "tp-4")!.runId;
    const path = tampered((doc) => {
      doc.changes.push({
        clientKey: "tp-4",
        action: "archive",
        source: "",
        warnings: [],
        runId,
        updateMask: ["isArchived"],
        fields: [{ field: "isArchived", before: false, after: true }],
        request: { run: { runId, isArchived: true }, updateMask: "isArchived" },
      });
      doc.summary.archive = 1;
    });
    await expectRefused(path, "tp-4: an archive in a plan made without --archive-missing");
  });

  it("a huge name: refused as the file is read, not sent", async () => {
    await expectRefused(
      tampered((doc) => {
        const e = entry(doc, "tp-1");
        e.request.run.name = e.fields[0].after = "x".repeat(70_000);
      }),
      '"tp-1": fields.0.after: is longer than the manifests allow (65,536 characters)',
      "request.run.name: is longer than",
    );
    const path = tampered((doc) => {
      entry(doc, "tp-5").request.name = "x".repeat(100 * 1024 * 1024);
    });
    await expectRefused(path, "one change is longer than 16 MiB");
  });

  it("a value changed in a request and in its field alike: old values and kept metadata are checked against Sift", async () => {
    await expectRefused(
      tampered((doc) => {
        const e = entry(doc, "tp-1");
        const passed = e.request.run.metadata.find((m: Json) => m.key.name === "passed");
        passed.booleanValue = false; // kept in merge mode: the reviewer saw no change
      }),
      'tp-1: request.run.metadata changes "passed", which no field shows changing',
    );
    await expectRefused(
      tampered((doc) => {
        entry(doc, "tp-1").fields[0].before = "Not what Sift holds";
      }),
      'tp-1: fields.name shows the old value "Not what Sift holds", but Sift holds "One"',
    );
  });

  it("--expect-digest refuses any other file, also one whose counts were fixed up", async () => {
    const digest = plan.summary && (await digestOf(planFile));
    const path = tampered((doc) => {
      const e = entry(doc, "tp-1");
      e.request.run.name = e.fields[0].after = "Renamed after the review";
    });
    const { code, stderr } = await runCli(emulator(), [
      "apply",
      "--plan",
      path,
      "--expect-digest",
      digest,
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain(`not ${digest} (--expect-digest)`);
    expect(emulator().stats().writes).toBe(0);
  });
});

/** The digest `apply --plan` reports for a file, from a run that is refused before any write. */
async function digestOf(path: string): Promise<string> {
  const wrong = `sha256:${"0".repeat(64)}`;
  const { stderr } = await runCli(emulator(), ["apply", "--plan", path, "--expect-digest", wrong]);
  const match = /has the digest (sha256:[0-9a-f]{64})/.exec(stderr);
  if (!match) throw new Error(stderr);
  return match[1]!;
}

describe("the untampered plan", () => {
  it("applies, with its digest expected, and reports the digest it applied", async () => {
    const digest = await digestOf(planFile);
    const reformatted = join(work, "pretty.json");
    writeFileSync(reformatted, JSON.stringify(plan, null, 2)); // jq . keeps the digest
    expect(await digestOf(reformatted)).toBe(digest);
    const applied = await runCli(emulator(), [
      "apply",
      "--plan",
      planFile,
      "--expect-digest",
      digest,
    ]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/^Applied: 1 created, 1 updated, 1 unchanged, 0 failed/);
    expect(applied.stdout).toContain(`digest ${digest}`);
    const runs = Object.fromEntries(
      emulator()
        .runs()
        .map((r) => [r.clientKey, r]),
    );
    expect(runs["tp-1"]).toMatchObject({ name: "One v2", description: "Keep me" });
    expect(runs["tp-5"]).toMatchObject({ name: "Five", isPinned: true, assetIds: ["asset-a"] });
  });
});

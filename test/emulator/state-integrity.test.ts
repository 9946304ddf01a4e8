import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { callApi } from "../helpers/emulator.js";
import { copyState, readState, SEED, withEmulator, writeSome } from "./state-support.js";

/**
 * A journal is replayed only over the snapshot it continues (or skipped when the snapshot
 * took it in already, as after a crash during compaction); any other journal holds writes no
 * snapshot has and is refused, with both files left as they are. A snapshot whose counts or
 * checksum do not match its content is refused, naming it.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "state-integrity-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The files a crash leaves after `writeSome` (snapshot + journal of records), and the state. */
async function crashedState(name: string, prefix = "j") {
  const statePath = join(dir, name, "live", "state.json");
  const emulator = await startEmulator({ statePath, seed: SEED });
  try {
    await writeSome(emulator, prefix);
    const state = await readState(emulator);
    const copy = await copyState(statePath, join(dir, name, "crash"));
    return { statePath: copy, state };
  } finally {
    await emulator.close();
  }
}

async function bytesOf(...paths: string[]): Promise<(string | undefined)[]> {
  return Promise.all(paths.map((p) => readFile(p, "latin1").catch(() => undefined)));
}

const REFUSED = /refusing to start \(nothing was changed\)/;

describe("a journal that is not the snapshot's", () => {
  it("whose snapshot is missing is refused and left untouched", async () => {
    const { statePath } = await crashedState("orphan");
    await rm(statePath);
    const journal = `${statePath}.journal`;
    const [before] = await bytesOf(journal);
    await expect(startEmulator({ statePath, seed: SEED })).rejects.toThrow(
      /state journal .*crash\/state\.json\.journal continues snapshot \S+, but has no state file \(.*crash\/state\.json is missing\): its writes would be lost; refusing to start/,
    );
    expect(await bytesOf(journal, statePath)).toEqual([before, undefined]);
    expect(existsSync(`${statePath}.lock`)).toBe(false);
    // Even a journal cut short in its first line is not thrown away without its snapshot.
    await writeFile(journal, '{"journalId":"abc');
    await expect(startEmulator({ statePath })).rejects.toThrow(REFUSED);
    expect(await bytesOf(journal, statePath)).toEqual(['{"journalId":"abc', undefined]);
  });

  it("from another state file is refused and both files are left untouched", async () => {
    const mine = await crashedState("mine", "m");
    const theirs = await crashedState("theirs", "t");
    await copyFile(`${theirs.statePath}.journal`, `${mine.statePath}.journal`);
    const before = await bytesOf(mine.statePath, `${mine.statePath}.journal`);
    await expect(startEmulator({ statePath: mine.statePath })).rejects.toThrow(
      /state journal .*mine\/crash\/state\.json\.journal continues snapshot \S+, but .*mine\/crash\/state\.json is snapshot \S+ \(compacted from \S+\)|is snapshot \S+: the journal holds writes this snapshot does not have; refusing to start/,
    );
    expect(await bytesOf(mine.statePath, `${mine.statePath}.journal`)).toEqual(before);
  });

  it("from an earlier snapshot of the same file is refused: replaying it would bring back old values", async () => {
    const statePath = join(dir, "older", "state.json");
    const oldJournal = join(dir, "older", "old.journal");
    await withEmulator(statePath, async (emulator) => {
      await writeSome(emulator);
      await copyFile(`${statePath}.journal`, oldJournal);
    });
    // Two later sessions: the second's snapshot was compacted from the first's, not from old.journal's.
    for (const name of ["a again", "a final"]) {
      await withEmulator(statePath, async (emulator) => {
        const runId = emulator.runs().find((run) => run.clientKey === "j-a")!.runId;
        const answer = await callApi(emulator, "PATCH", "/api/v2/runs", {
          run: { runId, name },
          updateMask: "name",
        });
        expect(answer.status).toBe(200);
      });
    }
    await copyFile(oldJournal, `${statePath}.journal`);
    await expect(startEmulator({ statePath })).rejects.toThrow(REFUSED);
    // Moved away, as the message says: the snapshot alone holds the latest state.
    await rm(`${statePath}.journal`);
    const after = await withEmulator(statePath, readState);
    expect(after.runs.find((run) => run.clientKey === "j-a")!.name).toBe("a final");
  });
});

describe("a crash during compaction", () => {
  it("at every step leaves files that restart with every answered write", async () => {
    const { statePath: crashed, state } = await crashedState("compaction");
    const journal = await readFile(`${crashed}.journal`);
    // Compaction (on start here) writes a temporary snapshot, renames it over FILE, then
    // restarts the journal. The files after the rename, taken while the emulator runs:
    const compacting = await copyState(crashed, join(dir, "compaction", "compacting"));
    const next = await startEmulator({ statePath: compacting });
    const compacted = await readFile(compacting);
    const header = await readFile(`${compacting}.journal`, "utf8");
    await next.close();
    const compactedId = JSON.parse(header).journalId as string;
    expect(JSON.parse(compacted.toString())).toMatchObject({
      journalId: compactedId,
      compactedFrom: JSON.parse(journal.toString().split("\n")[0]!).journalId,
    });

    const steps: [string, Buffer, Buffer | string, string?][] = [
      ["a temporary snapshot cut short", await readFile(crashed), journal, '{"version":3,"journ'],
      ["renamed, the old journal not yet restarted", compacted, journal],
      ["the journal truncated, its header not yet written", compacted, ""],
      ["its header cut short", compacted, header.slice(0, 12)],
      ["its header written", compacted, header],
    ];
    for (const [i, [step, snapshot, journalText, temp]] of steps.entries()) {
      const at = join(dir, "compaction", `step-${i}`);
      await mkdir(at);
      const statePath = join(at, "state.json");
      await writeFile(statePath, snapshot);
      await writeFile(`${statePath}.journal`, journalText);
      if (temp !== undefined) await writeFile(`${statePath}.4242-0123abcd.tmp`, temp);
      const after = await withEmulator(statePath, readState);
      expect(after, step).toEqual(state);
      expect(await readdir(at), step).toEqual(["state.json"]); // no journal, lock or temporary file left
    }
  });
});

describe("the snapshot's counts and checksum", () => {
  async function closedState(name: string) {
    const statePath = join(dir, name, "state.json");
    const state = await withEmulator(statePath, async (emulator) => {
      await writeSome(emulator);
      return readState(emulator);
    });
    return { statePath, state, text: await readFile(statePath, "utf8") };
  }

  it("end the snapshot, one line", async () => {
    const { text } = await closedState("trailer");
    const lines = text.trimEnd().split("\n");
    expect(lines.at(-1)).toMatch(
      /^"counts":\{"tags":\d+,"assets":5,"metadataKeys":\d+,"runs":33\},"checksum":"sha256:[0-9a-f]{64}"\}$/,
    );
  });

  it("a run line lost: refused, naming the file and the count", async () => {
    const { statePath, text } = await closedState("lost-line");
    const lines = text.split("\n");
    const index = lines.findIndex((line) => line.includes('"clientKey":"j-5"'));
    lines.splice(index, 1); // still valid JSON: one run fewer
    const damaged = lines.join("\n");
    JSON.parse(damaged);
    await writeFile(statePath, damaged);
    await expect(startEmulator({ statePath })).rejects.toThrow(
      /state file .*lost-line\/state\.json is damaged: it holds 32 runs where its counts say 33; restore it from a copy/,
    );
    expect(await readFile(statePath, "utf8")).toBe(damaged);
  });

  it("a value changed: refused, naming the file and both checksums", async () => {
    const { statePath, text } = await closedState("changed");
    const damaged = text.replace('"name":"a renamed"', '"name":"a renamex"');
    expect(damaged).not.toBe(text);
    await writeFile(statePath, damaged);
    await expect(startEmulator({ statePath })).rejects.toThrow(
      /state file .*changed\/state\.json is damaged: its checksum is sha256:[0-9a-f]{64}, not the sha256:[0-9a-f]{64} it records/,
    );
    expect(await readFile(statePath, "utf8")).toBe(damaged);
  });

  it("a file edited by hand loads once its counts and checksum are removed", async () => {
    const { statePath, state, text } = await closedState("by-hand");
    const doc = JSON.parse(text.replace('"name":"a renamed"', '"name":"edited"'));
    delete doc.counts;
    delete doc.checksum;
    await writeFile(statePath, JSON.stringify(doc, null, 2));
    const after = await withEmulator(statePath, readState);
    expect(after.runs.find((run) => run.clientKey === "j-a")!.name).toBe("edited");
    expect(after.runs).toHaveLength(state.runs.length);
    // Rewritten on close with counts and a checksum again.
    expect(JSON.parse(await readFile(statePath, "utf8")).checksum).toMatch(/^sha256:/);
  });
});

describe("older state files", () => {
  it("a version 2 snapshot and its journal load, and are upgraded", async () => {
    const { statePath, state } = await crashedState("v2");
    const doc = JSON.parse(await readFile(statePath, "utf8"));
    const v2 = {
      ...doc,
      version: 2,
      counts: undefined,
      checksum: undefined,
      compactedFrom: undefined,
    };
    await writeFile(statePath, JSON.stringify(v2));
    const after = await withEmulator(statePath, readState);
    expect(after).toEqual(state);
    const upgraded = JSON.parse(await readFile(statePath, "utf8"));
    expect(upgraded).toMatchObject({ version: 3, checksum: expect.stringMatching(/^sha256:/) });
  });

  it("a version 2 snapshot with a journal that is not its own is refused, saying why", async () => {
    const { statePath } = await crashedState("v2-foreign");
    const doc = JSON.parse(await readFile(statePath, "utf8"));
    const v2 = { ...doc, version: 2, journalId: "older", counts: undefined, checksum: undefined };
    await writeFile(statePath, JSON.stringify(v2));
    await expect(startEmulator({ statePath })).rejects.toThrow(
      /is snapshot older, written by an older version that does not record what it was compacted from/,
    );
  });
});

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmulatorSeed, startEmulator } from "../../src/emulator/index.js";
import { runResponseSchema } from "../../src/sift/schemas.js";
import { readMetadataEntry } from "../../src/sift/metadata-entry.js";
import { callApi, query, useEmulator } from "../helpers/emulator.js";

/**
 * Relation metadata (`METADATA_KEY_TYPE_RELATION = 4`, `relationValue: {resourceType,
 * resourceId}`) as Sift's metadata.proto has it, and the seed-only `rawMetadata` escape hatch
 * for entries of shapes the emulator does not model.
 */

const FOLDER = { resourceType: "folder", resourceId: "0b6f0a52-6b1e-4c8e-9a57-3f3c1d2e4a10" };
/** A shape from a Sift newer than this emulator: a value field and a key field it does not know. */
const FUTURE = {
  key: { name: "due", type: "METADATA_KEY_TYPE_DATE", unit: "day" },
  dateValue: { year: 2026, month: 7, day: 1 },
};
const SEED: EmulatorSeed = {
  metadataKeys: [
    { name: "site", type: "string" },
    { name: "folder", type: "relation" },
    { name: "level", type: 9 },
  ],
  runs: [
    {
      clientKey: "rel-1",
      name: "One",
      metadata: { site: "north", folder: FOLDER },
      rawMetadata: [FUTURE],
    },
  ],
};

const emit = useEmulator({ defaults: "emit", strict: true, seed: SEED });
const omit = useEmulator({ defaults: "omit", strict: true, seed: SEED });

async function getRun(emulator: typeof emit, clientKey: string) {
  const listed = await callApi(
    emulator(),
    "GET",
    `/api/v2/runs${query({ filter: `client_key == '${clientKey}'` })}`,
  );
  return listed.body.runs[0];
}

describe("relation keys and values", () => {
  it("are seeded, listed and answered as Sift does, in both defaults modes", async () => {
    const keys = await callApi(emit(), "GET", "/api/v1/metadata-keys");
    expect(keys.body.metadataKeys).toContainEqual({
      name: "folder",
      type: "METADATA_KEY_TYPE_RELATION",
      archivedDate: null,
      isArchived: false,
    });
    const omitted = await callApi(omit(), "GET", "/api/v1/metadata-keys");
    expect(omitted.body.metadataKeys).toContainEqual({
      name: "folder",
      type: "METADATA_KEY_TYPE_RELATION",
    });

    expect((await getRun(emit, "rel-1")).metadata[1]).toEqual({
      key: {
        name: "folder",
        type: "METADATA_KEY_TYPE_RELATION",
        archivedDate: null,
        isArchived: false,
      },
      relationValue: FOLDER,
      archivedDate: null,
      isArchived: false,
    });
    expect((await getRun(omit, "rel-1")).metadata[1]).toEqual({
      key: { name: "folder", type: "METADATA_KEY_TYPE_RELATION" },
      relationValue: FOLDER,
    });
  });

  it("are written by CreateRun and UpdateRun (a new key by its first use; type by name or number)", async () => {
    const created = await callApi(emit(), "POST", "/api/v2/runs", {
      name: "new",
      clientKey: "rel-2",
      metadata: [{ key: { name: "project", type: 4 }, relation_value: FOLDER }],
    });
    expect(created.status).toBe(200);
    expect(created.body.run.metadata[0]).toMatchObject({
      key: { name: "project", type: "METADATA_KEY_TYPE_RELATION" },
      relationValue: FOLDER,
    });
    const keys = await callApi(
      emit(),
      "GET",
      `/api/v1/metadata-keys${query({ filter: "name == 'project'" })}`,
    );
    expect(keys.body.metadataKeys).toMatchObject([{ type: "METADATA_KEY_TYPE_RELATION" }]);

    const other = { resourceType: "folder", resourceId: "7d1c5e8a-2f34-4b6a-8c9d-0e1f2a3b4c5d" };
    const updated = await callApi(emit(), "PATCH", "/api/v2/runs", {
      run: {
        runId: created.body.run.runId,
        metadata: [{ key: { name: "project" }, relationValue: other }],
      },
      updateMask: "metadata",
    });
    expect(updated.status).toBe(200);
    expect(updated.body.run.metadata[0].relationValue).toEqual(other);
  });

  it("refuse a value of another type, an empty reference and unknown fields (strict)", async () => {
    const cases: [unknown, RegExp][] = [
      [
        { key: { name: "folder" }, stringValue: "projects" },
        /has type METADATA_KEY_TYPE_RELATION in the organization/,
      ],
      [{ key: { name: "site" }, relationValue: FOLDER }, /has type METADATA_KEY_TYPE_STRING/],
      [
        { key: { name: "folder" }, relationValue: { resourceType: "folder" } },
        /relationValue needs a resourceType and a resourceId/,
      ],
      [
        { key: { name: "folder" }, relationValue: { ...FOLDER, label: "x" } },
        /unknown field "label"/,
      ],
      [
        { key: { name: "folder" }, relationValue: FOLDER, stringValue: "x" },
        /exactly one of .* \(got 2\)/,
      ],
      [{ key: { name: "level" }, numberValue: 3 }, /has type 9 in the organization/],
    ];
    for (const [entry, message] of cases) {
      const answer = await callApi(emit(), "POST", "/api/v2/runs", {
        name: "bad",
        metadata: [entry],
      });
      expect(answer.status, JSON.stringify(entry)).toBe(400);
      expect(answer.body.message).toMatch(message);
    }
  });

  it("cannot be ordered by, and read as absent in filters", async () => {
    const ordered = await callApi(
      emit(),
      "GET",
      `/api/v2/runs${query({ orderBy: 'metadata["folder"]' })}`,
    );
    expect(ordered.status).toBe(400);
    expect(ordered.body.message).toContain('metadata["folder"] is a relation key');
    const filtered = await callApi(
      emit(),
      "GET",
      `/api/v2/runs${query({ filter: "client_key == 'rel-1' && metadata[\"folder\"] == null" })}`,
    );
    expect(filtered.body.runs).toHaveLength(1);
  });
});

describe("rawMetadata (seed only)", () => {
  it("is answered exactly as seeded, in both modes, and its key listed with its type as given", async () => {
    expect((await getRun(emit, "rel-1")).metadata[2]).toEqual(FUTURE);
    expect((await getRun(omit, "rel-1")).metadata[2]).toEqual(FUTURE);
    const keys = await callApi(omit(), "GET", "/api/v1/metadata-keys");
    expect(keys.body.metadataKeys).toEqual(
      expect.arrayContaining([
        { name: "due", type: "METADATA_KEY_TYPE_DATE" },
        { name: "level", type: 9 },
      ]),
    );
    // The client keeps it as it came, and knows it cannot read it.
    const run = runResponseSchema.parse({ run: await getRun(omit, "rel-1") }).run;
    expect(JSON.stringify(run.metadata[2])).toBe(JSON.stringify(FUTURE));
    expect(readMetadataEntry(run.metadata[2]!)).toMatchObject({ kind: "unknown" });
  });

  it("is accepted back by an UpdateRun of its run (strict), and only unchanged", async () => {
    const run = await getRun(emit, "rel-1");
    const update = (metadata: unknown[]) =>
      callApi(emit(), "PATCH", "/api/v2/runs", {
        run: { runId: run.runId, metadata },
        updateMask: "metadata",
      });
    const [site, folder, future] = run.metadata;
    const back = await update([{ ...site, stringValue: "south" }, folder, future]);
    expect(back.status).toBe(200);
    expect(back.body.run.metadata[2]).toEqual(FUTURE);
    expect(back.body.run.metadata[0].stringValue).toBe("south");

    // Field order and snake_case aside, it must be the same entry.
    const reordered = { dateValue: FUTURE.dateValue, key: { ...FUTURE.key } };
    expect((await update([reordered])).status).toBe(200);
    const changed = { ...FUTURE, dateValue: { year: 2027, month: 1, day: 1 } };
    const refused = await update([changed]);
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/unknown field/);
    // Another run, or a create, cannot take it: the emulator does not know the shape.
    const create = await callApi(emit(), "POST", "/api/v2/runs", { name: "x", metadata: [FUTURE] });
    expect(create.status).toBe(400);
  });

  it("is checked when seeded", async () => {
    const bad: [EmulatorSeed, RegExp][] = [
      [{ runs: [{ name: "x", rawMetadata: [{ dateValue: 1 } as never] }] }, /key\.name/],
      [
        { runs: [{ name: "x", metadata: { due: "a" }, rawMetadata: [FUTURE] }] },
        /key "due" is in metadata too/,
      ],
      [{ metadataKeys: { due: "strng" as never } }, /expected string, number, boolean, relation/],
      [
        {
          runs: [{ name: "x", metadata: { folder: "projects" } }],
          metadataKeys: { folder: "relation" },
        },
        /a relation key needs \{resourceType, resourceId\}/,
      ],
    ];
    for (const [seed, message] of bad) {
      await expect(startEmulator({ seed })).rejects.toThrow(message);
    }
  });
});

describe("--state", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "emulator-relation-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps relation keys, values and raw entries across a restart", async () => {
    const statePath = join(dir, "state.json");
    const seedPath = join(dir, "seed.json");
    await writeFile(seedPath, JSON.stringify(SEED));
    const first = await startEmulator({ statePath, seed: seedPath });
    const before = await callApi(first, "GET", "/api/v2/runs");
    const keysBefore = await callApi(first, "GET", "/api/v1/metadata-keys");
    // A journal record too: a relation value written after the snapshot.
    await callApi(first, "POST", "/api/v2/runs", {
      name: "later",
      metadata: [{ key: { name: "folder" }, relationValue: FOLDER }],
    });
    await first.close();
    const second = await startEmulator({ statePath });
    try {
      const after = await callApi(
        second,
        "GET",
        `/api/v2/runs${query({ orderBy: "created_date" })}`,
      );
      expect(after.body.runs[0]).toEqual(before.body.runs[0]);
      expect(after.body.runs[1].metadata[0].relationValue).toEqual(FOLDER);
      expect((await callApi(second, "GET", "/api/v1/metadata-keys")).body).toEqual(keysBefore.body);
      // The raw entry is still accepted back after the restart.
      const run = after.body.runs[0];
      const back = await callApi(second, "PATCH", "/api/v2/runs", {
        run: { runId: run.runId, metadata: run.metadata },
        updateMask: "metadata",
      });
      expect(back.status).toBe(200);
    } finally {
      await second.close();
    }
  });
});

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { celIn } from "../../src/sift/cel.js";
import { createSiftClient } from "../../src/sift/client.js";
import { callApi, query } from "../helpers/emulator.js";

/**
 * What Sift serves that the emulator lacked: ListTags (`GET /api/v2/tags`, tags.proto: filter
 * on `name` and `tag_id`, order `created_date` or `name`, oldest first), an explicit ` asc` in
 * `orderBy`, and `archivedDate` as an UpdateRun mask path. In both `--defaults` modes.
 */
describe.each(["emit", "omit"] as const)("--defaults %s", (defaults) => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({
      defaults,
      seed: {
        tags: [
          { name: "hotfire", tagId: "tag-hotfire" },
          { name: "cold", tagId: "tag-cold" },
        ],
        assets: [{ name: "stand-a", assetId: "asset-a", tags: ["bay-3"] }],
        runs: [
          { clientKey: "c-1", name: "Bravo", tags: ["hotfire", "amber"] },
          { clientKey: "c-2", name: "alpha", tags: ["cold"] },
          { clientKey: "c-3", name: "Charlie" },
        ],
      },
    });
  });
  afterAll(() => emulator.close());

  const list = async (path: string, params: Record<string, string | number> = {}) => {
    const answer = await callApi(emulator, "GET", `${path}${query(params)}`);
    return answer;
  };
  const tagNames = async (params: Record<string, string | number> = {}) => {
    const { status, body } = await list("/api/v2/tags", params);
    expect(status, JSON.stringify(body)).toBe(200);
    return ((body.tags ?? []) as { name: string }[]).map((t) => t.name);
  };

  describe("ListTags", () => {
    it("lists every tag oldest first, as sift.tags.v2.Tag", async () => {
      const { body } = await list("/api/v2/tags");
      expect(body.tags.map((t: { name: string }) => t.name)).toEqual([
        "hotfire",
        "cold",
        "bay-3",
        "amber",
      ]);
      expect(body.tags[0]).toEqual({
        tagId: "tag-hotfire",
        name: "hotfire",
        createdByUserId: "user-local",
        createdDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
      });
      if (defaults === "emit") expect(body.nextPageToken).toBe("");
      else expect(body).not.toHaveProperty("nextPageToken");
    });

    it("filters on name and tag_id; orders by name or created_date; pages", async () => {
      expect(await tagNames({ filter: "name == 'cold'" })).toEqual(["cold"]);
      expect(await tagNames({ filter: "tag_id in ['tag-hotfire', 'tag-cold']" })).toEqual([
        "hotfire",
        "cold",
      ]);
      expect(await tagNames({ filter: "name.startsWith('b') || name.endsWith('er')" })).toEqual([
        "bay-3",
        "amber",
      ]);
      expect(await tagNames({ orderBy: "name" })).toEqual(["amber", "bay-3", "cold", "hotfire"]);
      expect(await tagNames({ orderBy: "created_date desc" })).toEqual([
        "amber",
        "bay-3",
        "cold",
        "hotfire",
      ]);
      const first = await list("/api/v2/tags", { pageSize: 3 });
      expect(first.body.tags).toHaveLength(3);
      const rest = await tagNames({ pageSize: 3, pageToken: first.body.nextPageToken });
      expect(rest).toEqual(["amber"]);
    });

    it("refuses other filter fields, as Sift documents only name and tag_id", async () => {
      const { status, body } = await list("/api/v2/tags", { filter: "tag_name == 'cold'" });
      expect(status).toBe(400);
      expect(body.message).toMatch(/invalid filter.*tag_name/);
    });

    it("tagType narrows to the tags runs (or assets) name; other types hold none here", async () => {
      expect(await tagNames({ tagType: "TAG_TYPE_RUN" })).toEqual(["hotfire", "cold", "amber"]);
      expect(await tagNames({ tag_type: 2 })).toEqual(["bay-3"]); // TAG_TYPE_ASSET
      expect(await tagNames({ tagType: "TAG_TYPE_CAMPAIGN" })).toEqual([]);
      expect(await tagNames({ tagType: "TAG_TYPE_UNSPECIFIED" })).toHaveLength(4);
      expect((await list("/api/v2/tags", { tagType: "TAG_TYPE_COLOUR" })).status).toBe(400);
    });

    it("is read by the client's listAllTags", async () => {
      const client = createSiftClient({ baseUrl: emulator.url, apiKey: "local" });
      const tags = [];
      for await (const tag of client.listAllTags(celIn("name", ["cold", "amber"]))) tags.push(tag);
      expect(tags.map((t) => [t.name, t.tagId])).toEqual([
        ["cold", "tag-cold"],
        ["amber", expect.any(String)],
      ]);
    });
  });

  describe("orderBy with an explicit asc", () => {
    it("is ascending, the same order (and page tokens) as without it", async () => {
      const names = async (orderBy: string, pageToken?: string) => {
        const params: Record<string, string | number> = { orderBy, pageSize: 2 };
        if (pageToken !== undefined) params.pageToken = pageToken;
        const { status, body } = await list("/api/v2/runs", params);
        expect(status, JSON.stringify(body)).toBe(200);
        return body;
      };
      const asc = await names("name asc");
      const plain = await names("name");
      expect(asc.runs.map((r: { name: string }) => r.name)).toEqual(["Bravo", "Charlie"]);
      expect(plain.runs).toEqual(asc.runs);
      const next = await names("name", asc.nextPageToken);
      expect(next.runs.map((r: { name: string }) => r.name)).toEqual(["alpha"]);
      expect(await tagNames({ orderBy: "name asc" })).toEqual([
        "amber",
        "bay-3",
        "cold",
        "hotfire",
      ]);
      const mixed = await list("/api/v2/runs", { orderBy: "created_date asc,name desc" });
      expect(mixed.body.runs.map((r: { clientKey: string }) => r.clientKey)).toEqual([
        "c-1",
        "c-2",
        "c-3",
      ]);
    });
  });

  describe("archivedDate as an UpdateRun mask path", () => {
    const runOf = (key: string) => emulator.runs().find((r) => r.clientKey === key)!;
    const patch = (run: Record<string, unknown>, updateMask: string) =>
      callApi(emulator, "PATCH", "/api/v2/runs", { run, updateMask });

    it("sets the archive date, and so isArchived; unset, it unarchives", async () => {
      const { runId } = runOf("c-3");
      const set = await patch(
        { runId, archivedDate: "2024-05-01T12:00:00.5+02:00" },
        "archivedDate",
      );
      expect(set.status, JSON.stringify(set.body)).toBe(200);
      expect(set.body.run).toMatchObject({
        archivedDate: "2024-05-01T10:00:00.500Z",
        isArchived: true,
      });
      const archived = await list("/api/v2/runs", { filter: "is_archived == true" });
      expect(archived.body.runs.map((r: { clientKey: string }) => r.clientKey)).toEqual(["c-3"]);

      const cleared = await patch({ runId }, "archivedDate");
      expect(cleared.status).toBe(200);
      expect(cleared.body.run).not.toHaveProperty("archivedDate");
      expect(cleared.body.run.isArchived ?? false).toBe(false);
    });

    it("with isArchived in the same mask, the two must agree", async () => {
      const { runId } = runOf("c-2");
      const both = await patch(
        { runId, isArchived: true, archivedDate: "2024-06-01T00:00:00Z" },
        "isArchived,archivedDate",
      );
      expect(both.status).toBe(200);
      expect(both.body.run).toMatchObject({
        archivedDate: "2024-06-01T00:00:00Z",
        isArchived: true,
      });
      const reversed = await patch(
        { runId, isArchived: true, archivedDate: "2024-07-01T00:00:00Z" },
        "archivedDate,isArchived",
      );
      expect(reversed.body.run).toMatchObject({ archivedDate: "2024-07-01T00:00:00Z" });
      for (const run of [
        { runId, isArchived: false, archivedDate: "2024-06-01T00:00:00Z" },
        { runId, isArchived: true },
      ]) {
        const refused = await patch(run, "isArchived,archivedDate");
        expect(refused.status).toBe(400);
        expect(refused.body.message).toMatch(
          /^run.is_archived is .+ but run.archived_date is .+ must agree/,
        );
      }
      const bad = await patch({ runId, archivedDate: "yesterday" }, "archivedDate");
      expect(bad.status).toBe(400);
    });
  });
});

describe("tags across a --state restart", () => {
  it("keep their ids, dates and order", async () => {
    const statePath = join(mkdtempSync(join(tmpdir(), "srs-tags-")), "state.json");
    const first = await startEmulator({
      statePath,
      seed: { runs: [{ name: "R", tags: ["a", "b"] }] },
    });
    const before = (await callApi(first, "GET", "/api/v2/tags")).body.tags;
    await first.close();
    const again = await startEmulator({ statePath });
    try {
      expect((await callApi(again, "GET", "/api/v2/tags")).body.tags).toEqual(before);
    } finally {
      await again.close();
    }
  });
});

import { describe, expect, it } from "vitest";
import { createSiftClient } from "../../src/sift/client.js";
import { callApi, query, useEmulator } from "../helpers/emulator.js";

/** `GET /api/v2/runs:filterFields` and `POST /api/v2/runs:validateFilter`, raw and through the client. */

const emulator = useEmulator({ readOnlyApiKey: "viewer" });
const client = () => createSiftClient({ baseUrl: emulator().url, apiKey: "local" });

describe("runs:filterFields", () => {
  it("lists every documented run filter field with its type", async () => {
    const { status, body } = await callApi(emulator(), "GET", "/api/v2/runs:filterFields");
    expect(status).toBe(200);
    const types = Object.fromEntries(
      body.filterFields.map((f: { fieldName: string; type: string }) => [f.fieldName, f.type]),
    );
    expect(types).toMatchObject({
      run_id: "FILTER_FIELD_TYPE_UUID",
      client_key: "FILTER_FIELD_TYPE_STRING",
      start_time: "FILTER_FIELD_TYPE_TIMESTAMP",
      is_archived: "FILTER_FIELD_TYPE_BOOL",
      duration: "FILTER_FIELD_TYPE_DOUBLE",
      duration_string: "FILTER_FIELD_TYPE_DURATION",
      annotation_state: "FILTER_FIELD_TYPE_ENUM",
    });
    expect(Object.keys(types)).toEqual(
      expect.arrayContaining(["asset_name", "tag_id", "asset_tag_id", "archived_date"]),
    );
  });

  it("every listed field is accepted by a ListRuns filter", async () => {
    const fields = await client().listRunFilterFields();
    expect(fields.length).toBeGreaterThan(15);
    for (const field of fields) {
      const problem = await client().validateRunFilter(`${field.fieldName} != null`);
      expect(problem, field.fieldName).toBe("");
    }
  });

  it("is a read: a read-only key may call it; POST is 405", async () => {
    const viewer = { authorization: "Bearer viewer" };
    expect(
      (await callApi(emulator(), "GET", "/api/v2/runs:filterFields", undefined, viewer)).status,
    ).toBe(200);
    expect((await callApi(emulator(), "POST", "/api/v2/runs:filterFields", {})).status).toBe(405);
  });
});

describe("runs:validateFilter", () => {
  it("answers an empty errorMessage for a valid filter", async () => {
    const { status, body } = await callApi(emulator(), "POST", "/api/v2/runs:validateFilter", {
      filter: "client_key in ['a', 'b'] && is_archived == false",
    });
    expect({ status, body }).toEqual({ status: 200, body: { errorMessage: "" } });
  });

  it("answers HTTP 200 with the problem for a filter ListRuns refuses with 400", async () => {
    for (const filter of ["name == ", "no_such_field == 'x'", "name", "name == 1"]) {
      const listed = await callApi(emulator(), "GET", `/api/v2/runs${query({ filter })}`);
      expect(listed.status, filter).toBe(400);
      const { status, body } = await callApi(emulator(), "POST", "/api/v2/runs:validateFilter", {
        filter,
      });
      expect(status, filter).toBe(200);
      expect(body.errorMessage, filter).not.toBe("");
      expect(listed.body.message).toContain(body.errorMessage);
    }
  });

  it("the client resolves to the problem, or to '' when valid", async () => {
    const sift = client();
    expect(await sift.validateRunFilter("name.startsWith('T')")).toBe("");
    expect(await sift.validateRunFilter("nam == 'x'")).toMatch(/nam/);
    expect(sift.stats().byOperation).toMatchObject({ ValidateRunFilter: 2 });
  });

  it("reads the body like other requests: snake_case is fine, a non-object is 400", async () => {
    const ok = await callApi(emulator(), "POST", "/api/v2/runs:validateFilter", {
      filter: "name == 'x'",
    });
    expect(ok.body).toEqual({ errorMessage: "" });
    const bad = await callApi(emulator(), "POST", "/api/v2/runs:validateFilter", "[1]");
    expect(bad.status).toBe(400);
    expect(emulator().stats().requests.ValidateRunFilter).toBeGreaterThan(0);
  });

  it("a read-only key may validate; nothing is written", async () => {
    const before = emulator().stats().writes;
    const answer = await callApi(
      emulator(),
      "POST",
      "/api/v2/runs:validateFilter",
      { filter: "name == 'x'" },
      { authorization: "Bearer viewer" },
    );
    expect(answer.body).toEqual({ errorMessage: "" });
    expect(emulator().stats().writes).toBe(before);
  });
});

import { describe, expect, it } from "vitest";
import { SIFT_CLIENT_KEY_MESSAGE } from "../../src/core/client-key.js";
import { startEmulator } from "../../src/emulator/index.js";
import { callApi, query, useEmulator } from "../helpers/emulator.js";

const OLD_ID = "0b7c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d";

// Sift's server-side rules (sift-api.md, "Server-side rules"): a new run's clientKey, and
// GetRun's UUID run_id. Runs made before the rule (seeded) keep any key.
const emulator = useEmulator({
  seed: {
    assets: [{ name: "stand-a", assetId: "5d1f0a6e-4b1c-4e0a-9a43-0c5f7b3e2d11" }],
    runs: [{ runId: OLD_ID, clientKey: "old key: 2019/07", name: "Before the rule" }],
  },
});

const T0 = "2024-05-01T08:00:00Z";
const T1 = "2024-05-01T09:00:00Z";
const BAD_KEYS = ["a", "2024-05-01T08:00:00Z", "-lead", "trail_", "with space", "x".repeat(129)];

describe("a new run's clientKey", () => {
  it("CreateRun and CreateAdhocRun refuse a key outside the rule: 400, code 3, Sift's message; nothing stored", async () => {
    const before = emulator().runs().length;
    for (const clientKey of BAD_KEYS) {
      const plain = await callApi(emulator(), "POST", "/api/v2/runs", { name: "n", clientKey });
      expect(plain.status).toBe(400);
      expect(plain.body).toMatchObject({ code: 3, details: [] });
      expect(plain.body.message).toContain(SIFT_CLIENT_KEY_MESSAGE);
      const adhoc = await callApi(emulator(), "POST", "/api/v2/runs:adhoc", {
        name: "n",
        clientKey,
        startTime: T0,
        stopTime: T1,
        assetIds: ["5d1f0a6e-4b1c-4e0a-9a43-0c5f7b3e2d11"],
      });
      expect(adhoc.status).toBe(400);
      expect(adhoc.body.message).toContain(SIFT_CLIENT_KEY_MESSAGE);
    }
    expect(emulator().runs()).toHaveLength(before);
  });

  it("accepts 2 to 128 characters of [a-zA-Z0-9_~.-], alphanumeric at both ends", async () => {
    for (const clientKey of ["k2", "a.b~c_d-e", "y".repeat(128)]) {
      const { status } = await callApi(emulator(), "POST", "/api/v2/runs", {
        name: "n",
        clientKey,
      });
      expect(status).toBe(200);
    }
  });

  it("a seeded run with an old key is listed by it and can be updated", async () => {
    const filter = `client_key == "old key: 2019/07"`;
    const listed = await callApi(emulator(), "GET", `/api/v2/runs${query({ filter })}`);
    expect(listed.body.runs.map((r: { runId: string }) => r.runId)).toEqual([OLD_ID]);
    const updated = await callApi(emulator(), "PATCH", "/api/v2/runs", {
      run: { runId: OLD_ID, name: "Renamed" },
      updateMask: "name",
    });
    expect(updated.status).toBe(200);
    expect(updated.body.run.clientKey).toBe("old key: 2019/07");
  });

  it("--client-key-check off acts like a deployment that accepts any key", async () => {
    const lenient = await startEmulator({ port: 0, clientKeyCheck: "off" });
    try {
      const { status } = await callApi(lenient, "POST", "/api/v2/runs", {
        name: "n",
        clientKey: "any key: at all",
      });
      expect(status).toBe(200);
    } finally {
      await lenient.close();
    }
  });
});

describe("GetRun", () => {
  it("answers 400 (code 3) for a run_id that is not a UUID, 404 for an unknown UUID", async () => {
    const bad = await callApi(emulator(), "GET", "/api/v2/runs/run-1");
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe(3);
    expect(bad.body.message).toMatch(/run_id: value must be a valid UUID/);
    const unknown = await callApi(
      emulator(),
      "GET",
      "/api/v2/runs/9f9f9f9f-0000-4000-8000-000000000000",
    );
    expect(unknown.status).toBe(404);
    const known = await callApi(emulator(), "GET", `/api/v2/runs/${OLD_ID}`);
    expect(known.body.run.runId).toBe(OLD_ID);
  });
});
